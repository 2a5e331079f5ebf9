"""The public verification page in Chromium, against a real platform process with demo data."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest

from tests.e2e.server import Server, manage

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signed_server(db_templates) -> Iterator[Server]:
    db = db_templates.copy("provenance", demo=True)
    manage(db, "seed_provenance_demo")
    server = Server(db).start()
    yield server
    server.stop()


def test_anyone_checks_an_item_code_and_a_tampered_bundle(signed_server, page, tmp_path):
    codes = json.loads(manage(signed_server.db, "verify_provenance", "--list", "--json"))
    assert codes
    code = codes[0]
    bundle = tmp_path / "goi.zip"
    manage(signed_server.db, "export_bundle", code, "--out", str(bundle))

    page.goto(f"{signed_server.url}/xac-minh/")
    assert page.get_by_role("heading", level=1).inner_text() == "Xác minh nguồn gốc học liệu"
    page.fill("#id_code", code)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"{signed_server.url}/xac-minh/{code}/")
    assert page.get_by_test_id("status").inner_text() == "HỢP LỆ"
    assert page.get_by_test_id("code").inner_text() == code
    for role in ("author", "approver", "seal"):
        assert page.get_by_test_id(f"signer-{role}").is_visible()
    assert page.locator("figure.qr svg").count() == 1

    page.goto(f"{signed_server.url}/xac-minh/")
    page.set_input_files("#id_bundle", str(bundle))
    page.get_by_role("button", name="Kiểm tra gói").click()
    assert page.get_by_test_id("status").inner_text() == "HỢP LỆ"

    out = io.BytesIO()
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        names = [n for n in src.namelist() if n.startswith("files/")]
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data + b"\n" if name == names[0] else data)
    tampered = tmp_path / "sua.zip"
    tampered.write_bytes(out.getvalue())
    page.goto(f"{signed_server.url}/xac-minh/")
    page.set_input_files("#id_bundle", str(tampered))
    page.get_by_role("button", name="Kiểm tra gói").click()
    assert page.get_by_test_id("status").inner_text() == "KHÔNG HỢP LỆ"
    assert names[0] in page.get_by_test_id("problems").inner_text()
