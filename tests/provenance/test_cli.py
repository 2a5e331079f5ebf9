"""The CLI contracts: verify_provenance, export_bundle, check_provenance_log."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from .conftest import Signed


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_export_then_verify_the_bundle_and_the_code(signed: Signed, tmp_path):
    path = tmp_path / "item.zip"
    code, _out = run("export_bundle", "HL-TOAN10-001", "--out", str(path))
    assert code == 0
    assert path.read_bytes() == signed.bundle
    for target in (str(path), "HL-TOAN10-001"):
        code, out = run("verify_provenance", target, "--json")
        result = json.loads(out)
        assert code == 0
        assert result["valid"] is True
        assert result["problems"] == []
        assert [s["role"] for s in result["signers"]] == ["author", "approver", "seal"]
        assert result["signers"][0]["id"] == signed.author.username


def test_a_tampered_bundle_exits_1_naming_the_file(signed: Signed, tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(io.BytesIO(signed.bundle)) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data + b" " if name == "files/bai-giang/slides.html" else data)
    code, out = run("verify_provenance", str(path), "--json")
    assert code == 1
    assert json.loads(out) == {
        "valid": False,
        "code": "HL-TOAN10-001",
        "signers": json.loads(out)["signers"],
        "problems": [
            {
                "file": "files/bai-giang/slides.html",
                "reason": "Nội dung tệp đã thay đổi: SHA-256 không khớp bản kê khai.",
            }
        ],
    }


def test_an_unknown_code_is_not_valid(db):
    code, out = run("verify_provenance", "KHONG-CO", "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        {"file": "KHONG-CO", "reason": "Không tìm thấy học liệu đã ký với mã này."}
    ]


def test_list_gives_the_codes_of_signed_items(signed: Signed):
    code, out = run("verify_provenance", "--list", "--json")
    assert code == 0
    assert json.loads(out) == ["HL-TOAN10-001"]


def test_export_of_an_unknown_code_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="KHONG-CO"):
        call_command("export_bundle", "KHONG-CO", "--out", str(tmp_path / "x.zip"))
