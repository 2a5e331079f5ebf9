"""Uploads are judged by their bytes: a renamed executable, an HTML page called .pdf or a zip
that only pretends to be Word is refused with a message naming the file, and nothing is stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document as DocxDocument
from PIL import Image
from wagtail.documents.models import Document

from content.models import LessonPlanPage
from content.services import import_lesson_plan_docx
from core.api import check_upload
from lms import services as lms_services
from lms.models import Activity, Course, Submission
from tests import factories
from tests.conftest import World
from tests.content.conftest import ContentWorld, content_world  # noqa: F401

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def docx_bytes(title: str = "Bài 1. Hàm số bậc hai") -> bytes:
    doc = DocxDocument()
    doc.add_paragraph(title)
    doc.add_heading("I. MỤC TIÊU", level=1)
    doc.add_paragraph("1. Kiến thức: Nhận biết hàm số bậc hai.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def fake_docx() -> bytes:
    """A zip with a name ending .docx but no Word document inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("payload.html", HTML)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64


# --- the shared check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("bai.docx", docx_bytes(), "docx"),
        ("de.pdf", PDF, "pdf"),
        ("hinh.PNG", png_bytes(), "png"),
        ("bai-giang.mp4", MP4, "mp4"),
        ("bai-giang.webm", WEBM, "webm"),
        ("phu-de.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nXin chào".encode(), "vtt"),
    ],
    # Named ids: the zips carry the time they were built, and xdist's workers each collect.
    ids=["docx", "pdf", "png", "mp4", "webm", "vtt"],
)
def test_real_files_are_recognised(name: str, data: bytes, kind: str) -> None:
    allowed = ("docx", "pdf", "png", "mp4", "webm", "vtt")
    assert check_upload(data, name=name, allowed=allowed, max_bytes=10**7) == kind


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bai.docx", EXE),
        ("bai.docx", fake_docx()),
        ("de.pdf", HTML),
        ("hinh.png", SVG),
        ("video.mp4", HTML),
        ("phu-de.vtt", HTML),
    ],
    ids=["exe-as-docx", "zip-as-docx", "html-as-pdf", "svg-as-png", "html-as-mp4", "html-as-vtt"],
)
def test_renamed_files_are_refused_with_the_name(name: str, data: bytes) -> None:
    allowed = ("docx", "pdf", "png", "mp4", "vtt")
    with pytest.raises(ValidationError) as refused:
        check_upload(data, name=name, allowed=allowed, max_bytes=10**7)
    assert name in refused.value.messages[0]
    assert "không phải tệp hợp lệ" in refused.value.messages[0]


def test_extension_must_match_content_and_size_is_limited() -> None:
    with pytest.raises(ValidationError, match="đuôi khác"):
        check_upload(PDF, name="bai.docx", allowed=("pdf", "docx"), max_bytes=10**7)
    with pytest.raises(ValidationError, match="vượt giới hạn"):
        check_upload(PDF, name="de.pdf", allowed=("pdf",), max_bytes=10)
    with pytest.raises(ValidationError, match="rỗng"):
        check_upload(b"", name="de.pdf", allowed=("pdf",), max_bytes=10)
    # A real kind that is not accepted here is refused too.
    with pytest.raises(ValidationError):
        check_upload(png_bytes(), name="hinh.png", allowed=("docx",), max_bytes=10**7)


# --- lesson plan import -------------------------------------------------------------------


def _import(cw: ContentWorld, data: bytes, name: str) -> LessonPlanPage:
    w = cw.world
    page, _data = import_lesson_plan_docx(
        cw.library_a,
        io.BytesIO(data),
        name=name,
        author=w.a.teacher,
        subject=cw.maths,
        grade=10,
        topic="Hàm số",
        school=w.a.school,
    )
    return page


