"""The public surface of `lms` for other apps. Other apps import only this module.

For sector (transcripts):
- `GradeBook`, `GradeCell`: the grade-book models (read them, never write them directly).
- `approved_grade_book(school_class_id, subject_id, semester_id) -> GradeBookReport | None`:
  the approved and locked book with per-student scores/marks and semester averages (None when
  it is not locked).
- `approved_year_results(school_class_id, subject_id) -> list[YearResult] | None`: year
  averages once both semesters are locked.
- Hook: when the school approves and locks a book, `lms.services.approve_grade_book` calls
  `sector.api.enqueue_transcript(class_id, subject_id, semester_number, payload, actor)` inside
  the same transaction (payload as sector.api documents). A ValidationError there rolls the
  approval back, so a book is never locked without its transcript queued.

For assessment and assignments: `record_score(...)` feeds a score into the grade book.
For content: `notify_content_approved(author_id, title, url)` tells the author.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.api import SchoolClass, Semester, Subject

from . import gradebook, notify, services
from .gradebook import GradeBookReport, StudentGrades, YearResult
from .grading import (
    Comment,
    Level,
    PrimaryLevel,
    SubjectResult,
    comment_semester_result,
    learning_level,
    parse_score,
)
from .grading import semester_average as _semester_average
from .grading import year_average as _year_average
from .models import Activity, GradeBook, GradeCell


def semester_average(regular_scores: list[Any], midterm: Any, final: Any) -> Decimal:
    """ĐTBmhk (Circular 22): (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (n + 5), half up to 0.1."""
    return _semester_average(regular_scores, midterm, final)


def year_average(sem1: Any, sem2: Any) -> Decimal:
    """ĐTBmcn (Circular 22): (ĐTBmhkI + 2·ĐTBmhkII) / 3, half up to 0.1."""
    return _year_average(sem1, sem2)


def approved_grade_book(
    school_class_id: int, subject_id: int, semester_id: int
) -> GradeBookReport | None:
    book = gradebook.locked_book(school_class_id, subject_id, semester_id)
    return gradebook.book_report(book) if book is not None else None


def grade_book_report(book_id: int) -> GradeBookReport | None:
    """The report of a locked book by id."""
    book = GradeBook.objects.filter(pk=book_id, status=GradeBook.Status.LOCKED).first()
    return gradebook.book_report(book) if book is not None else None


def approved_year_results(school_class_id: int, subject_id: int) -> list[YearResult] | None:
    return gradebook.year_results(SchoolClass.objects.get(pk=school_class_id), subject_id)


def record_score(
    actor: Any,
    *,
    school_class: SchoolClass,
    subject: Subject,
    semester: Semester,
    student: Any,
    column: str,
    value: object,
    source: str,
    source_ref: str,
) -> GradeCell | None:
    """Feed a test or assignment result into a grade-book column ("tx1".., "gk", "ck")."""
    book = services.open_grade_book(
        actor, school_class=school_class, subject=subject, semester=semester
    )
    return services.set_grade(
        actor,
        book,
        student=student,
        column=column,
        value=value,
        source=source,
        source_ref=source_ref,
    )


__all__ = [
    "Comment",
    "GradeBook",
    "GradeBookReport",
    "GradeCell",
    "Level",
    "PrimaryLevel",
    "StudentGrades",
    "SubjectResult",
    "YearResult",
    "approved_grade_book",
    "approved_year_results",
    "comment_semester_result",
    "grade_book_report",
    "learning_level",
    "notify_content_approved",
    "parse_score",
    "record_activity_result",
    "record_score",
    "semester_average",
    "year_average",
]


def notify_content_approved(author_id: int, title: str, url: str) -> None:
    """For content: tell the author (in-app and e-mail, after commit) their item was approved."""
    notify.content_approved(author_id, title, url)


def record_activity_result(
    user: Any,
    activity_id: int,
    *,
    score: object,
    passed: bool | None = None,
    package_completed: bool = True,
) -> None:
    """For content (package finished with a score) and assessment (test result): updates the
    learner's progress on the LMS activity that references the item, applying its rule."""
    services.record_result(
        user,
        Activity.objects.select_related("module__course").get(pk=activity_id),
        score=score,
        passed=passed,
        package_completed=package_completed,
    )
