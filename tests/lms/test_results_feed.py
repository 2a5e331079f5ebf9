"""The automatic grade-book feed: when the assessment engine releases results, the linked
activity's progress and grade-book column fill in without the teacher doing anything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from assessment import services as assessment
from assessment.models import Answer, Assignment, Attempt
from config.celery import app
from core.models import AuditEvent
from lms import services, tasks
from lms.models import Activity, Course, GradeBook, GradeCell, Module, Statement
from question_bank.api import ItemContent, ItemType
from question_bank.models import ItemVersion
from tests.assessment.bank import make_item, single_choice
from tests.conftest import World

K, R = Activity.Kind, Activity.Rule


def _subject(world: World):
    return world.a.school_class.teaching_assignments.get().subject


@pytest.fixture
def module(world: World) -> Module:
    course = services.create_course(
        world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=world.a.school_class,
        subject=_subject(world),
    )
    return services.add_module(world.a.teacher, course, title="Chương 1")


def _assignment(world: World, *, policy: str, essay: bool = False) -> Assignment:
    """Two single-choice questions (0.25 points each), plus an essay graded by hand."""
    subject = _subject(world)
    test = assessment.create_test(world.a.teacher, title="15 phút", subject=subject, grade=10)
    first_part = test.parts.order_by("order").first()
    for _n in range(2):
        assessment.add_item(
            world.a.teacher, first_part, make_item(single_choice("C"), subject=subject)
        )
    if essay:
        written = ItemContent(
            type=ItemType.ESSAY, stem_html="<p>Trình bày.</p>", points=Decimal("0.5")
        )
        last_part = test.parts.order_by("order").last()
        assessment.add_item(
            world.a.teacher, last_part, make_item(written, subject=subject), points=Decimal("0.5")
        )
    now = timezone.now()
    return assessment.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=5),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=15,
        result_policy=policy,
    )


def _linked(world: World, module: Module, assignment: Assignment, semester) -> Activity:
    return services.add_activity(
        world.a.teacher,
        module,
        kind=K.TEST,
        title="Kiểm tra 15 phút",
        rule=R.SCORE,
        pass_score="5",
        ref_id=str(assignment.pk),
        grade_column="tx1",
        grade_semester=semester,
    )


def _take(world: World, assignment: Assignment, right: int, capture) -> Attempt:
    """The student answers `right` of the two choice questions correctly (and writes the essay
    when there is one) and submits."""
    attempt = assessment.start_attempt(world.a.student, assignment)
    kinds = dict(
        ItemVersion.objects.filter(pk__in=[r["item_version"] for r in attempt.layout]).values_list(
            "pk", "content__type"
        )
    )
    answers, n = [], 0
    for row in sorted(attempt.layout, key=lambda r: r["position"]):
        if kinds[row["item_version"]] == ItemType.ESSAY:
            response = "Bài viết"
        else:
            response, n = ("C" if n < right else "A"), n + 1
        answers.append({"position": row["position"], "response": response, "seq": 1})
    assessment.save_answers(world.a.student, attempt, answers)
    with capture(execute=True):
        return assessment.submit_attempt(world.a.student, attempt)


def _cell(world: World) -> GradeCell | None:
    return GradeCell.objects.filter(student=world.a.student, column="tx1").first()


def test_shown_immediately_feeds_the_book_on_submission(
    world: World, module: Module, semesters, django_capture_on_commit_callbacks
) -> None:
    assignment = _assignment(world, policy="immediately")
    activity = _linked(world, module, assignment, semesters[0])
    attempt = _take(world, assignment, 1, django_capture_on_commit_callbacks)
    cell = _cell(world)
    assert cell is not None, "no grade-book value without a teacher action"
    assert cell.score == Decimal("5.0")
    assert (cell.source, cell.source_ref) == ("test", f"attempt:{attempt.pk}")
    progress = activity.progress.get(user=world.a.student)
    assert progress.score == Decimal("5.0")
    assert progress.completed_at is not None
    event = AuditEvent.objects.get(action="activity.feed_results")
    assert event.actor is None
    assert event.after == {"assignment": assignment.pk, "results": 1, "applied": 1}
    # A retried or repeated task changes nothing and records nothing again.
    statements = Statement.objects.count()
    assert tasks.feed_released_results.delay(assignment.pk).get() == 0
    assert Statement.objects.count() == statements
    assert AuditEvent.objects.filter(action="activity.feed_results").count() == 1
    assert AuditEvent.objects.filter(action="grade.set").count() == 1


def test_typed_values_and_locked_books_are_left_alone(
    world: World, module: Module, semesters, django_capture_on_commit_callbacks
) -> None:
    assignment = _assignment(world, policy="immediately")
    activity = _linked(world, module, assignment, semesters[0])
    book = services.open_grade_book(
        world.a.teacher,
        school_class=world.a.school_class,
        subject=_subject(world),
        semester=semesters[0],
    )
    services.set_grade(world.a.teacher, book, student=world.a.student, column="tx1", value="9")
    _take(world, assignment, 2, django_capture_on_commit_callbacks)
    assert _cell(world).score == Decimal("9.0")
    assert _cell(world).source == "typed"
    assert activity.progress.get(user=world.a.student).score == Decimal("10.0")
    # A locked book: the feed skips the cell without failing (and without retrying).
    GradeCell.objects.all().delete()
    GradeBook.objects.filter(pk=book.pk).update(status=GradeBook.Status.LOCKED)
    activity.released_results.all().delete()  # as if this result had not been fed yet
    assert tasks.feed_released_results.delay(assignment.pk).get() == 1
    assert _cell(world) is None


def test_after_close_results_are_fed_by_the_beat_task(
    world: World, module: Module, semesters, django_capture_on_commit_callbacks
) -> None:
    assignment = _assignment(world, policy="after_close")
    activity = _linked(world, module, assignment, semesters[0])
    _take(world, assignment, 2, django_capture_on_commit_callbacks)
    assert _cell(world) is None  # not released before the close
    assert tasks.feed_closed_tests.delay().get() == 0
    activity.refresh_from_db()
    assert activity.closed_results_fed_at is None  # still waiting for the close
    Assignment.objects.filter(pk=assignment.pk).update(
        closes=timezone.now() - dt.timedelta(minutes=1)
    )
    assert tasks.feed_closed_tests.delay().get() == 1
    assert _cell(world).score == Decimal("10.0")
    activity.refresh_from_db()
    assert activity.closed_results_fed_at is not None
    # Fed once: the next beat does not ask again.
    assert tasks.feed_closed_tests.delay().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["lms-closed-tests"]
    assert entry["task"] == "lms.tasks.feed_closed_tests"


def test_hand_graded_answer_releases_the_result(
    world: World, module: Module, semesters, django_capture_on_commit_callbacks
) -> None:
    assignment = _assignment(world, policy="immediately", essay=True)
    _linked(world, module, assignment, semesters[0])
    attempt = _take(world, assignment, 2, django_capture_on_commit_callbacks)
    assert attempt.needs_manual
    assert _cell(world) is None  # an answer is still waiting for the teacher
    essay = Answer.objects.get(attempt=attempt, response="Bài viết")
    with django_capture_on_commit_callbacks(execute=True):
        assessment.grade_manually(world.a.teacher, essay, points=Decimal("0.25"))
    # (0.25 + 0.25 + 0.25) / 1 · 10 = 7.5
    assert _cell(world).score == Decimal("7.5")


def test_linking_an_already_released_test_feeds_at_once(
    world: World, module: Module, semesters, django_capture_on_commit_callbacks
) -> None:
    assignment = _assignment(world, policy="immediately")
    _take(world, assignment, 2, django_capture_on_commit_callbacks)
    assert _cell(world) is None  # no activity linked yet
    with django_capture_on_commit_callbacks(execute=True):
        _linked(world, module, assignment, semesters[0])
    assert _cell(world).score == Decimal("10.0")


def test_assessment_names_a_task_lms_registers() -> None:
    assert tasks.feed_released_results.name == assessment.RESULTS_RELEASED_TASK
    assert assessment.RESULTS_RELEASED_TASK in app.tasks
