"""XXE and billion-laughs XML at every XML entry point is refused with a clear error, and no
entity is ever expanded (question import: Moodle XML, QTI; package manifests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.packages.report import Report
from content.packages.xml import parse as parse_manifest
from question_bank.importers import UnreadableFile, parse_bytes

SECRET = "/etc/hostname"
XXE = (
    '<?xml version="1.0"?>\n'
    f'<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file://{SECRET}">]>\n'
    '<quiz><question type="multichoice"><name><text>&xxe;</text></name>'
    '<questiontext format="html"><text>&xxe;</text></questiontext>'
    '<answer fraction="100"><text>A</text></answer><answer fraction="0"><text>B</text></answer>'
    "</question></quiz>"
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "hahahahahahahahahaha">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + ']>\n<quiz><question type="multichoice"><questiontext><text>&i;</text></questiontext>'
    "</question></quiz>"
)
QTI_XXE = (
    '<?xml version="1.0"?>\n'
    f'<!DOCTYPE assessmentItem [<!ENTITY xxe SYSTEM "file://{SECRET}">]>\n'
    '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="q1" '
    'title="&xxe;"><itemBody><p>&xxe;</p></itemBody></assessmentItem>'
)


def _refused(data: str, name: str, fmt: str) -> str:
    """The error text: an UnreadableFile, or the parse result's problems with nothing imported."""
    try:
        result = parse_bytes(data.encode(), name, fmt)
    except UnreadableFile as exc:
        return str(exc)
    assert not getattr(result, "items", None), "an item was imported from a hostile file"
    return str(getattr(result, "errors", "")) + str(getattr(result, "warnings", ""))


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (XXE, "cau-hoi.xml", "moodlexml"),
        (LAUGHS, "cau-hoi.xml", "moodlexml"),
        (QTI_XXE, "item.xml", "qti"),
    ],
    ids=["moodle-xxe", "moodle-billion-laughs", "qti-xxe"],
)
def test_question_import_refuses_entities(data: str, name: str, fmt: str) -> None:
    message = _refused(data, name, fmt)
    assert message  # a clear error, not silence
    hostname = Path(SECRET).read_text().strip()
    assert hostname not in message
    assert "hahahaha" * 10 not in message


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_package_manifest_refuses_entities(data: str) -> None:
    report = Report()
    assert parse_manifest(data.encode(), "imsmanifest.xml", report) is None
    text = str(report.problems)
    assert "imsmanifest.xml" in text
