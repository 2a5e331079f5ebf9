"""IMS Common Cartridge fixtures: web content files and web links are found; the rest listed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from content.packages.cartridge import WebLink, read_cartridge
from tests.fixtures import fixture_path


def test_py4e_cartridge_links() -> None:
    cartridge = read_cartridge(fixture_path("imscc/py4e_export.imscc"))
    assert cartridge.title == "Python for Everybody import"
    assert cartridge.web_content == []
    assert len(cartridge.links) == 129
    assert cartridge.links[0] == WebLink(
        "Assignment: Installing Python", "https://www.py4e.com/install.php"
    )
    assert cartridge.skipped == {
        "imsbasiclti_xmlv1p0": 43,
        "associatedcontent/imscc_xmlv1p1/learning-application-resource": 1,
    }
    assert cartridge.report.problems == []


def test_cc2olx_cartridge_web_content_and_bad_links_reported() -> None:
    cartridge = read_cartridge(fixture_path("imscc/cc2olx-fixtures-main.imscc"))
    assert cartridge.title == "Course"
    assert cartridge.web_content == [
        "iframe.html",
        "iframe2.html",
        "vertical.html",
        "web_resources/elearning.png",
        "wiki_content/wiki_content.html",
        "canvas_content/canvas_content.html",
        "web_resources/PEP_8.pdf",
        "extra_files/example.pdf",
        "wiki_content/external_tool_retrieve.html",
    ]
    assert len(cartridge.links) == 5
    assert [(p.path, p.reason) for p in cartridge.report.problems] == [
        ("weblinks/web_link_content.xml", 'Liên kết "/web-link" không phải địa chỉ http(s).'),
        (
            "weblinks/youtube_web_link.xml",
            'Liên kết "youtube.com/watch?v=1234ABCD" không phải địa chỉ http(s).',
        ),
        (
            "wiki_content/module-|-introduction.html",
            "Tệp nội dung web khai báo trong gói nhưng không có.",
        ),
    ]


def _inspect(path: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("inspect_cartridge", path, "--json", stdout=out)
    return int(exit_.value.code or 0), json.loads(out.getvalue())


def test_cli_reports_contents_and_located_problems(tmp_path: Path) -> None:
    code, result = _inspect(str(fixture_path("imscc/py4e_export.imscc")))
    assert (code, result["valid"], len(result["links"])) == (0, True, 129)
    code, result = _inspect(str(fixture_path("imscc/cc2olx-fixtures-main.imscc")))
    assert code == 1
    assert len(result["web_content"]) == 9
    assert result["problems"][0]["path"] == "weblinks/web_link_content.xml"
    # A malformed manifest: the error names the file and the XML line.
    broken = tmp_path / "broken.imscc"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest>\n<resources>\n</manifest>")
    code, result = _inspect(str(broken))
    assert code == 1
    assert result["problems"][0]["path"] == "imsmanifest.xml"
    assert result["problems"][0]["reason"].startswith("Dòng 3:")
    code, result = _inspect(str(tmp_path / "missing.imscc"))
    assert (code, result["valid"]) == (2, False)
