"""Stored XSS: script saved through the real services comes back on the pages that show it, and
must not be executable there. The HTML is parsed (lxml) and searched for what the payloads try
to add: script elements, on* handlers, javascript: URLs. Each payload carries a marker word so
the test also proves the saved text did reach the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html as lxml_html

from assessment import services as assessment_services
from content.lessonplan import Activity as PlanActivity
from content.lessonplan import LessonPlanData
from content.models import LessonPlanPage
from content.services import create_lesson_plan
from lms import services as lms_services
from lms.models import Activity, Course
from question_bank import services as qb_services
from question_bank.interchange import Choice, ItemContent, ItemType
from question_bank.models import Item
from tests import factories
from tests.conftest import World
from tests.content.conftest import ContentWorld, content_world  # noqa: F401

pytestmark = pytest.mark.django_db

MARK = "XSSMARK"
PAYLOADS = [
    f"{MARK}1<img src=x onerror=alert(1)>",
    f"{MARK}2<script>alert(1)</script>",
    f'<a href="javascript:alert(1)">{MARK}3</a>',
    f"{MARK}4<svg onload=alert(1)><circle r=1></circle></svg>",
    f'{MARK}5<iframe src="javascript:alert(1)"></iframe>',
    f'<a href=" JaVaScRiPt:alert(1)" onclick="alert(1)">{MARK}6</a>',
]
PAYLOAD = " ".join(PAYLOADS)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


def assert_inert(page: Any, *, marks: int = 1) -> None:
    """Nothing from the payloads can run in `page`, and at least `marks` markers are shown."""
    assert page.status_code == 200, page.status_code
    text = page.content.decode()
    tree = lxml_html.fromstring(text)
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() == "script" and "alert(1)" in (element.text or ""):
            problems.append(f"<script> {element.text!r}")
        if element.tag.lower() in {"svg", "iframe"} and element.getparent() is not None:
            parent_text = element.getparent().text_content()
            if MARK in parent_text:
                problems.append(f"<{element.tag}> from the payload")
        tag = str(element.tag)
        for name, value in element.attrib.items():
            lowered = str(name).lower()
            if lowered.startswith("on"):
                problems.append(f"{tag} {name!s}={value!r}")
            squeezed = "".join(str(value).split()).lower()
            if lowered in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:")):
                problems.append(f"{tag} {name!s}={value!r}")
    assert not problems, problems
    assert text.count(MARK) >= marks, "the saved text does not reach the page"


# --- question bank ------------------------------------------------------------------------


def test_question_stems_options_and_solution(world: World, login) -> None:
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    content = ItemContent(
        type=ItemType.SINGLE_CHOICE,
        stem_html=f"<p>{PAYLOAD}</p>",
        choices=[Choice(c, f"<p>{c} {PAYLOADS[i]}</p>") for i, c in enumerate("ABCD")],
        key="A",
        solution_html=f"<p>{PAYLOAD}</p>",
    )
    item = qb_services.create_item(world.a.teacher, content, school=world.a.school, subject=maths)
    stored = Item.objects.get(pk=item.pk).current_version.content
    assert "onerror" not in stored["stem_html"]
    assert "<script" not in stored["stem_html"]
    client = login(world.a.teacher)
    assert_inert(client.get(reverse("question_bank:item", args=[item.pk])), marks=6)
    assert_inert(client.get(reverse("question_bank:item_edit", args=[item.pk])), marks=6)
    # The same stem inside a test the teacher builds.
    test = assessment_services.create_test(
        world.a.teacher, title="Đề", subject=maths, school=world.a.school
    )
    part = test.parts.get(order=1)
    assessment_services.add_item(world.a.teacher, part, item.current_version)
    assert_inert(client.get(reverse("assessment:test", args=[test.pk])), marks=6)


def test_question_preview_of_unsaved_content(world: World, login) -> None:
    factories.SubjectFactory(code="TOAN", name="Toán")
    client = login(world.a.teacher)
    response = client.post(
        reverse("question_bank:item_preview"),
        {"type": "single_choice", "stem": PAYLOAD, "solution": PAYLOAD, "key_single": "A"},
    )
    assert_inert(response, marks=12)


# --- content: lesson plans and rich text --------------------------------------------------


def _lesson_plan(cw: ContentWorld, data: LessonPlanData) -> LessonPlanPage:
    w = cw.world
    page = create_lesson_plan(
        cw.library_a, data, author=w.a.teacher, subject=cw.maths, grade=10, school=w.a.school
    )
    page.save_revision(user=w.a.teacher).publish()
    return LessonPlanPage.objects.get(pk=page.pk)


def test_lesson_plan_fields_from_the_service(
    content_world: ContentWorld,  # noqa: F811
    login,
) -> None:
    data = LessonPlanData(title=f"Bài {MARK}0 <img src=x onerror=alert(1)>")
    data.objectives["knowledge"] = [PAYLOAD]
    data.equipment = PAYLOADS
    activity = PlanActivity(kind="opening", title=PAYLOADS[0])
    activity.parts["aim"] = [PAYLOAD]
    data.activities.append(activity)
    page = _lesson_plan(content_world, data)
    client = login(content_world.world.a.teacher)
    assert_inert(client.get(reverse("content:item", args=[page.pk])), marks=6)


def test_rich_text_stored_raw_is_cleaned_on_output(
    content_world: ContentWorld,  # noqa: F811
    login,
) -> None:
    """Rich text that reached the database without the editor's whitelist (an old import, a
    direct save) is still cleaned when the item page renders it."""
    page = _lesson_plan(content_world, LessonPlanData(title="Giáo án"))
    page.equipment = PAYLOAD
    page.objectives = [("knowledge", PAYLOAD)]
    page.activities = [
        (
            "activity",
            {
                "kind": "opening",
                "title": "Khởi động",
                "aim": PAYLOAD,
                "content": PAYLOAD,
                "product": "",
                "organisation": "",
            },
        )
    ]
    page.save_revision(user=content_world.world.a.teacher).publish()
    client = login(content_world.world.a.teacher)
    assert_inert(client.get(reverse("content:item", args=[page.pk])), marks=6)


# --- LMS: discussions, assignment feedback, course outline --------------------------------


@pytest.fixture
def course(world: World) -> Course:
    subject = world.a.school_class.teaching_assignments.get().subject
    return lms_services.create_course(
        world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=world.a.school_class,
        subject=subject,
    )


def test_discussion_posts_and_replies(world: World, course: Course, login) -> None:
    module = lms_services.add_module(world.a.teacher, course, title=f"Chương {PAYLOADS[3]}")
    activity = lms_services.add_activity(
        world.a.teacher,
        module,
        kind=Activity.Kind.DISCUSSION,
        title=f"Thảo luận {PAYLOADS[0]}",
        rule=Activity.Rule.VIEWED,
    )
    question = lms_services.post_message(world.a.student, activity, body=PAYLOAD)
    lms_services.post_message(world.a.teacher, activity, body=PAYLOAD, parent=question)
    for user in (world.a.student, world.a.teacher):
        client = login(user)
        assert_inert(client.get(reverse("lms:activity", args=[activity.pk])), marks=12)
        assert_inert(client.get(reverse("lms:course", args=[course.pk])), marks=2)


def test_assignment_text_and_feedback(world: World, course: Course, login) -> None:
    module = lms_services.add_module(world.a.teacher, course, title="Chương 1")
    activity = lms_services.add_activity(
        world.a.teacher,
        module,
        kind=Activity.Kind.ASSIGNMENT,
        title="Bài tập",
        rule=Activity.Rule.SUBMITTED,
    )
    submission = lms_services.submit_assignment(
        world.a.student,
        activity,
        text=PAYLOAD,
        file=SimpleUploadedFile("bai.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    lms_services.grade_submission(world.a.teacher, submission, points=["8"], feedback=PAYLOAD)
    student = login(world.a.student)
    assert_inert(student.get(reverse("lms:activity", args=[activity.pk])), marks=6)
    teacher = login(world.a.teacher)
    assert_inert(teacher.get(reverse("lms:submissions", args=[activity.pk])), marks=12)
