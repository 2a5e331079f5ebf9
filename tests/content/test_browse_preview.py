"""Previews of every kind of item, provenance and licence shown, downloads checked and audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document as DocxDocument

from content.models import ELecturePage, PackageFile
from core.models import AuditEvent

from .browsing import PDF, VTT, Items, add_page, build, document, publish
from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def items(content_world: ContentWorld) -> Items:
    return build(content_world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview(client: Client, page) -> str:
    response = client.get(reverse("content:item", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_preview_of_each_kind(content_world: ContentWorld, items: Items) -> None:
    client = client_for(content_world.world.a.student)
    html = preview(client, items.plan)
    assert 'data-kind="lessonplan"' in html
    assert "Nhận biết đồ thị của hàm số bậc hai." in html
    assert "Máy chiếu, phiếu học tập." in html
    assert 'data-testid="download-docx"' in html
    assert 'data-testid="download-pdf"' in html
    assert "GDPT2018.TOAN.10" in html
    assert "Hàm số" in html
    assert "CC BY 4.0" in html
    assert content_world.world.a.school.name in html

    html = preview(client, items.lecture)
    video = reverse("content:download", args=[items.lecture.pk, "video"])
    captions = reverse("content:download", args=[items.lecture.pk, "captions"])
    slides = reverse("content:download", args=[items.lecture.pk, "slides"])
    assert f'src="{video}?inline=1"' in html
    assert f'src="{captions}?inline=1"' in html
    assert f'src="{slides}?inline=1"' in html
    assert "Vận tốc không đổi." in html

    html = preview(client, items.doc)
    assert 'data-kind="document"' in html
    assert "Bảo lưu mọi quyền" in html
    assert reverse("content:download", args=[items.doc.pk, "original"]) in html

    html = preview(client, items.package)
    assert 'data-kind="scorm12"' in html
    assert f'href="{reverse("content:player", args=[items.package.pk])}"' in html
    assert 'data-testid="download-zip"' in html


def test_preview_shows_provenance_badge_and_link(content_world: ContentWorld, items: Items) -> None:
    html = preview(client_for(content_world.world.a.teacher), items.plan)
    code = f"HL-{items.plan.pk}"
    assert f'href="{reverse("provenance:item", args=[code])}"' in html
    assert "Đã ký số" in html
    assert f'href="{reverse("lms:use_content", args=[items.plan.pk])}"' in html


def test_other_schools_items_are_hidden(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    hidden = items.other_school_plan.pk
    for user in (w.a.teacher, w.a.student, w.a.admin):
        client = client_for(user)
        assert client.get(reverse("content:item", args=[hidden])).status_code == 404
        url = reverse("content:download", args=[hidden, "docx"])
        assert client.get(url).status_code == 404
    assert client_for(w.b.student).get(reverse("content:item", args=[hidden])).status_code == 200
    dept = client_for(w.department_admin)
    assert dept.get(reverse("content:item", args=[hidden])).status_code == 200
    # The department-wide library is open to every school.
    assert preview(client_for(w.b.student), items.department_plan)


def test_drafts_are_not_previewed(content_world: ContentWorld, items: Items) -> None:
    from .browsing import plan

    draft = plan(content_world, content_world.library_a, "Bản nháp")
    client = client_for(content_world.world.a.teacher)
    assert client.get(reverse("content:item", args=[draft.pk])).status_code == 404


def test_lesson_plan_downloads_docx_and_pdf(content_world: ContentWorld, items: Items) -> None:
    teacher = content_world.world.a.teacher
    client = client_for(teacher)
    response = client.get(reverse("content:download", args=[items.plan.pk, "docx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    texts = [p.text for p in DocxDocument(io.BytesIO(response.content)).paragraphs]
    assert texts[0] == "Đồ thị hàm số bậc hai"
    assert "Nhận biết đồ thị của hàm số bậc hai." in texts
    pdf = client.get(reverse("content:download", args=[items.plan.pk, "pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    events = AuditEvent.objects.filter(action="content.downloaded", object_id=str(items.plan.pk))
    assert sorted(e.after["what"] for e in events) == ["docx", "pdf"]
    assert {e.actor_id for e in events} == {teacher.pk}


def test_original_files_are_streamed(content_world: ContentWorld, items: Items) -> None:
    client = client_for(content_world.world.a.student)
    response = client.get(reverse("content:download", args=[items.doc.pk, "original"]))
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    inline = client.get(
        reverse("content:download", args=[items.lecture.pk, "captions"]), {"inline": "1"}
    )
    assert b"".join(inline.streaming_content) == VTT
    assert inline["Content-Disposition"].startswith("inline;")
    # Inline views in the preview are not downloads.
    assert not AuditEvent.objects.filter(
        action="content.downloaded", object_id=str(items.lecture.pk)
    ).exists()
    # A lesson plan has no stored original; unknown names are not found.
    assert (
        client.get(reverse("content:download", args=[items.plan.pk, "original"])).status_code == 404
    )
    assert client.get(reverse("content:download", args=[items.doc.pk, "zip"])).status_code == 404


def test_package_zip_holds_every_file(content_world: ContentWorld, items: Items) -> None:
    client = client_for(content_world.world.a.teacher)
    response = client.get(reverse("content:download", args=[items.package.pk, "zip"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    stored = list(
        PackageFile.objects.filter(package=items.package.package).values_list("path", "size")
    )
    assert len(stored) == 46  # the fixture zip: 51 entries, 5 of them folders
    assert sorted((i.filename, i.file_size) for i in archive.infolist()) == sorted(stored)


def test_tampered_file_is_not_delivered(content_world: ContentWorld, items: Items) -> None:
    document = items.doc.document
    with document.file.open("wb") as handle:
        handle.write(PDF + b"% changed after signing\n")
    client = client_for(content_world.world.a.teacher)
    response = client.get(reverse("content:download", args=[items.doc.pk, "original"]))
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(
        action="content.downloaded", object_id=str(items.doc.pk)
    ).exists()
    html = preview(client, items.doc)
    assert "Bị sửa đổi sau khi ký" in html


def test_anonymous_download_goes_to_sign_in(items: Items) -> None:
    response = Client().get(reverse("content:download", args=[items.plan.pk, "docx"]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_pptx_slides_are_offered_not_framed(content_world: ContentWorld, items: Items) -> None:
    cw = content_world
    lecture = ELecturePage(
        title="Bài giảng có PPTX",
        subject=cw.physics,
        grade=11,
        school=cw.world.a.school,
        author=cw.world.a.teacher,
        slides=document("bai-giang.pptx", b"PK\x03\x04 not really a deck"),
    )
    lecture = publish(add_page(cw.library_a, lecture), cw.physics_head_a)
    html = preview(client_for(cw.world.a.teacher), lecture)
    assert 'data-testid="slides-download"' in html
    assert f"{reverse('content:download', args=[lecture.pk, 'slides'])}?inline=1" not in html
