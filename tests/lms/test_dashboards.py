"""Dashboard charts (completion, scores, time on task) and exports safe from formula injection."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lms import services
from lms.models import Activity, Course
from tests.conftest import World

K, R = Activity.Kind, Activity.Rule


@pytest.fixture
def course(world: World) -> Course:
    klass = world.a.school_class
    course = services.create_course(
        world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
    )
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    video = services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title="Video", rule=R.VIEWED
    )
    quiz = services.add_activity(
        world.a.teacher, module, kind=K.QUIZ, title="Câu hỏi", rule=R.SUBMITTED
    )
    services.add_quiz_question(world.a.teacher, quiz, prompt="1+1?", options=["1", "2"], correct=1)
    services.record_view(world.a.student, video, seconds=600)
    services.answer_quiz(world.a.student, quiz, {1: 1})
    return course


def test_student_dashboard_draws_scores_and_time(world: World, login, course: Course) -> None:
    page = login(world.a.student).get(reverse("lms:dashboard", args=[course.pk])).content.decode()
    score = page.split('data-testid="score-chart"')[1].split("</figure>")[0]
    time = page.split('data-testid="time-chart"')[1].split("</figure>")[0]
    assert "<rect x=" in score
    assert "Câu hỏi: 10" in score
    assert "Video: 10" in time  # 600 s = 10 minutes
    assert " style=" not in page
    assert "<script>" not in page


def test_class_dashboard_has_the_charts_and_stays_with_the_teacher(
    world: World, login, course: Course
) -> None:
    page = login(world.a.teacher).get(reverse("lms:dashboard", args=[course.pk])).content.decode()
    assert 'data-testid="score-chart"' in page
    assert 'data-testid="time-chart"' in page
    assert world.a.student.full_name in page
    assert login(world.b.teacher).get(reverse("lms:dashboard", args=[course.pk])).status_code == 404


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+2", "-2+3+cmd|calc", "@SUM(A1)"])
def test_exports_neutralise_formulas(world: World, login, course: Course, name: str) -> None:
    world.a.student.full_name = name
    world.a.student.save()
    client = login(world.a.teacher)
    raw = client.get(reverse("lms:export", args=[course.pk, "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[1][0] == "'" + name
    data = client.get(reverse("lms:export", args=[course.pk, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet.cell(row=3, column=1)
    assert cell.value == "'" + name
    assert cell.data_type == "s"
    # A student cannot download the class export.
    assert (
        login(world.a.student).get(reverse("lms:export", args=[course.pk, "csv"])).status_code
        == 404
    )
