"""Reading grade books: per-student columns, averages and learning-result levels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.api import Enrolment, SchoolClass, Semester, name_sort_key

from .grading import (
    Comment,
    SubjectResult,
    comment_semester_result,
    comment_year_result,
    learning_level,
    round1,
    year_average,
)
from .models import GradeBook, GradeCell

MIDTERM = "gk"
FINAL = "ck"
LEVEL = "level"


def regular_columns(count: int) -> list[str]:
    return [f"tx{i}" for i in range(1, count + 1)]


def columns_of(book: GradeBook) -> list[str]:
    if book.primary:
        return [FINAL, LEVEL]
    return [*regular_columns(book.regular_count), MIDTERM, FINAL]


def column_label(column: str) -> str:
    if column.startswith("tx"):
        return _("ĐĐGtx %(n)s") % {"n": column[2:]}
    return {MIDTERM: _("ĐĐGgk"), FINAL: _("ĐĐGck"), LEVEL: _("Mức đạt được")}[column]


@dataclass
class StudentGrades:
    student_id: int
    username: str
    national_id: str | None
    full_name: str
    scores: dict[str, Decimal | None] = field(default_factory=dict)
    marks: dict[str, str] = field(default_factory=dict)
    average: Decimal | None = None
    comment_result: str | None = None
    primary_level: str | None = None

    @property
    def regular_scores(self) -> list[Decimal | None]:
        return [v for k, v in sorted(self.scores.items()) if k.startswith("tx")]


@dataclass
class GradeBookReport:
    book_id: int
    school_class_id: int
    class_name: str
    school_id: int
    grade: int
    subject_id: int
    subject_code: str
    subject_name: str
    semester_id: int
    semester_number: int
    school_year: str
    status: str
    comment_only: bool
    primary: bool
    regular_count: int
    approved_at: dt.datetime | None
    approved_by_id: int | None
    columns: list[str]
    students: list[StudentGrades]


def _student_row(book: GradeBook, student: Any, cells: list[GradeCell]) -> StudentGrades:
    row = StudentGrades(student.pk, student.username, student.national_id, student.full_name)
    for cell in cells:
        if cell.score is not None:
            row.scores[cell.column] = cell.score
        if cell.mark:
            row.marks[cell.column] = cell.mark
    if book.primary:
        row.primary_level = row.marks.get(LEVEL)
    elif book.comment_only:
        required = [*regular_columns(book.regular_count), MIDTERM, FINAL]
        row.comment_result = comment_semester_result(
            [row.marks.get(c) for c in required], len(required)
        )
    else:
        regular = [row.scores.get(c) for c in regular_columns(book.regular_count)]
        mid, end = row.scores.get(MIDTERM), row.scores.get(FINAL)
        if all(s is not None for s in regular) and mid is not None and end is not None:
            total = sum((s for s in regular if s is not None), Decimal(0)) + 2 * mid + 3 * end
            row.average = round1(total / Decimal(len(regular) + 5))
    return row


def book_report(book: GradeBook) -> GradeBookReport:
    students = [
        e.student
        for e in Enrolment.objects.filter(school_class_id=book.school_class_id).select_related(
            "student"
        )
    ]
    students.sort(key=lambda s: name_sort_key(s.full_name))
    by_student: dict[int, list[GradeCell]] = {}
    for cell in GradeCell.objects.filter(book=book):
        by_student.setdefault(cell.student_id, []).append(cell)
    klass = book.school_class
    return GradeBookReport(
        book_id=book.pk,
        school_class_id=klass.pk,
        class_name=klass.name,
        school_id=klass.school_id,
        grade=klass.grade,
        subject_id=book.subject_id,
        subject_code=book.subject.code,
        subject_name=book.subject.name,
        semester_id=book.semester_id,
        semester_number=book.semester.number,
        school_year=book.semester.school_year.name,
        status=book.status,
        comment_only=book.comment_only,
        primary=book.primary,
        regular_count=book.regular_count,
        approved_at=book.approved_at,
        approved_by_id=book.approved_by_id,
        columns=columns_of(book),
        students=[_student_row(book, s, by_student.get(s.pk, [])) for s in students],
    )


def missing_cells(report: GradeBookReport) -> list[str]:
    """What still has to be entered before the book can be submitted, one line per gap."""
    problems: list[str] = []
    for row in report.students:
        for column in report.columns:
            if report.primary and column == FINAL:
                continue  # only some primary subjects have a periodic test
            has = column in (row.marks if (report.comment_only or column == LEVEL) else row.scores)
            if not has:
                problems.append(
                    _("%(name)s: thiếu %(column)s")
                    % {"name": row.full_name, "column": column_label(column)}
                )
    return problems


def locked_book(school_class_id: int, subject_id: int, semester_id: int) -> GradeBook | None:
    return (
        GradeBook.objects.select_related("school_class", "subject", "semester__school_year")
        .filter(
            school_class_id=school_class_id,
            subject_id=subject_id,
            semester_id=semester_id,
            status=GradeBook.Status.LOCKED,
        )
        .first()
    )


@dataclass
class YearResult:
    student_id: int
    sem1: Decimal | str | None
    sem2: Decimal | str | None
    year: Decimal | str | None


def year_results(school_class: SchoolClass, subject_id: int) -> list[YearResult] | None:
    """Whole-year results of a subject when both semesters' books are locked, else None."""
    books = {}
    for sem in Semester.objects.filter(school_year_id=school_class.school_year_id):
        book = locked_book(school_class.pk, subject_id, sem.pk)
        if book is None:
            return None
        books[sem.number] = book_report(book)
    if set(books) != {1, 2}:
        return None
    first = {r.student_id: r for r in books[1].students}
    results = []
    for row in books[2].students:
        before = first.get(row.student_id)
        if books[2].comment_only:
            results.append(
                YearResult(
                    row.student_id,
                    before.comment_result if before else None,
                    row.comment_result,
                    comment_year_result(row.comment_result),
                )
            )
            continue
        sem1 = before.average if before else None
        year = year_average(sem1, row.average) if sem1 is not None and row.average else None
        results.append(YearResult(row.student_id, sem1, row.average, year))
    return results


def semester_level(student_id: int, school_class: SchoolClass, semester: Semester) -> str | None:
    """Learning-result level of a student over every locked subject book of the semester."""
    results: list[SubjectResult] = []
    books = GradeBook.objects.filter(
        school_class=school_class, semester=semester, status=GradeBook.Status.LOCKED
    ).select_related("school_class", "subject", "semester__school_year")
    for book in books:
        if book.primary:
            return None
        row = next((r for r in book_report(book).students if r.student_id == student_id), None)
        if row is None:
            continue
        if book.comment_only:
            results.append(SubjectResult(book.subject.code, comment=row.comment_result))
        else:
            results.append(SubjectResult(book.subject.code, average=row.average))
    if not results or any(r.comment is None and r.average is None for r in results):
        return None
    return learning_level(results)


__all__ = ["Comment", "GradeBookReport", "StudentGrades", "YearResult"]
