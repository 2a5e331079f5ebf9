"""The grade book: columns from periods, entry, submission, approval, lock, audit, sector."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent, Organisation, SchoolLevel, Subject
from lms import api, services
from lms.gradebook import book_report
from lms.models import GradeBook, GradeCell
from tests import factories
from tests.conftest import World


def _toan(world: World) -> Subject:
    return world.a.school_class.teaching_assignments.get().subject


def _book(world: World, semester, subject: Subject | None = None) -> GradeBook:
    return services.open_grade_book(
        world.a.teacher,
        school_class=world.a.school_class,
        subject=subject or _toan(world),
        semester=semester,
    )


def _fill(world: World, book: GradeBook, student, values: dict[str, str]) -> None:
    for column, value in values.items():
        services.set_grade(world.a.teacher, book, student=student, column=column, value=value)


@pytest.mark.parametrize(
    ("periods", "count"), [(35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4)]
)
def test_regular_score_count_comes_from_the_subjects_periods(
    world: World, semesters, periods: int, count: int
) -> None:
    subject = factories.SubjectFactory(code=f"S{periods}", name="Môn thử", periods={10: periods})
    factories.TeachingAssignmentFactory(
        school_class=world.a.school_class, subject=subject, teacher=world.a.teacher
    )
    book = _book(world, semesters[0], subject)
    assert book.regular_count == count
    assert api.GradeBook.objects.get(pk=book.pk).regular_count == count


def test_semester_average_in_the_book_and_sector_report(world: World, semesters) -> None:
    book = _book(world, semesters[0])
    student = world.a.student
    _fill(
        world,
        book,
        student,
        {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "6", "gk": "7", "ck": "8,5"},
    )
    # (8 + 7.5 + 9 + 6 + 2·7 + 3·8.5) / 9 = 70 / 9 = 7.777… → 7.8
    assert (
        api.approved_grade_book(world.a.school_class.pk, book.subject_id, semesters[0].pk) is None
    )
    services.submit_grade_book(world.a.teacher, book)
    services.approve_grade_book(world.a.admin, book)
    report = api.approved_grade_book(world.a.school_class.pk, book.subject_id, semesters[0].pk)
    assert report is not None
    assert report.status == "locked"
    assert report.approved_by_id == world.a.admin.pk
    [row] = report.students
    assert row.national_id == student.national_id
    assert row.average == Decimal("7.8")
    assert row.regular_scores == [Decimal("8.0"), Decimal("7.5"), Decimal("9.0"), Decimal("6.0")]
    assert row.scores["gk"] == Decimal("7.0")
    assert api.grade_book_report(book.pk) == report


def test_year_average_from_both_locked_semesters(world: World, semesters) -> None:
    student = world.a.student
    values = [
        {"tx1": "6", "tx2": "6", "tx3": "5", "tx4": "5", "gk": "6", "ck": "7"},  # 55/9 = 6.11 → 6.1
        {"tx1": "9", "tx2": "7", "tx3": "7", "tx4": "7", "gk": "7", "ck": "7"},  # 65/9 = 7.22 → 7.2
    ]
    for semester, cells in zip(semesters, values, strict=True):
        book = _book(world, semester)
        _fill(world, book, student, cells)
        services.submit_grade_book(world.a.teacher, book)
        assert api.approved_year_results(world.a.school_class.pk, book.subject_id) is None
        services.approve_grade_book(world.a.admin, book)
    [result] = api.approved_year_results(world.a.school_class.pk, _toan(world).pk) or []
    assert (result.sem1, result.sem2) == (Decimal("6.1"), Decimal("7.2"))
    # (6.1 + 2·7.2) / 3 = 20.5 / 3 = 6.833… → 6.8
    assert result.year == Decimal("6.8")


def test_bad_value_says_where_and_stores_nothing(world: World, semesters) -> None:
    book = _book(world, semesters[0])
    student = world.a.student
    with pytest.raises(ValidationError) as info:
        services.set_grades(
            world.a.teacher, book, [(student, "tx1", "8"), (student, "tx2", "10,5")]
        )
    assert student.full_name in str(info.value)
    assert "tx2" in str(info.value)
    assert not GradeCell.objects.filter(book=book).exists()
    with pytest.raises(ValidationError):
        services.set_grade(world.a.teacher, book, student=student, column="tx5", value="8")


def test_submit_lists_missing_columns(world: World, semesters) -> None:
    book = _book(world, semesters[0])
    _fill(world, book, world.a.student, {"tx1": "8", "tx2": "8", "tx3": "8", "gk": "8"})
    with pytest.raises(ValidationError) as info:
        services.submit_grade_book(world.a.teacher, book)
    assert [str(m) for m in info.value.messages] == [
        f"{world.a.student.full_name}: thiếu ĐĐGtx 4",
        f"{world.a.student.full_name}: thiếu ĐĐGck",
    ]


def test_lock_refuses_changes_until_reopened_and_everything_is_audited(
    world: World, semesters
) -> None:
    book = _book(world, semesters[0])
    _fill(
        world,
        book,
        world.a.student,
        {"tx1": "8", "tx2": "8", "tx3": "8", "tx4": "8", "gk": "8", "ck": "8"},
    )
    services.submit_grade_book(world.a.teacher, book)
    with pytest.raises(PermissionDenied):
        services.approve_grade_book(world.a.teacher, book)
    with pytest.raises(PermissionDenied):
        services.approve_grade_book(world.b.admin, book)
    services.approve_grade_book(world.a.admin, book)
    with pytest.raises(ValidationError):
        services.set_grade(world.a.teacher, book, student=world.a.student, column="ck", value="9")
    with pytest.raises(ValidationError):
        services.reopen_grade_book(world.a.admin, book, reason=" ")
    services.reopen_grade_book(world.a.admin, book, reason="Nhập nhầm điểm cuối kỳ")
    services.set_grade(world.a.teacher, book, student=world.a.student, column="ck", value="9")
    actions = list(
        AuditEvent.objects.filter(object_type="lms.gradebook", object_id=str(book.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "grade_book.open",
        *["grade.set"] * 6,
        "grade_book.submit",
        "grade_book.approve",
        "grade_book.reopen",
        "grade.set",
    ]
    last = AuditEvent.objects.filter(action="grade.set").order_by("-id").first()
    assert last is not None
    assert last.before == {
        "student": world.a.student.pk,
        "column": "ck",
        "score": "8.0",
        "mark": "",
        "source": "typed",
    }
    assert last.after["score"] == "9.0"
    reopen = AuditEvent.objects.get(action="grade_book.reopen")
    assert reopen.after == {"status": "draft", "reason": "Nhập nhầm điểm cuối kỳ"}


def test_comment_only_subject(world: World, semesters) -> None:
    gdtc = factories.SubjectFactory(
        code="GDTC", name="Giáo dục thể chất", comment_only=True, periods={10: 70}
    )
    factories.TeachingAssignmentFactory(
        school_class=world.a.school_class, subject=gdtc, teacher=world.a.teacher
    )
    book = _book(world, semesters[0], gdtc)
    assert (book.comment_only, book.regular_count) == (True, 3)
    with pytest.raises(ValidationError):
        services.set_grade(world.a.teacher, book, student=world.a.student, column="tx1", value="8")
    _fill(world, book, world.a.student, {"tx1": "Đ", "tx2": "Đạt", "tx3": "d", "gk": "Đ"})
    report = api.grade_book_report(book.pk)
    assert report is None  # not locked yet
    services.set_grade(world.a.teacher, book, student=world.a.student, column="ck", value="Đ")
    services.submit_grade_book(world.a.teacher, book)
    services.approve_grade_book(world.a.admin, book)
    report = api.grade_book_report(book.pk)
    assert report is not None
    assert report.students[0].comment_result == api.Comment.PASS
    services.reopen_grade_book(world.a.admin, book, reason="sửa")
    services.set_grade(world.a.teacher, book, student=world.a.student, column="tx2", value="CĐ")
    services.submit_grade_book(world.a.teacher, book)
    services.approve_grade_book(world.a.admin, book)
    report = api.grade_book_report(book.pk)
    assert report is not None
    assert report.students[0].comment_result == api.Comment.FAIL


def test_primary_book_uses_levels_and_whole_scores(world: World, semesters) -> None:
    school = Organisation.objects.create(
        code="TH01",
        name="Trường Tiểu học Kim Đồng",
        kind="school",
        level=SchoolLevel.PRIMARY,
        parent=world.department,
    )
    klass = factories.SchoolClassFactory(
        school=school, name="4A", grade=4, school_year=world.a.school_class.school_year
    )
    toan = factories.SubjectFactory(code="TOAN", periods={4: 175})
    teacher = factories.UserFactory()
    factories.TeachingAssignmentFactory(school_class=klass, subject=toan, teacher=teacher)
    pupil = factories.StudentFactory()
    factories.EnrolmentFactory(school_class=klass, student=pupil)
    book = services.open_grade_book(
        teacher, school_class=klass, subject=toan, semester=semesters[0]
    )
    assert book.primary
    for bad in ("7.5", "0", "11"):
        with pytest.raises(ValidationError):
            services.set_grade(teacher, book, student=pupil, column="ck", value=bad)
    with pytest.raises(ValidationError):
        services.set_grade(teacher, book, student=pupil, column="level", value="Tốt")
    services.set_grade(teacher, book, student=pupil, column="ck", value="9")
    services.set_grade(teacher, book, student=pupil, column="level", value="t")
    services.submit_grade_book(teacher, book)
    report = book_report(book)
    assert report.students[0].scores == {"ck": Decimal("9")}
    assert report.students[0].primary_level == api.PrimaryLevel.EXCELLENT


def test_other_teacher_cannot_open_or_enter(world: World, semesters) -> None:
    with pytest.raises(PermissionDenied):
        services.open_grade_book(
            world.b.teacher,
            school_class=world.a.school_class,
            subject=_toan(world),
            semester=semesters[0],
        )
    book = _book(world, semesters[0])
    with pytest.raises(PermissionDenied):
        services.set_grade(world.b.teacher, book, student=world.a.student, column="tx1", value="8")


def test_record_score_feeds_from_a_test(world: World, semesters) -> None:
    cell = api.record_score(
        world.a.teacher,
        school_class=world.a.school_class,
        subject=_toan(world),
        semester=semesters[0],
        student=world.a.student,
        column="gk",
        value="7.5",
        source="assessment",
        source_ref="test-42",
    )
    assert cell is not None
    assert (cell.score, cell.source, cell.source_ref) == (Decimal("7.5"), "assessment", "test-42")


def test_learning_level_over_locked_subjects(world: World, semesters) -> None:
    from lms.gradebook import semester_level

    semester = semesters[0]
    level = None
    for i, score in enumerate(["9", "9", "9", "9", "9", "9", "7", "3"]):
        subject = factories.SubjectFactory(code=f"M{i}", name=f"Môn {i}", periods={10: 35})
        factories.TeachingAssignmentFactory(
            school_class=world.a.school_class, subject=subject, teacher=world.a.teacher
        )
        book = _book(world, semester, subject)
        _fill(world, book, world.a.student, {"tx1": score, "tx2": score, "gk": score, "ck": score})
        services.submit_grade_book(world.a.teacher, book)
        services.approve_grade_book(world.a.admin, book)
    level = semester_level(world.a.student.pk, world.a.school_class, semester)
    assert level == api.Level.PASS  # would be Tốt but for the single 3.0: raised from Chưa đạt


def test_lock_queues_the_transcript_for_sector_in_the_same_transaction(
    world: World, semesters
) -> None:
    from sector.models import OutboxMessage

    full = {"tx1": "8", "tx2": "8", "tx3": "8", "tx4": "8", "gk": "8", "ck": "8"}
    second = _book(world, semesters[1])
    _fill(world, second, world.a.student, full)
    services.submit_grade_book(world.a.teacher, second)
    # Semester II needs semester I's average: sector refuses, the approval rolls back.
    with pytest.raises(ValidationError):
        services.approve_grade_book(world.a.admin, second)
    second.refresh_from_db()
    assert second.status == GradeBook.Status.SUBMITTED
    assert not OutboxMessage.objects.exists()

    first = _book(world, semesters[0])
    _fill(world, first, world.a.student, full)
    services.submit_grade_book(world.a.teacher, first)
    services.approve_grade_book(world.a.admin, first)
    services.approve_grade_book(world.a.admin, second)
    transcripts = OutboxMessage.objects.filter(subject_id=first.subject_id)
    assert sorted(transcripts.values_list("semester", "record_count")) == [(1, 1), (2, 1)]
    # The class's only subject is locked each time, so its learning-result level follows.
    levels = OutboxMessage.objects.filter(subject_id=None)
    assert sorted(levels.values_list("semester", "record_count")) == [(1, 1), (2, 1)]
