"""Published items of every kind, in the school A, school B and department-wide libraries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Page

from content.lessonplan import LessonPlanData
from content.models import (
    ContentPage,
    DocumentPage,
    ELecturePage,
    LessonPlanPage,
    LibraryPage,
    Licence,
    PackagePage,
)
from content.services import (
    approve_content,
    create_lesson_plan,
    create_library,
    create_package_page,
    import_package,
    submit_for_review,
)
from core.api import fold
from tests.fixtures import fixture_path

from .conftest import ContentWorld

# A one-page PDF, small enough to read in a test.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nXin chào các em\n".encode()
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def document(name: str, data: bytes) -> Any:
    return get_document_model().objects.create(title=name, file=ContentFile(data, name=name))


def publish(page: ContentPage, head: Any) -> ContentPage:
    submit_for_review(page, user=page.author)
    approve_content(page, user=head)
    return ContentPage.objects.get(pk=page.pk).specific


def add_page(library: LibraryPage, page: ContentPage) -> ContentPage:
    page.owner = page.author
    page.live = False
    page.search_folded = fold(" ".join([page.title, page.topic, page.lesson]))
    library.add_child(instance=page)
    page.save_revision(user=page.author)
    return page


@dataclass
class Items:
    plan: LessonPlanPage
    plan_cc0: LessonPlanPage
    lecture: ELecturePage
    doc: DocumentPage
    package: PackagePage
    department_plan: LessonPlanPage
    other_school_plan: LessonPlanPage
    library_b: LibraryPage


def plan(cw: ContentWorld, library: LibraryPage, title: str, **tags: Any) -> LessonPlanPage:
    w = cw.world
    data = LessonPlanData(title=title)
    data.objectives["knowledge"] = ["Nhận biết đồ thị của hàm số bậc hai."]
    data.equipment = ["Máy chiếu, phiếu học tập."]
    tags = {
        "author": w.a.teacher,
        "subject": cw.maths,
        "grade": 10,
        "topic": "Hàm số",
        "school": w.a.school,
        **tags,
    }
    return create_lesson_plan(library, data, **tags)


def build(cw: ContentWorld) -> Items:
    w = cw.world
    head = cw.maths_head_a
    p1 = publish(plan(cw, cw.library_a, "Đồ thị hàm số bậc hai"), head)
    p2 = publish(
        plan(cw, cw.library_a, "Hàm số bậc nhất", licence=Licence.CC0, topic="Hàm số"), head
    )
    lecture = ELecturePage(
        title="Chuyển động thẳng đều",
        subject=cw.physics,
        grade=11,
        topic="Động học",
        licence=Licence.CC_BY_SA,
        school=w.a.school,
        author=w.a.teacher,
        slides=document("chuyen-dong.pdf", PDF),
        video=document("chuyen-dong.mp4", VIDEO),
        captions=document("chuyen-dong.vtt", VTT),
        body="<p>Vận tốc không đổi.</p>",
    )
    lecture = publish(add_page(cw.library_a, lecture), cw.physics_head_a)
    doc = DocumentPage(
        title="Sách giáo khoa Toán 10 tập một",
        subject=cw.maths,
        grade=10,
        topic="",
        licence=Licence.ALL_RIGHTS_RESERVED,
        school=w.a.school,
        author=w.a.teacher,
        document=document("sgk-toan-10.pdf", PDF),
        is_textbook=True,
    )
    doc = publish(add_page(cw.library_a, doc), head)
    _report, package = import_package(fixture_path("scorm12/singlescobasic.zip"))
    assert package is not None
    pkg = create_package_page(
        cw.library_a,
        package,
        author=w.a.teacher,
        title="Golf cơ bản",
        subject=cw.maths,
        grade=10,
        topic="Hàm số",
        school=w.a.school,
    )
    pkg = publish(pkg, head)
    dept = publish(plan(cw, cw.department_library, "Đồ thị hàm số mũ", grade=12, topic=""), head)
    root = Page.get_first_root_node()
    library_b = create_library(root, title="Thư viện Trần Phú", school=w.b.school)
    other = publish(
        plan(
            cw,
            library_b,
            "Đồ thị trường THPT Trần Phú",
            author=w.b.teacher,
            school=w.b.school,
        ),
        cw.maths_head_b,
    )
    return Items(p1, p2, lecture, doc, pkg, dept, other, library_b)
