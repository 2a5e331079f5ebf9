"""Zip limits where question packages are read (content packages have their own tests in
tests/content/test_packages.py): a bomb by ratio, too many files, path traversal."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.ziplimits import zip_problem
from question_bank.importers import UnreadableFile, parse_bytes


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


MANIFEST = b'<?xml version="1.0"?><manifest><resources/></manifest>'


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ({"imsmanifest.xml": MANIFEST, "bom.xml": b"\0" * (20 * 1024 * 1024)}, "bom zip"),
        ({"imsmanifest.xml": MANIFEST, "../../etc/evil.xml": b"x"}, "ra ngoài"),
        ({"imsmanifest.xml": MANIFEST, **{f"f{i}.xml": b"" for i in range(5001)}}, "giới hạn"),
    ],
    ids=["ratio-bomb", "path-traversal", "too-many-files"],
)
def test_qti_package_limits(entries: dict[str, bytes], reason: str) -> None:
    with pytest.raises(UnreadableFile) as refused:
        parse_bytes(_zip(entries), "goi-qti.zip", "qti")
    assert "goi-qti.zip" in str(refused.value)
    assert reason in str(refused.value)


def test_zip_limits_accept_an_ordinary_package() -> None:
    data = _zip({"imsmanifest.xml": MANIFEST, "q1.xml": b"<a/>" * 100})
    assert zip_problem(zipfile.ZipFile(io.BytesIO(data))) is None