@pytest.mark.django_db
def test_lesson_plan_import_refuses_what_is_not_word(
    content_world: ContentWorld,  # noqa: F811
) -> None:
    for data in (EXE, fake_docx(), PDF):
        with pytest.raises(ValidationError, match=r"giao-an\.docx"):
            _import(content_world, data, "giao-an.docx")
    assert not LessonPlanPage.objects.exists()
    page = _import(content_world, docx_bytes(), "giao-an.docx")
    assert page.title == "Bài 1. Hàm số bậc hai"


# --- Wagtail document uploads (slides, videos, handouts) ----------------------------------


@pytest.mark.django_db
def test_document_upload_is_checked_by_content(login) -> None:
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client = login(admin)
    for name, data in (("tai-lieu.pdf", HTML), ("slide.pptx", EXE), ("video.mp4", b"plain text")):
        response = client.post(
            "/cms/documents/add/",
            {"title": name, "file": SimpleUploadedFile(name, data), "collection": 1},
        )
        assert response.status_code == 200  # the form again, with the error
        assert name in response.content.decode()
        assert "không phải tệp hợp lệ" in response.content.decode()
    assert not Document.objects.exists()
    ok = client.post(
        "/cms/documents/add/",
        {"title": "Đề", "file": SimpleUploadedFile("de.pdf", PDF), "collection": 1},
    )
    assert ok.status_code == 302
    assert Document.objects.get().title == "Đề"


@pytest.mark.django_db
def test_multiple_document_upload_is_checked_by_content(login) -> None:
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client = login(admin)
    response = client.post(
        "/cms/documents/multiple/add/",
        {"files[]": SimpleUploadedFile("bai.docx", EXE), "collection": 1},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.json()["success"] is False
    assert "bai.docx" in response.json()["error_message"]
    assert not Document.objects.exists()


# --- LMS assignment submissions -----------------------------------------------------------


@pytest.mark.django_db
def test_assignment_file_must_be_what_it_says(world: World, login) -> None:
    subject = world.a.school_class.teaching_assignments.get().subject
    course = lms_services.create_course(
        world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=world.a.school_class,
        subject=subject,
    )
    module = lms_services.add_module(world.a.teacher, course, title="Chương 1")
    activity = lms_services.add_activity(
        world.a.teacher,
        module,
        kind=Activity.Kind.ASSIGNMENT,
        title="Bài tập",
        rule=Activity.Rule.SUBMITTED,
    )
    client = login(world.a.student)
    url = reverse("lms:activity", args=[activity.pk])
    for name, data in (("bai-lam.pdf", HTML), ("bai-lam.docx", EXE), ("anh.png", SVG)):
        page = client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)
        assert name in page.content.decode()
    assert not Submission.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("bai-lam.pdf", PDF)})
    assert Submission.objects.get().file.read() == PDF


# --- imports that already parse by content: a renamed file is refused, nothing kept -------


@pytest.mark.django_db
def test_question_bank_import_refuses_renamed_files(world: World, login) -> None:
    from question_bank.models import ImportJob

    client = login(world.a.teacher)
    for name, data in (("de.docx", EXE), ("de.xlsx", HTML), ("de.docx", fake_docx())):
        response = client.post(
            reverse("question_bank:import_start"),
            {"file": SimpleUploadedFile(name, data), "format": "auto"},
        )
        assert response.status_code == 400, name
        assert name in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_roster_upload_refuses_renamed_files(world: World, login) -> None:
    from core.models import RosterImport, User

    people = User.objects.count()
    client = login(world.a.admin)
    url = reverse("roster_upload", args=[world.a.school.pk])
    for name, data in (("ds.xlsx", HTML), ("ds.xlsx", EXE)):
        response = client.post(url, {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 200, name  # the form again, with its error
        assert "errorlist" in response.content.decode()
    # The refused upload is kept only as a failed attempt, without its bytes.
    for attempt in RosterImport.objects.all():
        assert attempt.status == RosterImport.Status.FAILED
        assert bytes(attempt.content) == b""
    assert User.objects.count() == people
