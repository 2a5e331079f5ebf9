"""Package validation and import: every shared fixture, and hand-made hostile archives."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from content.models import Package, PackageFile
from content.packages.validate import inspect_package
from content.services import import_package
from core.models import AuditEvent
from tests.fixtures import fixture_path

VALID = {
    "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip": (
        "scorm12",
        "Golf Explained - Minimum Run-time Calls",
        "Playing/Playing.html",
    ),
    "scorm12/singlesco_scorm12.zip": (
        "scorm12",
        "Golf Explained - CP Single SCO",
        "shared/launchpage.html",
    ),
    "scorm12/singlescobasic.zip": (
        "scorm12",
        "Golf Explained - Run-time Basic Calls",
        "shared/launchpage.html",
    ),
    "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip": (
        "scorm2004",
        "Golf Explained - Run-time Basic Calls",
        "shared/launchpage.html",
    ),
    "h5p/basic_essay.h5p": ("h5p", "Essay", "h5p.json"),
    "h5p/drag.h5p": ("h5p", "Drag the Words", "h5p.json"),
    "h5p/filltheblanks.h5p": ("h5p", "Geography", "h5p.json"),
    "h5p/greeting-card.h5p": ("h5p", "Greeting card", "h5p.json"),
    "h5p/greetingcard1.h5p": ("h5p", "Greeting card 1", "h5p.json"),
    "h5p/guess-the-answer.h5p": ("h5p", "Fruits", "h5p.json"),
    "h5p/h5p-test.h5p": ("h5p", "Hello World", "h5p.json"),
    "h5p/ipsums.h5p": ("h5p", "Ipsums", "h5p.json"),
    "h5p/multiple-choice-2-6.h5p": ("h5p", "Multiple Choice", "h5p.json"),
    "cmi5/multi_au_framed.zip": (
        "cmi5",
        "Introduction to Geology - Multi AU at Root",
        "index.html?pages=1&complete=launch",
    ),
}

# Manifests kept without their package: the structure is validated (dry run).
VALID_MANIFESTS = {
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_API.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package API",
    ),
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_CM-01.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package CM-01",
    ),
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_CT-02.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package CT-02",
    ),
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_DMI.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package DMI",
    ),
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_OB-01a.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package OB-01a",
    ),
    "scorm2004/adl-4th-ed-manifests/LMSTestPackage_RU-01aa.imsmanifest.xml": (
        "scorm2004",
        "LMS Test Content Package RU-01aa",
    ),
    "cmi5/course-structures/aicc-spec_complex-cmi5.xml": ("cmi5", "Geology"),
    "cmi5/course-structures/aicc-spec_extended-cmi5.xml": ("cmi5", "Introduction to Geology"),
    "cmi5/course-structures/aicc-spec_simple-cmi5.xml": ("cmi5", "Introduction to Geology"),
    "cmi5/course-structures/catapult-example_masteryscore_framed.cmi5.xml": (
        "cmi5",
        "Introduction to Geology - Framed Style - Mastery Score",
    ),
    "cmi5/course-structures/catapult-example_pre_post_test_framed.cmi5.xml": (
        "cmi5",
        "Introduction to Geology - Pre/Post Test",
    ),
    "cmi5/course-structures/catapult-example_single_au_basic_responsive.cmi5.xml": (
        "cmi5",
        "Introduction to Geology - Responsive Style",
    ),
    "cmi5/course-structures/lts_001-essentials.cmi5.xml": (
        "cmi5",
        "CATAPULT LMS Test Course: 001 Essentials",
    ),
    "cmi5/course-structures/lts_004-2-moveOn-CompletedOrPassed.cmi5.xml": (
        "cmi5",
        "CATAPULT LMS Test Course: 004-2 moveOn CompletedOrPassed",
    ),
    "cmi5/course-structures/lts_006-launchMode.cmi5.xml": (
        "cmi5",
        "CATAPULT LMS Test Course: 006 launchMode",
    ),
    "cmi5/course-structures/lts_009-1-waived.cmi5.xml": (
        "cmi5",
        "CATAPULT LMS Test Course: 009-1 Waived",
    ),
    "cmi5/course-structures/lts_201-4-iris-objective-id.cmi5.xml": (
        "cmi5",
        "CATAPULT LMS Test Course: 201-4-iris-objective-id",
    ),
}

# fixture → (path of the first problem, a phrase of its reason)
INVALID = {
    "scorm12/invalid/badscorm.zip": ("badscorm/imsmanifest.xml", "phải nằm ở thư mục gốc"),
    "scorm12/invalid/invalid.zip": ("", "Không tìm thấy imsmanifest.xml"),
    "scorm12/invalid/validaicc.zip": ("", "Không tìm thấy imsmanifest.xml"),
    "scorm12/invalid/validscorm.zip": ("imsmanifest.xml", "Dòng 2: XML không hợp lệ"),
    "scorm12/invalid/singlescobasic_missingorg.zip": ("imsmanifest.xml", "Thiếu <organization>"),
    "h5p/invalid/broken-h5p-json.h5p": ("h5p.json", "JSON không hợp lệ"),
    "h5p/invalid/corrupt_archive.h5p": ("corrupt_archive.h5p", "không phải là gói ZIP"),
    "h5p/invalid/unzippable.h5p": ("unzippable.h5p", "không phải là gói ZIP"),
    "h5p/invalid/invalid-h5p-json-schema.h5p": ("h5p.json", "'mainLibrary' is a required"),
    "h5p/invalid/missing-preloaded-js.h5p": (
        "H5P.GreetingCard-1.0/greetingcard.js",
        "Thiếu tệp preloadedJs",
    ),
    "cmi5/invalid/lts_205-1-duplicated-block.cmi5.xml": ("cmi5.xml", "bị trùng"),
    "cmi5/invalid/lts_205-3-duplicated-au.cmi5.xml": ("cmi5.xml", "bị trùng"),
    "cmi5/invalid/lts_206-1-invalid-au-url.cmi5.xml": ("cmi5.xml", "URL khởi chạy"),
    "cmi5/invalid/lts_207-1-invalid-courseStructure.cmi5.xml": (
        "cmi5.xml",
        "Dòng 28: sai cấu trúc cmi5",
    ),
    "cmi5/invalid/lts_209-1-not-a-zip.zip": ("lts_209-1-not-a-zip.zip", "không phải là gói ZIP"),
}


def run_cli(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_package", *args, "--json", stdout=out)
    return int(exit_info.value.code or 0), json.loads(out.getvalue())


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_fixture_is_accepted_by_the_cli(name: str) -> None:
    code, result = run_cli(str(fixture_path(name)), "--dry-run")
    kind, title, launch = VALID[name]
    assert code == 0
    assert result == {"valid": True, "kind": kind, "title": title, "launch": launch, "problems": []}


@pytest.mark.parametrize("name", sorted(VALID_MANIFESTS))
def test_bare_manifest_structure_is_accepted(name: str) -> None:
    code, result = run_cli(str(fixture_path(name)), "--dry-run")
    assert code == 0
    assert (result["kind"], result["title"]) == VALID_MANIFESTS[name]
    assert result["valid"] is True


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_fixture_is_rejected_with_its_reason(name: str) -> None:
    code, result = run_cli(str(fixture_path(name)), "--dry-run")
    path, phrase = INVALID[name]
    assert code == 1
    assert result["valid"] is False
    assert result["problems"][0]["path"] == path
    assert phrase in result["problems"][0]["reason"]


def test_runtime_negative_cmi5_course_is_structurally_valid_but_not_importable_alone() -> None:
    # CATAPULT's 005-1 AU misbehaves at run time; its cmi5.xml itself is well formed. Without
    # its package, the relative launch URL points nowhere, so importing it is refused.
    report, package = import_package(
        fixture_path("cmi5/invalid/lts_005-1-invalid-au.cmi5.xml"), dry_run=False
    )
    assert package is None
    assert report.valid is False
    assert "Chỉ có tệp kê khai" in report.problems[0].reason


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    code, result = run_cli(str(tmp_path / "khong-co.zip"))
    assert code == 2
    assert result["valid"] is False
    assert result["kind"] is None
    assert "Không đọc được tệp" in result["problems"][0]["reason"]


# --- hand-made hostile archives --------------------------------------------------------------

MANIFEST_12 = b"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Bai 1</title>
    <item identifier="i1" identifierref="r1"><title>Mo dau</title></item>
  </organization></organizations>
  <resources><resource identifier="r1" type="webcontent" href="index.html"/></resources>
</manifest>"""


