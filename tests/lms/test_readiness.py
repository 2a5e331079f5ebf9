"""The flipped lesson's "who prepared" report and the most-missed questions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms import services
from lms.models import Activity, Course, FlippedLesson
from lms.readiness import readiness_report
from tests import factories
from tests.conftest import World

K, R, P = Activity.Kind, Activity.Rule, Activity.Phase


@pytest.fixture
def flipped(world: World):
    klass = world.a.school_class
    teacher = world.a.teacher
    world.a.student.full_name = "Nguyễn Văn An"
    world.a.student.save()
    students = [world.a.student]
    for name in ["Bùi Thị Hoa", "Âu Văn Bảo", "Đặng Quốc Việt"]:
        s = factories.StudentFactory(full_name=name)
        factories.EnrolmentFactory(school_class=klass, student=s)
        students.append(s)
    course = services.create_course(
        teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
    )
    lesson = services.create_flipped_lesson(
        teacher,
        course,
        title="Hàm số bậc hai",
        class_starts_at=timezone.now() + dt.timedelta(hours=2),
    )
    module = services.add_module(teacher, course, title="Bài 1")
    video = services.add_activity(
        teacher,
        module,
        kind=K.CONTENT,
        title="Video bài giảng",
        rule=R.VIEWED,
        lesson=lesson,
        phase=P.BEFORE,
    )
    reading = services.add_activity(
        teacher,
        module,
        kind=K.CONTENT,
        title="Tài liệu đọc",
        rule=R.VIEWED,
        lesson=lesson,
        phase=P.BEFORE,
    )
    quiz = services.add_activity(
        teacher,
        module,
        kind=K.QUIZ,
        title="Câu hỏi chuẩn bị",
        rule=R.SUBMITTED,
        lesson=lesson,
        phase=P.BEFORE,
        due_at=lesson.class_starts_at,
    )
    services.add_quiz_question(
        teacher, quiz, prompt="Đỉnh của y = x² là?", options=["(0;0)", "(1;1)", "(0;1)"], correct=0
    )
    services.add_quiz_question(
        teacher,
        quiz,
        prompt="Trục đối xứng của y = x² − 2x?",
        options=["x = 1", "x = −1", "x = 2"],
        correct=0,
    )
    services.add_quiz_question(
        teacher, quiz, prompt="a > 0 thì parabol…", options=["quay lên", "quay xuống"], correct=0
    )
    practice = services.add_activity(
        teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Luyện tập sau giờ học",
        rule=R.SUBMITTED,
        lesson=lesson,
        phase=P.AFTER,
    )
    return lesson, students, video, reading, quiz, practice


def test_who_prepared(world: World, flipped) -> None:
    lesson, (an, hoa, bao, viet), video, reading, quiz, _practice = flipped
    # An: everything in time, 3/3
    services.record_view(an, video, seconds=300)
    services.record_view(an, reading, seconds=60)
    services.answer_quiz(an, quiz, {1: 0, 2: 0, 3: 0})
    # Hoa: viewed both, quiz 1/3 (misses Q2 and Q3, picks "x = −1" on Q2)
    services.record_view(hoa, video)
    services.record_view(hoa, reading)
    services.answer_quiz(hoa, quiz, {1: 0, 2: 1, 3: 1})
    # Bảo: only the video, quiz 2/3 (misses Q2, picks "x = −1")
    services.record_view(bao, video)
    services.answer_quiz(bao, quiz, {1: 0, 2: 1, 3: 0})
    # Việt: nothing before class; after the bell he watches the video and answers
    FlippedLesson.objects.filter(pk=lesson.pk).update(class_starts_at=timezone.now())
    lesson.refresh_from_db()
    services.record_view(viet, video)
    services.answer_quiz(viet, quiz, {1: 2, 2: 0, 3: 0})

    report = readiness_report(lesson)
    by_name = {s.full_name: s for s in report.students}
    # Sorted by Vietnamese name order: given name last (An, Bảo, Hoa, Việt)
    assert [s.full_name for s in report.students] == [
        "Nguyễn Văn An",
        "Âu Văn Bảo",
        "Bùi Thị Hoa",
        "Đặng Quốc Việt",
    ]
    assert [t.title for t in report.materials] == ["Video bài giảng", "Tài liệu đọc"]
    a = by_name[an.full_name]
    assert (a.prepared, a.viewed_count, a.quiz_score) == (True, 2, Decimal("10.0"))
    assert a.viewed[0].seconds == 300
    h = by_name["Bùi Thị Hoa"]
    assert (h.prepared, h.viewed_count, h.quiz_score) == (True, 2, Decimal("3.3"))
    b = by_name["Âu Văn Bảo"]
    assert (b.prepared, b.viewed_count, b.quiz_score) == (False, 1, Decimal("6.7"))
    assert [v.in_time for v in b.viewed] == [True, False]
    v = by_name["Đặng Quốc Việt"]
    assert (v.viewed_count, v.quiz_score) == (1, Decimal("6.7"))
    assert (v.prepared, v.viewed[0].in_time) == (False, False)
    assert report.prepared_count == 2
    # Q2 missed by 2 of 4 (both chose "x = −1"); Q1 by 1 (Việt); Q3 by 1 (Hoa)
    top = report.missed[0]
    assert (top.position, top.missed, top.answered, top.missed_percent) == (2, 2, 4, 50)
    assert top.most_common_wrong == "x = −1"
    assert [(m.position, m.missed) for m in report.missed] == [(2, 2), (1, 1), (3, 1)]


def test_nobody_prepared_yet(world: World, flipped) -> None:
    lesson = flipped[0]
    report = readiness_report(lesson)
    assert report.prepared_count == 0
    assert all(s.quiz_score is None and s.viewed_count == 0 for s in report.students)
    assert [(m.answered, m.missed) for m in report.missed] == [(0, 0)] * 3


def test_quiz_answers_are_validated_per_question(world: World, flipped) -> None:
    _lesson, (an, *_), _video, _reading, quiz, _practice = flipped
    with pytest.raises(ValidationError) as info:
        services.answer_quiz(an, quiz, {1: 0, 3: 0})
    assert "Câu 2" in str(info.value)
    with pytest.raises(ValidationError) as info:
        services.answer_quiz(an, quiz, {1: 0, 2: 0, 3: 5})
    assert "Câu 3" in str(info.value)
    assert not quiz.progress.exists()
