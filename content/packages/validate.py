"""Inspect an uploaded package without extracting it: the archive, then its manifest.

Only the zip central directory, the first bytes of each entry and the (size-capped) manifest are
read, so a package of any size is inspected in constant memory.
"""

from __future__ import annotations

import posixpath
import stat
import zipfile
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from . import cmi5, h5p, scorm
from .limits import EXECUTABLE_MAGIC, EXECUTABLE_SUFFIXES, limit
from .report import Report, UnreadablePackage

MANIFESTS = ("imsmanifest.xml", "h5p.json", "cmi5.xml")


def inspect_package(path: str | Path) -> Report:
    """Validate the package at `path` (a zip/.h5p, or a bare imsmanifest.xml or cmi5.xml)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise UnreadablePackage(str(exc)) from exc
    report = Report()
    if path.suffix.lower() == ".xml" and not head.startswith(b"PK"):
        _inspect_bare_manifest(path, report)
        return report
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        report.add(path.name, _("Tệp không phải là gói ZIP hợp lệ (không đọc được mục lục ZIP)."))
        return report
    with archive:
        names = check_entries(archive, report)
        _check_manifest(archive, names, report)
    return report


def _inspect_bare_manifest(path: Path, report: Report) -> None:
    """A manifest on its own: the structure is checked; there are no files to check against."""
    data = path.read_bytes()[: limit("CONTENT_PACKAGE_MAX_MANIFEST_BYTES") + 1]
    if b"courseStructure" in data[:4096]:
        cmi5.inspect(data, None, report)
    else:
        scorm.inspect(data, None, report)


def _safe_name(name: str) -> str | None:
    """The normalised relative path of an entry, or None when it would escape the package."""
    if "\\" in name or "\x00" in name:
        return None
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        return None
    return posixpath.normpath(name)


def check_entries(archive: zipfile.ZipFile, report: Report) -> set[str]:
    infos = archive.infolist()
    max_ratio = limit("CONTENT_PACKAGE_MAX_RATIO")
    ratio_floor = limit("CONTENT_PACKAGE_RATIO_MIN_BYTES")
    if len(infos) > limit("CONTENT_PACKAGE_MAX_ENTRIES"):
        report.add(
            "",
            _("Gói có %(count)d mục, vượt quá giới hạn %(limit)d mục.")
            % {"count": len(infos), "limit": limit("CONTENT_PACKAGE_MAX_ENTRIES")},
        )
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        safe = _safe_name(name)
        if safe is None:
            report.add(
                name, _('Đường dẫn trỏ ra ngoài thư mục gói ("../" hoặc đường dẫn tuyệt đối).')
            )
            continue
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            report.add(name, _("Gói chứa liên kết tượng trưng (symlink), không được phép."))
            continue
        if info.is_dir():
            continue
        if safe in names:
            report.add(name, _("Tệp xuất hiện hai lần trong gói."))
            continue
        if info.flag_bits & 0x1:
            report.add(name, _("Tệp được mã hoá bằng mật khẩu, không đọc được."))
            continue
        total += info.file_size
        if info.file_size > ratio_floor and info.file_size > max_ratio * max(info.compress_size, 1):
            report.add(
                name,
                _("Tỉ lệ nén %(ratio)d:1 vượt giới hạn %(limit)d:1 (nghi là bom ZIP).")
                % {"ratio": info.file_size // max(info.compress_size, 1), "limit": max_ratio},
            )
            continue
        if PurePosixPath(safe).suffix.lower() in EXECUTABLE_SUFFIXES or _has_executable_magic(
            archive, info
        ):
            report.add(name, _("Tệp thực thi không được phép có trong gói học liệu."))
            continue
        names.add(safe)
        report.sources[safe] = name
    if total > limit("CONTENT_PACKAGE_MAX_BYTES"):
        report.add(
            "",
            _("Tổng dung lượng sau giải nén %(total)d byte vượt giới hạn %(limit)d byte.")
            % {"total": total, "limit": limit("CONTENT_PACKAGE_MAX_BYTES")},
        )
    report.files = sorted(names)
    report.total_bytes = total
    return names


def _has_executable_magic(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    if info.file_size < 2:
        return False
    try:
        with archive.open(info) as entry:
            head = entry.read(4)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return False
    return head.startswith(EXECUTABLE_MAGIC)


def _check_manifest(archive: zipfile.ZipFile, names: set[str], report: Report) -> None:
    present = [m for m in MANIFESTS if m in names]
    if not present:
        nested = sorted(n for n in names if posixpath.basename(n) in MANIFESTS)
        if nested:
            report.add(
                nested[0],
                _("Tệp kê khai phải nằm ở thư mục gốc của gói, không nằm trong thư mục con."),
            )
        else:
            report.add(
                "",
                _(
                    "Không tìm thấy imsmanifest.xml (SCORM), h5p.json (H5P) hay cmi5.xml (cmi5) "
                    "ở thư mục gốc của gói."
                ),
            )
        return
    manifest = present[0]
    info = archive.getinfo(manifest)
    if info.file_size > limit("CONTENT_PACKAGE_MAX_MANIFEST_BYTES"):
        report.add(manifest, _("Tệp kê khai quá lớn."))
        return
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        report.add(manifest, _("Không đọc được tệp kê khai: %(error)s") % {"error": exc})
        return
    if manifest == "imsmanifest.xml":
        scorm.inspect(data, names, report)
    elif manifest == "h5p.json":
        h5p.inspect(data, names, archive, report)
    else:
        cmi5.inspect(data, names, report)