def make_zip(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    target = tmp_path / "goi.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return target


def problems(path: Path) -> list[tuple[str, str]]:
    return [(p.path, p.reason) for p in inspect_package(path).problems]


def test_minimal_package_is_valid(tmp_path: Path) -> None:
    path = make_zip(tmp_path, [("imsmanifest.xml", MANIFEST_12), ("index.html", b"<p>x</p>")])
    report = inspect_package(path)
    assert (report.valid, report.kind, report.title, report.launch) == (
        True,
        "scorm12",
        "Bai 1",
        "index.html",
    )


def test_missing_launch_file_is_reported(tmp_path: Path) -> None:
    path = make_zip(tmp_path, [("imsmanifest.xml", MANIFEST_12)])
    assert problems(path) == [("index.html", "Tệp khởi chạy không có trong gói.")]


@pytest.mark.parametrize("evil", ["../evil.html", "a/../../evil.html", "/etc/evil.html"])
def test_path_traversal_is_rejected(tmp_path: Path, evil: str) -> None:
    info = zipfile.ZipInfo("x")
    info.filename = evil  # ZipInfo() strips a leading "/"; a hostile archive does not
    path = make_zip(
        tmp_path,
        [("imsmanifest.xml", MANIFEST_12), ("index.html", b"x"), (info, b"boom")],
    )
    assert problems(path) == [
        (evil, 'Đường dẫn trỏ ra ngoài thư mục gói ("../" hoặc đường dẫn tuyệt đối).')
    ]


def test_symlink_is_rejected(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.html")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(
        tmp_path,
        [("imsmanifest.xml", MANIFEST_12), ("index.html", b"x"), (link, b"/etc/passwd")],
    )
    assert problems(path) == [
        ("link.html", "Gói chứa liên kết tượng trưng (symlink), không được phép.")
    ]


def test_zip_bomb_ratio_is_rejected(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path,
        [("imsmanifest.xml", MANIFEST_12), ("index.html", b"x"), ("bom.txt", b"\0" * 20_000_000)],
    )
    [(where, reason)] = problems(path)
    assert where == "bom.txt"
    assert "(nghi là bom ZIP)" in reason


def test_total_size_limit(tmp_path: Path, settings) -> None:
    settings.CONTENT_PACKAGE_MAX_BYTES = 1000
    path = make_zip(
        tmp_path,
        [("imsmanifest.xml", MANIFEST_12), ("index.html", bytes(range(256)) * 8)],
    )
    [(where, reason)] = problems(path)
    assert where == ""
    assert reason.startswith("Tổng dung lượng sau giải nén 2")
    assert reason.endswith("vượt giới hạn 1000 byte.")


@pytest.mark.parametrize(
    ("name", "data"),
    [("setup.exe", b"anything"), ("hinh.png", b"MZ\x90\x00 disguised"), ("run.sh", b"#!/bin/sh")],
)
def test_executables_are_rejected(tmp_path: Path, name: str, data: bytes) -> None:
    path = make_zip(
        tmp_path, [("imsmanifest.xml", MANIFEST_12), ("index.html", b"x"), (name, data)]
    )
    assert problems(path) == [(name, "Tệp thực thi không được phép có trong gói học liệu.")]


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><manifest>&a;</manifest>'
    path = make_zip(tmp_path, [("imsmanifest.xml", bomb), ("index.html", b"x")])
    assert problems(path) == [
        ("imsmanifest.xml", "XML chứa DTD hoặc thực thể, không được phép vì lý do an toàn.")
    ]


def test_every_problem_is_reported(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("x")
    info.filename = "../a"
    path = make_zip(tmp_path, [("imsmanifest.xml", MANIFEST_12), (info, b"1"), ("b.exe", b"2")])
    assert [p for p, _ in problems(path)] == ["../a", "b.exe", "index.html"]


# --- storing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_streams_files_into_storage_with_hashes() -> None:
    source = fixture_path("scorm12/singlescobasic.zip")
    code, result = run_cli(str(source))
    assert code == 0
    assert result["valid"] is True
    package = Package.objects.get()
    assert (package.kind, package.launch) == ("scorm12", "shared/launchpage.html")
    with zipfile.ZipFile(source) as archive:
        expected = {
            i.filename: hashlib.sha256(archive.read(i)).hexdigest()
            for i in archive.infolist()
            if not i.is_dir()
        }
    stored = dict(package.files.values_list("path", "sha256"))
    assert stored == expected
    with default_storage.open(package.storage_prefix + "shared/launchpage.html", "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == expected["shared/launchpage.html"]
    assert AuditEvent.objects.filter(action="content.package.imported").count() == 1


@pytest.mark.django_db
def test_dry_run_stores_nothing() -> None:
    code, _ = run_cli(str(fixture_path("h5p/greeting-card.h5p")), "--dry-run")
    assert code == 0
    assert Package.objects.count() == 0
    assert PackageFile.objects.count() == 0


@pytest.mark.django_db
def test_rejected_package_stores_nothing() -> None:
    code, _ = run_cli(str(fixture_path("h5p/invalid/missing-preloaded-js.h5p")))
    assert code == 1
    assert Package.objects.count() == 0
