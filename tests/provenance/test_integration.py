"""Signing wired into publication: content's review workflow and question_bank's approval sign
what they publish, the player refuses a tampered package, and the demo ends up signed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from wagtail.documents import get_document_model

from content import signing as content_signing
from content.files import iter_item_files
from content.lessonplan import LessonPlanData
from content.models import DocumentPage, LessonPlanPage, PackageAttempt, PackagePage
from content.services import (
    approve_content,
    create_lesson_plan,
    create_package_page,
    import_package,
    submit_for_review,
)
from core.models import AuditEvent
from provenance import api, demo
from question_bank import services as qb_services
from question_bank.models import Item, Status
from tests.content.conftest import ContentWorld
from tests.fixtures import fixture_path
from tests.question_bank.conftest import single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def verify_json(code: str) -> dict:
    out = io.StringIO()
    call_command("verify_provenance", code, "--json", stdout=out)
    return json.loads(out.getvalue())


def published_plan(cw: ContentWorld) -> LessonPlanPage:
    teacher = cw.world.a.teacher
    data = LessonPlanData(title="Hàm số bậc hai")
    data.objectives["knowledge"] = ["Nhận biết parabol."]
    page = create_lesson_plan(
        cw.library_a, data, author=teacher, subject=cw.maths, grade=10, school=cw.world.a.school
    )
    submit_for_review(page, user=teacher)
    approve_content(page, user=cw.maths_head_a)
    return LessonPlanPage.objects.get(pk=page.pk)


def test_approving_content_signs_every_file_author_then_approver(content_world) -> None:
    page = published_plan(content_world)
    teacher, head = content_world.world.a.teacher, content_world.maths_head_a
    result = verify_json(f"HL-{page.pk}")
    assert result["valid"] is True
    assert result["problems"] == []
    assert [(s["role"], s["id"]) for s in result["signers"]] == [
        ("author", teacher.username),
        ("approver", head.username),
    ]
    manifest = json.loads(bytes(api.latest(f"HL-{page.pk}", "content_item").manifest))
    assert manifest["title"] == "Hàm số bậc hai"
    assert manifest["curriculum_codes"] == ["GDPT2018.TOAN.10"]
    assert manifest["school"]["code"] == content_world.world.a.school.code
    assert [(f["path"], f["sha256"]) for f in manifest["files"]] == [
        (f.path, f.sha256) for f in iter_item_files(page)
    ]
    assert content_signing.check_delivery(page).valid


def test_a_refused_signature_leaves_the_item_unpublished(content_world) -> None:
    cw = content_world
    teacher = cw.world.a.teacher
    teacher.full_name = ""  # a certificate needs the author's name: signing fails
    teacher.save(update_fields=["full_name"])
    page = create_lesson_plan(
        cw.library_a,
        LessonPlanData(title="Chưa ký được"),
        author=teacher,
        subject=cw.maths,
        grade=10,
        school=cw.world.a.school,
    )
    submit_for_review(page, user=teacher)
    with pytest.raises(ValidationError, match="chưa có họ tên để cấp chứng thư ký số"):
        approve_content(page, user=cw.maths_head_a)
    page.refresh_from_db()
    assert page.live is False
    assert api.signed_codes() == []


def published_package(cw: ContentWorld) -> PackagePage:
    teacher = cw.world.a.teacher
    _, package = import_package(fixture_path("scorm12/RuntimeMinimumCalls_SCORM12-mini.zip"))
    assert package is not None
    page = create_package_page(
        cw.library_a, package, author=teacher, subject=cw.maths, grade=10, school=cw.world.a.school
    )
    submit_for_review(page, user=teacher)
    approve_content(page, user=cw.maths_head_a)
    return PackagePage.objects.get(pk=page.pk)


def test_launch_refuses_flags_and_reports_a_tampered_package(content_world, login) -> None:
    w = content_world.world
    page = published_package(content_world)
    student = login(w.a.student)
    assert student.get(f"/content/play/{page.pk}/").status_code == 200

    file = page.package.files.order_by("path").first()
    with default_storage.open(file.storage_name, "rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 2] ^= 0x01
    with default_storage.open(file.storage_name, "wb") as handle:
        handle.write(bytes(data))

    other = login(w.a.teacher)
    response = other.get(f"/content/play/{page.pk}/")
    assert response.status_code == 409
    body = response.content.decode()
    assert "Học liệu bị chặn" in body
    assert f"files/package/{file.path}" in body
    assert "Nội dung tệp đã thay đổi: SHA-256 không khớp bản kê khai." in body
    # Refused before an attempt starts: only the student's earlier attempt exists.
    assert list(PackageAttempt.objects.values_list("learner_id", flat=True)) == [w.a.student.pk]
    publication = api.latest(f"HL-{page.pk}", "content_item")
    assert publication.flagged_at is not None
    assert publication.flag_reason.startswith(f"files/package/{file.path}: ")
    event = AuditEvent.objects.get(action="provenance.flag_tampered")
    assert (event.object_id, event.actor_id) == (str(publication.pk), w.a.teacher.pk)


def test_download_refuses_a_tampered_document_of_a_published_item(content_world, login) -> None:
    cw = content_world
    teacher = cw.world.a.teacher
    document = get_document_model().objects.create(
        title="Đề cương ôn tập",
        file=ContentFile(b"%PDF-1.7\nDe cuong on tap\n", name="de-cuong.pdf"),
    )
    page = DocumentPage(
        title="Đề cương ôn tập",
        document=document,
        author=teacher,
        owner=teacher,
        subject=cw.maths,
        grade=10,
        school=cw.world.a.school,
        live=False,
    )
    cw.library_a.add_child(instance=page)
    page.save_revision(user=teacher)
    submit_for_review(page, user=teacher)
    approve_content(page, user=cw.maths_head_a)
    manifest = json.loads(bytes(api.latest(f"HL-{page.pk}", "content_item").manifest))
    assert [f["path"] for f in manifest["files"]] == ["document/de-cuong.pdf", "item.json"]
    student = login(cw.world.a.student)
    url = document.url
    response = student.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7\nDe cuong on tap\n"

    with default_storage.open(document.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7\nDe cuong da bi sua\n")
    response = student.get(url)
    assert response.status_code == 409
    assert "files/document/de-cuong.pdf" in response.content.decode()
    assert Client().get(url).status_code == 409  # nor to anyone without a login
    assert api.latest(f"HL-{page.pk}", "content_item").flagged_at is not None


def test_an_unsigned_live_package_is_not_launched(content_world, login) -> None:
    page = published_package(content_world)
    api.Publication.objects.all().delete()
    response = login(content_world.world.a.student).get(f"/content/play/{page.pk}/")
    assert response.status_code == 409
    assert "Học liệu chưa được ký." in response.content.decode()


def test_approving_and_publishing_a_question_version_signs_it_once(bank) -> None:
    item = qb_services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths, grade=10
    )
    qb_services.submit_item(bank.author, item)
    qb_services.approve_item(bank.maths_head, item)
    code = f"CH-{item.pk}-v1"
    assert api.signed_codes() == [code]
    result = verify_json(code)
    assert result["valid"] is True
    assert [(s["role"], s["id"]) for s in result["signers"]] == [
        ("author", bank.author.username),
        ("approver", bank.maths_head.username),
    ]
    manifest = json.loads(bytes(api.latest(code).manifest))
    assert manifest["kind"] == "question_version"
    assert manifest["extra"] == {"content_hash": item.current_version.content_hash}

    qb_services.publish_item(bank.maths_head, item)
    assert api.Publication.objects.filter(code=code).count() == 1

    # An edit is a new version: approved again, it is signed under its own code.
    qb_services.revise_item(bank.author, item, single_choice(stem="1 + 1 = ?"))
    qb_services.submit_item(bank.author, item)
    qb_services.approve_item(bank.maths_head, item)
    assert api.signed_codes() == [code, f"CH-{item.pk}-v2"]
    assert verify_json(f"CH-{item.pk}-v2")["valid"] is True


def test_a_subject_head_cannot_approve_their_own_question(bank) -> None:
    item = qb_services.create_item(
        bank.maths_head, single_choice(), school=bank.school, subject=bank.maths, grade=10
    )
    qb_services.submit_item(bank.maths_head, item)
    with pytest.raises(ValidationError, match=r"Tác giả không tự phê duyệt được\."):
        qb_services.approve_item(bank.maths_head, item)
    assert Item.objects.get(pk=item.pk).status == Status.SUBMITTED
    assert api.signed_codes() == []


def test_demo_publishes_signed_items_listed_by_the_cli(db) -> None:
    from core import demo as core_demo

    core_demo.load()
    codes = demo.publish_demo_items()
    assert demo.seed() == 0
    assert demo.publish_demo_items() == []
    out = io.StringIO()
    call_command("verify_provenance", "--list", "--json", stdout=out)
    listed = json.loads(out.getvalue())
    assert listed == sorted(codes)
    assert [c[:3] for c in codes] == ["HL-", "CH-", "CH-", "CH-"]
    for code in codes:
        result = verify_json(code)
        assert result["valid"] is True, code
        assert [(s["role"], s["id"]) for s in result["signers"]] == [
            ("author", "giaovien"),
            ("approver", "totruong"),
            ("seal", ""),
        ]
