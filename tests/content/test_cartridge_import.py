"""IMS Common Cartridge web content and links become draft pages: service and upload page."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model

from content.models import ContentPage, DocumentPage, ELecturePage
from content.services import import_cartridge, submit_for_review
from core.models import AuditEvent
from tests.fixtures import fixture_path

from .conftest import ContentWorld

pytestmark = pytest.mark.django_db

CC2OLX = "imscc/cc2olx-fixtures-main.imscc"
PY4E = "imscc/py4e_export.imscc"


def _tags(content_world: ContentWorld) -> dict[str, object]:
    return {"subject": content_world.maths, "grade": 10, "school": content_world.world.a.school}


def test_web_content_and_links_become_drafts_in_the_school_library(content_world) -> None:
    teacher = content_world.world.a.teacher
    result = import_cartridge(
        content_world.library_a, fixture_path(CC2OLX), author=teacher, **_tags(content_world)
    )
    pages = result.pages
    assert len(pages) == 10
    assert all(not p.live and p.author_id == teacher.pk for p in pages)
    assert {p.get_parent().pk for p in pages} == {content_world.library_a.pk}
    lectures = [p for p in pages if isinstance(p, ELecturePage)]
    documents = [p for p in pages if isinstance(p, DocumentPage)]
    assert len(lectures) == 7  # 6 HTML pages + the links page
    assert sorted(Path(d.document.file.name).suffix for d in documents) == [".pdf", ".pdf", ".png"]
    bodies = "".join(p.body for p in lectures)
    assert "This is section 1 of 12 in this lesson." in bodies  # vertical.html
    assert sum(p.title == "Vertical" for p in lectures) == 3  # titled by their <title>
    assert "<script" not in bodies
    links = next(p for p in lectures if p.title.startswith("Liên kết:"))
    assert 'href="https://pdf.storage.com/python/proposals/PEP_312.pdf"' in links.body
    # What could not be taken over is reported where it is in the cartridge.
    problems = {p.path for p in result.plan.problems}
    assert problems == {
        "weblinks/web_link_content.xml",
        "weblinks/youtube_web_link.xml",
        "wiki_content/module-|-introduction.html",
    }
    event = AuditEvent.objects.get(action="content.cartridge.imported")
    assert len(event.after["pages"]) == 10
    # Drafts go through the same review as any material.
    submit_for_review(pages[0], user=teacher)
    assert pages[0].specific.current_workflow_state is not None


def test_a_links_only_cartridge_gives_one_links_page(content_world) -> None:
    result = import_cartridge(
        content_world.library_a,
        fixture_path(PY4E),
        author=content_world.world.a.teacher,
        **_tags(content_world),
    )
    [page] = result.pages
    assert page.body.count("<li>") == 129


def test_nothing_usable_or_not_allowed_stores_nothing(content_world, tmp_path) -> None:
    empty = tmp_path / "lti-only.imscc"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr(
            "imsmanifest.xml",
            '<manifest xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">'
            '<resources><resource identifier="r1" type="imsbasiclti_xmlv1p0"/></resources>'
            "</manifest>",
        )
    with pytest.raises(ValidationError) as error:
        import_cartridge(
            content_world.library_a,
            empty,
            author=content_world.world.a.teacher,
            **_tags(content_world),
        )
    assert "không có nội dung web hay liên kết" in error.value.messages[0]
    # A teacher of another school cannot import into this school's library.
    with pytest.raises(PermissionDenied):
        import_cartridge(
            content_world.library_a,
            fixture_path(CC2OLX),
            author=content_world.world.b.teacher,
            **_tags(content_world),
        )
    assert not ContentPage.objects.exists()
    assert not get_document_model().objects.exists()


def test_upload_page_previews_then_imports_on_confirmation(content_world, login) -> None:
    teacher = login(content_world.world.a.teacher)
    url = "/content/cartridges/import/"
    assert teacher.get(url).status_code == 200
    upload = SimpleUploadedFile("khoa-hoc.imscc", fixture_path(CC2OLX).read_bytes())
    form = {
        "file": upload,
        "library": content_world.library_a.pk,
        "subject": content_world.maths.pk,
        "grade": 10,
        "licence": "CC-BY-4.0",
    }
    preview = teacher.post(url, form)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert html.count('data-testid="cartridge-page"') == 10
    assert "weblinks/youtube_web_link.xml" in html
    assert not ContentPage.objects.exists()  # nothing stored before confirmation
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    # Someone else cannot confirm this upload.
    other = login(content_world.maths_head_a)
    assert other.post(url, {"token": token}).status_code == 400
    assert not ContentPage.objects.exists()
    done = teacher.post(url, {"token": token})
    assert done.status_code == 200
    assert 'data-testid="cartridge-result"' in done.content.decode()
    assert ContentPage.objects.filter(live=False).count() == 10
    # The staged upload is gone: the same confirmation cannot import twice.
    assert teacher.post(url, {"token": token}).status_code == 400
    assert ContentPage.objects.count() == 10


def test_upload_page_reports_a_broken_file_and_refuses_students(content_world, login) -> None:
    teacher = login(content_world.world.a.teacher)
    url = "/content/cartridges/import/"
    broken = SimpleUploadedFile("hong.imscc", b"not a zip at all")
    form = {
        "file": broken,
        "library": content_world.library_a.pk,
        "subject": content_world.maths.pk,
        "grade": 10,
        "licence": "CC-BY-4.0",
    }
    html = teacher.post(url, form).content.decode()
    assert 'data-testid="cartridge-errors"' in html
    assert "ZIP" in html
    assert not ContentPage.objects.exists()
    forged = signing.dumps({"u": content_world.world.a.teacher.pk, "f": "x"}, salt="other")
    assert teacher.post(url, {"token": forged}).status_code == 400
    assert login(content_world.world.a.student).get(url).status_code == 403
