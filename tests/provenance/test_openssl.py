"""The openssl steps documented in docs/provenance.md, run verbatim on exported bundles."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

from provenance import api

from .conftest import Signed

DOC = Path(__file__).resolve().parents[2] / "docs" / "provenance.md"


def documented_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- openssl-verify:start -->\n```bash\n(.*?)```\n<!-- openssl-verify:end -->", text, re.S
    )
    assert block is not None
    return block.group(1)


def run(bundle: bytes, where: Path) -> subprocess.CompletedProcess[str]:
    where.mkdir()
    (where / "bundle.zip").write_bytes(bundle)
    return subprocess.run(
        ["/bin/bash", "-c", documented_script()],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def tampered(bundle: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.namelist():
            data = src.read(member)
            dst.writestr(member, change(data) if member == name else data)
    return out.getvalue()


def test_the_documented_openssl_commands_verify_an_exported_bundle(signed: Signed, tmp_path):
    result = run(signed.bundle, tmp_path / "ok")
    assert result.returncode == 0, result.stderr
    # One "Verification successful" per signature: author, approver and seal.
    assert result.stderr.count("CMS Verification successful") == 3
    ca = api.ensure_department_ca()
    fingerprint = ":".join(re.findall("..", ca.fingerprint.upper()))
    assert f"sha256 Fingerprint={fingerprint}" in result.stdout
    assert (
        f"subject=UID={signed.author.username},CN={signed.author.full_name},C=VN" in result.stdout
    )
    assert f"subject=UID={signed.approver.username},CN=Trần Thị Bình,C=VN" in result.stdout


def test_the_documented_commands_fail_on_a_changed_file(signed: Signed, tmp_path):
    bundle = tampered(signed.bundle, "files/bai-giang/notes.txt", lambda d: d.replace(b"ax", b"bx"))
    result = run(bundle, tmp_path / "file")
    assert result.returncode != 0
    assert "files/bai-giang/notes.txt: FAILED" in result.stdout


def test_the_documented_commands_fail_on_an_edited_manifest(signed: Signed, tmp_path):
    bundle = tampered(
        signed.bundle, "manifest.json", lambda d: d.replace("Hàm số".encode(), "Hàm sô".encode())
    )
    result = run(bundle, tmp_path / "manifest")
    assert result.returncode != 0
    assert "Verification failure" in result.stderr
    assert "content verify error" in result.stderr
