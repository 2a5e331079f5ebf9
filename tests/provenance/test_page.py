"""The public verification page (no login) and the demo signing."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from provenance import api, demo
from tests import factories

from .conftest import Signed


def test_item_page_shows_the_chain_without_login(signed: Signed):
    response = Client().get("/xac-minh/HL-TOAN10-001/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="status">HỢP LỆ<' in html
    assert f"{signed.author.full_name} ({signed.author.username})" in html
    assert f"Trần Thị Bình ({signed.approver.username})" in html
    assert "Con dấu Sở GDĐT" in html
    assert "<svg" in html  # the QR code pointing back to this page
    assert "http://testserver/xac-minh/HL-TOAN10-001/" in html


def test_code_form_redirects_to_the_item_page(db):
    response = Client().get("/xac-minh/", {"code": "HL-X"})
    assert response.status_code == 302
    assert response["Location"] == "/xac-minh/HL-X/"
    missing = Client().get("/xac-minh/HL-X/")
    assert missing.status_code == 404
    assert "Không tìm thấy học liệu đã ký với mã HL-X." in missing.content.decode()


def test_uploading_a_tampered_bundle_shows_the_problem(signed: Signed):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(signed.bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, b"sua" + data if name == "files/ke-hoach-bai-day.md" else data)
    client = Client(enforce_csrf_checks=False)
    ok = client.post("/xac-minh/", {"bundle": SimpleUploadedFile("goi.zip", signed.bundle)})
    assert 'data-testid="status">HỢP LỆ<' in ok.content.decode()
    bad = client.post("/xac-minh/", {"bundle": SimpleUploadedFile("goi.zip", out.getvalue())})
    html = bad.content.decode()
    assert 'data-testid="status">KHÔNG HỢP LỆ<' in html
    assert "<code>files/ke-hoach-bai-day.md</code>: Nội dung tệp đã thay đổi" in html


def test_posting_without_a_file_asks_for_one(db):
    response = Client().post("/xac-minh/", {})
    assert "Hãy chọn tệp gói học liệu (.zip) để kiểm tra." in response.content.decode()


def test_demo_signs_a_sample_item_once_and_lists_it(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    factories.MembershipFactory(
        user=factories.UserFactory(), organisation=world.department, role="subject_head"
    )
    assert demo.seed() >= 1
    codes = api.signed_codes()
    assert demo.seed() == 0
    assert api.signed_codes() == codes
    out = io.StringIO()
    call_command("verify_provenance", "--list", "--json", stdout=out)
    assert json.loads(out.getvalue()) == codes
    for code in codes:
        assert api.verify(code).valid, code


def test_demo_signs_approved_question_versions_through_question_bank_api(world, settings, tmp_path):
    from question_bank import api as qb

    settings.MEDIA_ROOT = tmp_path
    head = factories.UserFactory()
    factories.MembershipFactory(user=head, organisation=world.department, role="subject_head")
    subject_obj = factories.SubjectFactory()
    item = qb.Item.objects.create(
        type="single_choice",
        subject=subject_obj,
        grade=10,
        author=world.a.teacher,
        school=world.a.school,
        licence="CC-BY-4.0",
        status=qb.Status.APPROVED,
    )
    content = {"stem": "1 + 1 = ?", "choices": ["1", "2", "3", "4"], "key": 1}
    version = qb.ItemVersion.objects.create(
        item=item, number=1, type=item.type, content=content, content_hash="a" * 64
    )
    qb.Item.objects.filter(pk=item.pk).update(current_version=version)

    assert demo.seed() == 1
    code = f"CH-{item.pk}-v1"
    assert api.signed_codes() == [code]
    verdict = api.verify(code)
    assert verdict.valid, verdict.problems
    manifest = verdict.manifest
    assert manifest["kind"] == "question_version"
    assert manifest["author"] == {"id": world.a.teacher.username, "name": world.a.teacher.full_name}
    assert manifest["curriculum_codes"] == ["GDPT2018.TOAN.10"]
    assert manifest["extra"] == {"content_hash": "a" * 64}
    assert [s.id for s in verdict.signers] == [world.a.teacher.username, head.username, ""]
