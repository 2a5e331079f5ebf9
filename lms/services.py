"""Every write of the LMS goes through a function here; each one is audited."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import api as assessment_api
from content import api as content_api
from core.api import (
    Membership,
    Organisation,
    Role,
    SchoolClass,
    SchoolLevel,
    SchoolYear,
    Semester,
    Subject,
    SubjectGrade,
    User,
    audit,
    check_upload,
    permissions,
)
from core.api import regular_score_count as count_for_periods

from . import access, certificates, notify, progress, structure, xapi
from .gradebook import FINAL, book_report, columns_of, missing_cells
from .grading import Comment, PrimaryLevel, parse_primary_score, parse_score, round1
from .models import (
    Activity,
    Attendance,
    Certificate,
    Course,
    CourseEnrolment,
    FlippedLesson,
    GradeBook,
    GradeCell,
    Module,
    PdTarget,
    Post,
    Progress,
    QuizAnswer,
    QuizQuestion,
    ReleasedResult,
    Submission,
)

log = logging.getLogger(__name__)

# --- Grade book ------------------------------------------------------------------------------

_COMMENT_WORDS: dict[str, str] = {
    "d": Comment.PASS,
    "đ": Comment.PASS,
    "đạt": Comment.PASS,
    "dat": Comment.PASS,
    "cd": Comment.FAIL,
    "cđ": Comment.FAIL,
    "chưa đạt": Comment.FAIL,
    "chua dat": Comment.FAIL,
}


def open_grade_book(
    actor: Any, *, school_class: SchoolClass, subject: Subject, semester: Semester
) -> GradeBook:
    """The class's book for the subject and semester, created on first use."""
    if not (
        access.teaches(actor, school_class, subject.pk) or access.is_admin_of(actor, school_class)
    ):
        raise PermissionDenied
    return _open_book(actor, school_class=school_class, subject=subject, semester=semester)


def _open_book(
    actor: Any, *, school_class: SchoolClass, subject: Subject, semester: Semester
) -> GradeBook:
    if semester.school_year_id != school_class.school_year_id:
        raise ValidationError(_("Học kỳ không thuộc năm học của lớp."))
    existing = GradeBook.objects.filter(
        school_class=school_class, subject=subject, semester=semester
    ).first()
    if existing is not None:
        return existing
    periods = (
        SubjectGrade.objects.filter(subject=subject, grade=school_class.grade)
        .values_list("periods_per_year", flat=True)
        .first()
    )
    if periods is None:
        raise ValidationError(
            _("Môn %(subject)s chưa có số tiết/năm cho khối %(grade)s.")
            % {"subject": subject.name, "grade": school_class.grade}
        )
    with transaction.atomic():
        book = GradeBook.objects.create(
            school_class=school_class,
            subject=subject,
            semester=semester,
            regular_count=count_for_periods(periods),
            comment_only=subject.comment_only,
            primary=school_class.school.level == SchoolLevel.PRIMARY,
        )
        audit.record("grade_book.open", book, actor=actor, after=audit.snapshot(book))
    return book


def _normalise(book: GradeBook, column: str, raw: object, where: str) -> tuple[Any, str]:
    """(score, mark) for a raw value typed into `column`; raises ValidationError saying where."""
    if column not in columns_of(book):
        raise ValidationError(
            _("%(where)s: cột “%(c)s” không có trong sổ.") % {"where": where, "c": column}
        )
    if book.primary:
        if column == FINAL:
            return parse_primary_score(raw, where=where), ""
        mark = str(raw).strip().upper()
        if mark not in PrimaryLevel.values:
            raise ValidationError(
                _("%(where)s: mức đạt được là T, H hoặc C, nhận được “%(raw)s”.")
                % {"where": where, "raw": raw}
            )
        return None, mark
    if book.comment_only:
        found = _COMMENT_WORDS.get(str(raw).strip().lower())
        if found is None:
            raise ValidationError(
                _(
                    "%(where)s: môn đánh giá bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt), "
                    "nhận được “%(raw)s”."
                )
                % {"where": where, "raw": raw}
            )
        return None, found
    return parse_score(raw, where=where), ""


def set_grade(
    actor: Any,
    book: GradeBook,
    *,
    student: Any,
    column: str,
    value: object,
    source: str = "typed",
    source_ref: str = "",
) -> GradeCell | None:
    """Enter (or clear, with an empty value) one cell. A locked or submitted book refuses."""
    if not access.can_edit_book(actor, book):
        raise PermissionDenied
    return _store_grade(
        actor,
        book,
        student=student,
        column=column,
        value=value,
        source=source,
        source_ref=source_ref,
    )


def _store_grade(
    actor: Any,
    book: GradeBook,
    *,
    student: Any,
    column: str,
    value: object,
    source: str,
    source_ref: str,
) -> GradeCell | None:
    """`set_grade` without the permission check: also for the automatic feed (actor None)."""
    if book.status != GradeBook.Status.DRAFT:
        raise ValidationError(_("Sổ điểm đã nộp hoặc đã khoá, không sửa được."))
    if not book.school_class.enrolments.filter(student=student).exists():
        raise ValidationError(
            _("%(name)s không học lớp %(cls)s.") % {"name": student, "cls": book.school_class}
        )
    where = f"{student.full_name}, {column}"
    with transaction.atomic():
        cell = (
            GradeCell.objects.select_for_update()
            .filter(book=book, student=student, column=column)
            .first()
        )
        before = audit.snapshot(cell, ["score", "mark", "source"]) if cell else None
        if value is None or str(value).strip() == "":
            if cell is None:
                return None
            cell.delete()
            audit.record(
                "grade.clear",
                book,
                actor=actor,
                before={"student": student.pk, "column": column, **(before or {})},
            )
            return None
        score, mark = _normalise(book, column, value, where)
        if cell is None:
            cell = GradeCell(book=book, student=student, column=column)
        cell.score, cell.mark = score, mark
        cell.source, cell.source_ref, cell.updated_by = source, source_ref, actor
        cell.save()
        audit.record(
            "grade.set",
            book,
            actor=actor,
            before={"student": student.pk, "column": column, **(before or {})},
            after={
                "student": student.pk,
                "column": column,
                "score": score,
                "mark": mark,
                "source": source,
            },
        )
    return cell


def set_grades(actor: Any, book: GradeBook, rows: list[tuple[Any, str, object]]) -> int:
    """Many cells at once: all are validated first; on any error nothing is stored."""
    with transaction.atomic():
        for student, column, value in rows:
            set_grade(actor, book, student=student, column=column, value=value)
    return len(rows)


def submit_grade_book(actor: Any, book: GradeBook) -> GradeBook:
    if not access.can_edit_book(actor, book):
        raise PermissionDenied
    if book.status != GradeBook.Status.DRAFT:
        raise ValidationError(_("Sổ điểm đã được nộp."))
    gaps = missing_cells(book_report(book))
    if gaps:
        raise ValidationError(gaps)
    with transaction.atomic():
        before = audit.snapshot(book, ["status"])
        book.status = GradeBook.Status.SUBMITTED
        book.save(update_fields=["status"])
        audit.record(
            "grade_book.submit", book, actor=actor, before=before, after={"status": book.status}
        )
    return book


def _transcript_payload(book: GradeBook) -> dict[str, Any]:
    """The locked book in the shape `sector.api.enqueue_transcript` takes (see its docstring)."""
    report = book_report(book)
    first: dict[int, Decimal | None] = {}
    if report.semester_number == 2 and not book.comment_only and not book.primary:
        sem1 = GradeBook.objects.filter(
            school_class_id=book.school_class_id,
            subject_id=book.subject_id,
            semester__school_year_id=book.semester.school_year_id,
            semester__number=1,
            status=GradeBook.Status.LOCKED,
        ).first()
        if sem1 is None:
            raise ValidationError(_("Cần duyệt sổ điểm học kỳ I của môn này trước học kỳ II."))
        first = {r.student_id: r.average for r in book_report(sem1).students}
    entries: list[dict[str, Any]] = []
    for row in report.students:
        regular = [f"tx{i}" for i in range(1, book.regular_count + 1)]
        if book.primary:
            entry: dict[str, Any] = {"student_id": row.student_id, "level": row.primary_level}
            if row.scores.get(FINAL) is not None:
                entry["score"] = int(row.scores[FINAL] or 0)
        elif book.comment_only:
            label: dict[str, str] = {Comment.PASS: "Đạt", Comment.FAIL: "Chưa đạt"}
            entry = {
                "student_id": row.student_id,
                "regular": [label.get(row.marks.get(c, ""), "") for c in regular],
                "midterm": label.get(row.marks.get("gk", ""), ""),
                "endterm": label.get(row.marks.get(FINAL, ""), ""),
            }
        else:
            entry = {
                "student_id": row.student_id,
                "regular": [str(row.scores[c]) for c in regular],
                "midterm": str(row.scores["gk"]),
                "endterm": str(row.scores[FINAL]),
            }
            if report.semester_number == 2:
                sem1_average = first.get(row.student_id)
                entry["semester1Average"] = str(sem1_average) if sem1_average is not None else None
        entries.append(entry)
    return {"entries": entries}


def _send_to_sector(actor: Any, book: GradeBook) -> None:
    """Hand the locked book to sector inside the locking transaction (sector writes its
    outbox row there; a refusal rolls the approval back, so this cannot be a task queued on
    commit). sector.transcript reads lms.api at import time, so sector.api is imported here,
    at call time, which keeps `import lms.api` free of an import cycle."""
    from sector import api as sector_api

    sector_api.enqueue_transcript(
        book.school_class_id,
        book.subject_id,
        book.semester.number,
        _transcript_payload(book),
        actor,
    )


def approve_grade_book(actor: Any, book: GradeBook) -> GradeBook:
    """The school approves a submitted book and locks it; sector hears in the same transaction."""
    if not access.can_approve_book(actor, book):
        raise PermissionDenied
    if book.status != GradeBook.Status.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt được sổ điểm đã nộp."))
    with transaction.atomic():
        before = audit.snapshot(book, ["status", "approved_by", "approved_at"])
        book.status = GradeBook.Status.LOCKED
        book.approved_by = actor
        book.approved_at = timezone.now()
        book.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(
            "grade_book.approve",
            book,
            actor=actor,
            before=before,
            after=audit.snapshot(book, ["status", "approved_by", "approved_at"]),
        )
        _send_to_sector(actor, book)
    return book


def reopen_grade_book(actor: Any, book: GradeBook, *, reason: str) -> GradeBook:
    """Unlock a book for correction; the reason is kept in the audit log."""
    if not access.can_approve_book(actor, book):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Cần ghi lý do mở lại sổ điểm."))
    with transaction.atomic():
        before = audit.snapshot(book, ["status", "approved_by", "approved_at"])
        book.status = GradeBook.Status.DRAFT
        book.approved_by = None
        book.approved_at = None
        book.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(
            "grade_book.reopen",
            book,
            actor=actor,
            before=before,
            after={"status": book.status, "reason": reason},
        )
    return book


# --- Courses, modules and activities ---------------------------------------------------------

_RULES_BY_KIND: dict[str, set[str]] = {
    Activity.Kind.CONTENT: {Activity.Rule.VIEWED, Activity.Rule.SCORE},
    Activity.Kind.ASSIGNMENT: {Activity.Rule.SUBMITTED, Activity.Rule.GRADED},
    Activity.Kind.TEST: {Activity.Rule.PASSED, Activity.Rule.SCORE},
    Activity.Kind.QUIZ: {Activity.Rule.SUBMITTED, Activity.Rule.SCORE},
    Activity.Kind.DISCUSSION: {Activity.Rule.VIEWED, Activity.Rule.SUBMITTED},
    Activity.Kind.LIVE: {Activity.Rule.VIEWED},
}


def create_course(
    actor: Any,
    *,
    kind: str,
    title: str,
    organisation: Organisation | None = None,
    school_class: SchoolClass | None = None,
    subject: Subject | None = None,
    pd_periods: int = 0,
    self_enrol: bool = False,
    description: str = "",
) -> Course:
    """A class course (students enrolled from the roster) or an open PD course."""
    if kind == Course.Kind.CLASS:
        if school_class is None or subject is None:
            raise ValidationError(_("Khoá học của lớp cần lớp và môn học."))
        if not access.teaches(actor, school_class, subject.pk):
            raise PermissionDenied
        organisation = school_class.school
    elif organisation is None or not permissions.reaches(actor, organisation, access.PD_AUTHORS):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError(_("Cần nhập tên khoá học."))
    with transaction.atomic():
        course = Course.objects.create(
            kind=kind,
            title=title.strip(),
            description=description,
            organisation=organisation,
            school_class=school_class,
            subject=subject,
            owner=actor,
            pd_periods=pd_periods,
            self_enrol=self_enrol,
        )
        audit.record("course.create", course, actor=actor, after=audit.snapshot(course))
        if school_class is not None:
            sync_roster(actor, course)
    return course


def sync_roster(actor: Any, course: Course) -> int:
    """Enrol every student of the course's class who is not yet in it; returns how many."""
    if course.school_class is None:
        return 0
    have = set(course.enrolments.values_list("user_id", flat=True))
    new = [
        CourseEnrolment(course=course, user_id=sid, source=CourseEnrolment.Source.ROSTER)
        for sid in course.school_class.enrolments.values_list("student_id", flat=True)
        if sid not in have
    ]
    with transaction.atomic():
        CourseEnrolment.objects.bulk_create(new)
        if new:
            audit.record(
                "course.sync_roster", course, actor=actor, after={"added": [e.user_id for e in new]}
            )
    return len(new)


def add_module(actor: Any, course: Course, *, title: str) -> Module:
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    with transaction.atomic():
        position = course.modules.count() + 1
        module = Module.objects.create(course=course, title=title, position=position)
        structure.forget(course.pk)
        audit.record("module.create", module, actor=actor, after=audit.snapshot(module))
    return module


_GRADE_COLUMN = re.compile(r"^(tx[1-4]|gk|ck)$")
_FED_KINDS = {Activity.Kind.ASSIGNMENT, Activity.Kind.TEST}


def _check_rubric(rubric: Any) -> list[dict[str, Any]]:
    """[{"criterion": str, "max": number > 0}, ...]; raises saying which criterion is wrong."""
    if not isinstance(rubric, list):
        raise ValidationError(_("Thang chấm (rubric) phải là danh sách tiêu chí."))
    out = []
    for i, row in enumerate(rubric, start=1):
        name = str((row or {}).get("criterion", "")).strip() if isinstance(row, dict) else ""
        try:
            top = Decimal(str(row.get("max")).replace(",", ".")) if isinstance(row, dict) else None
        except ArithmeticError:
            top = None
        if not name or top is None or not top.is_finite() or top <= 0:
            raise ValidationError(
                _("Tiêu chí %(n)s của thang chấm: cần tên và điểm tối đa lớn hơn 0.") % {"n": i}
            )
        out.append({"criterion": name, "max": format(top.normalize(), "f")})
    return out


def _check_reference(course: Course, kind: str, ref_id: str) -> None:
    """Content and tests are referenced by id only; the id must name something the class may use."""
    if (
        kind == Activity.Kind.CONTENT
        and ref_id
        and (
            not ref_id.isdigit()
            or not content_api.published_items().filter(pk=int(ref_id)).exists()
        )
    ):
        raise ValidationError(
            _("Mã học liệu %(ref)s không có trong kho học liệu đã xuất bản.") % {"ref": ref_id}
        )
    if kind == Activity.Kind.TEST and ref_id:
        # Without a reference the results arrive through lms.api.record_activity_result.
        found = assessment_api.class_assignment(int(ref_id)) if ref_id.isdigit() else None
        if found is None:
            raise ValidationError(
                _("Mã lượt giao đề %(ref)s không có trong hệ thống khảo thí.") % {"ref": ref_id}
            )
        if (
            course.school_class_id is not None
            and found["school_class_id"] != course.school_class_id
        ):
            raise ValidationError(_("Đề %(ref)s không được giao cho lớp này.") % {"ref": ref_id})


def _check_grade_feed(course: Course, kind: str, fields: dict[str, Any]) -> None:
    column = fields.get("grade_column") or ""
    semester = fields.get("grade_semester")
    if not column and semester is None:
        return
    if kind not in _FED_KINDS:
        raise ValidationError(_("Chỉ bài tập và bài kiểm tra trực tuyến mới đưa điểm vào sổ."))
    if course.school_class is None:
        raise ValidationError(_("Chỉ khoá học của lớp mới có sổ điểm."))
    if not _GRADE_COLUMN.match(column):
        raise ValidationError(
            _("Cột sổ điểm “%(c)s” không hợp lệ (tx1–tx4, gk, ck).") % {"c": column}
        )
    if semester is None or semester.school_year_id != course.school_class.school_year_id:
        raise ValidationError(_("Cần chọn học kỳ thuộc năm học của lớp cho cột sổ điểm."))


def _check_lesson(lesson: FlippedLesson | None, phase: str, fields: dict[str, Any]) -> None:
    """Flipped lessons: material before class is due by the class period at the latest."""
    if (lesson is None) != (not phase):
        raise ValidationError(
            _("Hoạt động của bài học đảo ngược cần cả bài học và giai đoạn (trước/sau giờ học).")
        )
    if lesson is None:
        return
    if phase == Activity.Phase.BEFORE:
        due = fields.get("due_at") or lesson.class_starts_at
        if due > lesson.class_starts_at:
            raise ValidationError(_("Phần chuẩn bị trước giờ học phải có hạn trước giờ lên lớp."))
        fields["due_at"] = due
    elif phase == Activity.Phase.AFTER and fields.get("available_from") is None:
        fields["available_from"] = lesson.class_starts_at


def _check_activity(
    module: Module,
    *,
    kind: str,
    title: str,
    rule: str,
    prerequisites: list[Activity],
    fields: dict[str, Any],
    activity: Activity | None = None,
) -> None:
    """The rules an activity meets when added and on every edit; normalises `fields` in place
    (score threshold, rubric, test reference, the flipped lesson's default dates)."""
    course = module.course
    if not title.strip():
        raise ValidationError(_("Cần nhập tên hoạt động."))
    if rule not in _RULES_BY_KIND.get(kind, set()):
        raise ValidationError(
            _("Hoạt động loại “%(kind)s” không dùng được điều kiện hoàn thành “%(rule)s”.")
            % {"kind": kind, "rule": rule}
        )
    if rule == Activity.Rule.SCORE and fields.get("pass_score") is None:
        raise ValidationError(_("Điều kiện “đạt điểm” cần ngưỡng điểm."))
    if fields.get("pass_score") is not None:
        fields["pass_score"] = parse_score(fields["pass_score"], where=_("Ngưỡng điểm"))
    start, end = fields.get("available_from"), fields.get("available_until")
    if start and end and end <= start:
        raise ValidationError(_("Thời điểm đóng phải sau thời điểm mở."))
    if kind == Activity.Kind.LIVE and not (fields.get("live_url") and fields.get("starts_at")):
        raise ValidationError(_("Buổi học trực tuyến cần đường dẫn và thời gian bắt đầu."))
    if fields.get("rubric"):
        if kind != Activity.Kind.ASSIGNMENT:
            raise ValidationError(_("Chỉ bài tập mới có thang chấm."))
        fields["rubric"] = _check_rubric(fields["rubric"])
    ref = str(fields.get("ref_id") or "").strip()
    _check_reference(course, kind, ref)
    if ref.isdigit():
        fields["ref_id"] = str(int(ref))  # "007" and "7" name the same test for the feed
    _check_grade_feed(course, kind, fields)
    lesson = fields.get("lesson")
    if lesson is not None and lesson.course_id != module.course_id:
        raise ValidationError(_("Bài học đảo ngược phải thuộc cùng khoá học."))
    _check_lesson(lesson, str(fields.get("phase") or ""), fields)
    for pre in prerequisites:
        if pre.module.course_id != module.course_id:
            raise ValidationError(_("Điều kiện tiên quyết phải thuộc cùng khoá học."))
    if activity is not None and prerequisites:
        _check_no_cycle(activity, prerequisites)


def _check_no_cycle(activity: Activity, prerequisites: list[Activity]) -> None:
    """An activity cannot require itself, directly or through its prerequisites' own."""
    links = Activity.prerequisites.through.objects.filter(
        from_activity__module__course_id=activity.module.course_id
    ).values_list("from_activity_id", "to_activity_id")
    needs: dict[int, set[int]] = {}
    for frm, to in links:
        needs.setdefault(frm, set()).add(to)
    seen: set[int] = set()
    todo = [p.pk for p in prerequisites]
    while todo:
        pk = todo.pop()
        if pk == activity.pk:
            raise ValidationError(
                _("“%(t)s” không thể là điều kiện tiên quyết của chính nó (kể cả gián tiếp).")
                % {"t": activity.title}
            )
        if pk not in seen:
            seen.add(pk)
            todo.extend(needs.get(pk, ()))


def _feed_when_linked(activity: Activity) -> None:
    """A test linked to an assessment assignment gets its released results without waiting
    for the next release event (the test may have closed already)."""
    if activity.kind == Activity.Kind.TEST and activity.ref_id.isdigit():
        from .tasks import feed_released_results as feed

        assignment_id = int(activity.ref_id)
        transaction.on_commit(lambda: feed.delay(assignment_id), robust=True)


def add_activity(
    actor: Any,
    module: Module,
    *,
    kind: str,
    title: str,
    rule: str,
    prerequisites: list[Activity] | None = None,
    **fields: Any,
) -> Activity:
    """An activity at the end of the module. `fields` are Activity columns (due_at, ref_id…)."""
    if not access.can_manage_course(actor, module.course):
        raise PermissionDenied
    _check_activity(
        module, kind=kind, title=title, rule=rule, prerequisites=prerequisites or [], fields=fields
    )
    with transaction.atomic():
        position = module.activities.count() + 1
        activity = Activity(
            module=module, kind=kind, title=title.strip(), rule=rule, position=position, **fields
        )
        activity.full_clean(exclude=["prerequisites"])
        activity.save()
        if prerequisites:
            activity.prerequisites.set(prerequisites)
        structure.forget(module.course_id)
        audit.record("activity.create", activity, actor=actor, after=audit.snapshot(activity))
        _feed_when_linked(activity)
    return activity


def has_learner_work(activity: Activity) -> bool:
    """Whether any learner has touched the activity (progress, work, posts, attendance)."""
    return (
        Progress.objects.filter(activity=activity).exists()
        or Submission.objects.filter(activity=activity).exists()
        or Post.objects.filter(activity=activity).exists()
        or Attendance.objects.filter(activity=activity).exists()
        or QuizAnswer.objects.filter(question__activity=activity).exists()
    )


def _renumber(module_id: int) -> None:
    """Positions 1..n of the module's live activities, keeping their order."""
    rows = list(Activity.objects.filter(module_id=module_id).order_by("position", "pk"))
    for position, row in enumerate(rows, start=1):
        row.position = position
    Activity.objects.bulk_update(rows, ["position"])


def update_activity(
    actor: Any,
    activity: Activity,
    *,
    kind: str,
    title: str,
    rule: str,
    module: Module | None = None,
    prerequisites: list[Activity] | None = None,
    **fields: Any,
) -> Activity:
    """Edit an activity with the same rules as adding it; `module` moves it to the end of
    another module of the same course. The kind stays once learners have worked on it."""
    course = activity.module.course
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    target = module or activity.module
    if target.course_id != course.pk:
        raise ValidationError(_("Chỉ chuyển hoạt động sang chương của cùng khoá học."))
    if kind != activity.kind and has_learner_work(activity):
        raise ValidationError(_("Học sinh đã làm hoạt động này nên không đổi được loại hoạt động."))
    _check_activity(
        target,
        kind=kind,
        title=title,
        rule=rule,
        prerequisites=prerequisites or [],
        fields=fields,
        activity=activity,
    )
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        before = audit.snapshot(activity)
        before["prerequisites"] = sorted(activity.prerequisites.values_list("pk", flat=True))
        source_module_id = activity.module_id
        relinked = fields.get("ref_id", activity.ref_id) != activity.ref_id
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.kind, activity.title, activity.rule = kind, title.strip(), rule
        if relinked:
            activity.closed_results_fed_at = None
        if target.pk != source_module_id:
            activity.module = target
            activity.position = target.activities.count() + 1
        activity.full_clean(exclude=["prerequisites"])
        activity.save()
        activity.prerequisites.set(prerequisites or [])
        if target.pk != source_module_id:
            _renumber(source_module_id)
        structure.forget(course.pk)
        after = audit.snapshot(activity)
        after["prerequisites"] = sorted(p.pk for p in prerequisites or [])
        audit.record("activity.update", activity, actor=actor, before=before, after=after)
        _feed_when_linked(activity)
    return activity


def remove_activity(actor: Any, activity: Activity) -> str:
    """Take an activity out of its course. Without learner work it is deleted; once learners
    have worked on it, it is archived instead: it leaves the outline, the learners' pages and
    course completion, while their submissions, scores and the grade-book cells it fed stay
    (a teacher removing an activity never expects to lose graded work). Returns "deleted" or
    "archived"."""
    course = activity.module.course
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        snapshot = audit.snapshot(activity)
        through = Activity.prerequisites.through
        dependants = sorted(
            through.objects.filter(to_activity=activity).values_list("from_activity_id", flat=True)
        )
        # The activities that required this one no longer wait for it.
        through.objects.filter(to_activity=activity).delete()
        module_id = activity.module_id
        if has_learner_work(activity):
            activity.archived_at = timezone.now()
            activity.save(update_fields=["archived_at"])
            outcome, action = "archived", "activity.archive"
        else:
            activity.delete()
            outcome, action = "deleted", "activity.delete"
        _renumber(module_id)
        structure.forget(course.pk)
        audit.record(
            action,
            course,
            actor=actor,
            before={**snapshot, "required_by": dependants},
            after={"outcome": outcome},
        )
    return outcome


def restore_activity(actor: Any, activity: Activity) -> Activity:
    """Bring an archived activity back, at the end of its module: the outline, the learners'
    pages and course completion count it again, with the work and grades kept while it was
    archived. Activities that required it stopped waiting for it when it was archived and are
    not tied to it again; the teacher sets those prerequisites again if still wanted."""
    course = activity.module.course
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    with transaction.atomic():
        activity = Activity.all_objects.select_for_update().get(pk=activity.pk)
        if activity.archived_at is None:
            raise ValidationError(
                _("Hoạt động “%(t)s” không nằm trong mục đã lưu trữ nên không cần khôi phục.")
                % {"t": activity.title}
            )
        before = audit.snapshot(activity)
        activity.archived_at = None
        # Its old place was given to the activities after it when it was archived (_renumber).
        activity.position = Activity.objects.filter(module_id=activity.module_id).count() + 1
        activity.save(update_fields=["archived_at", "position"])
        structure.forget(course.pk)
        audit.record(
            "activity.restore",
            course,
            actor=actor,
            before=before,
            after={**audit.snapshot(activity), "outcome": "restored"},
        )
    return activity


def reorder_activities(actor: Any, module: Module, ordered_ids: list[int]) -> list[Activity]:
    """Put the module's activities in the given order (every one of them, each once)."""
    if not access.can_manage_course(actor, module.course):
        raise PermissionDenied
    with transaction.atomic():
        return _reorder(
            actor,
            module.activities.select_for_update(),
            ordered_ids,
            wrong=_("Danh sách sắp xếp phải gồm đúng các hoạt động của chương."),
            action="activity.reorder",
            parent=module,
            course_id=module.course_id,
        )


def _reorder(
    actor: Any,
    rows: Any,
    ordered_ids: list[int],
    *,
    wrong: str,
    action: str,
    parent: Any,
    course_id: int,
) -> list[Any]:
    """Positions 1..n in the given order for `rows` (locked by the caller's query)."""
    current = {row.pk: row for row in rows}
    if sorted(ordered_ids) != sorted(current):
        raise ValidationError(wrong)
    before = [row.pk for row in sorted(current.values(), key=lambda r: (r.position, r.pk))]
    for position, pk in enumerate(ordered_ids, start=1):
        current[pk].position = position
    rows.model.objects.bulk_update(current.values(), ["position"])
    structure.forget(course_id)
    audit.record(
        action, parent, actor=actor, before={"order": before}, after={"order": ordered_ids}
    )
    return [current[pk] for pk in ordered_ids]


def move_activity(actor: Any, activity: Activity, step: int) -> list[Activity]:
    """One place up (step -1) or down (+1) in its module; at either end nothing moves."""
    module = activity.module
    order = list(module.activities.order_by("position", "pk").values_list("pk", flat=True))
    i = order.index(activity.pk)
    j = i + (1 if step > 0 else -1)
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return reorder_activities(actor, module, order)


def reorder_modules(actor: Any, course: Course, ordered_ids: list[int]) -> list[Module]:
    """Put the course's modules in the given order (every one of them, each once)."""
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    with transaction.atomic():
        return _reorder(
            actor,
            Module.objects.select_for_update().filter(course=course),
            ordered_ids,
            wrong=_("Danh sách sắp xếp phải gồm đúng các chương của khoá học."),
            action="module.reorder",
            parent=course,
            course_id=course.pk,
        )


def move_module(actor: Any, module: Module, step: int) -> list[Module]:
    """One place up (step -1) or down (+1) in the course; at either end nothing moves."""
    order = list(
        Module.objects.filter(course_id=module.course_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    i = order.index(module.pk)
    j = i + (1 if step > 0 else -1)
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return reorder_modules(actor, module.course, order)


def add_quiz_question(
    actor: Any, activity: Activity, *, prompt: str, options: list[str], correct: int
) -> QuizQuestion:
    if not access.can_manage_course(actor, activity.module.course):
        raise PermissionDenied
    position = activity.questions.count() + 1
    where = _("Câu %(n)s") % {"n": position}
    if activity.kind != Activity.Kind.QUIZ:
        raise ValidationError(_("Chỉ thêm câu hỏi vào hoạt động câu hỏi chuẩn bị bài."))
    if len(options) < 2 or any(not o.strip() for o in options):
        raise ValidationError(
            _("%(where)s: cần ít nhất hai phương án, không để trống.") % {"where": where}
        )
    if not 0 <= correct < len(options):
        raise ValidationError(
            _("%(where)s: đáp án đúng không nằm trong các phương án.") % {"where": where}
        )
    with transaction.atomic():
        question = QuizQuestion.objects.create(
            activity=activity, position=position, prompt=prompt, options=options, correct=correct
        )
        audit.record("quiz_question.create", question, actor=actor, after=audit.snapshot(question))
    return question


# --- Learner events and completion -----------------------------------------------------------


def _enrolment(user: Any, activity: Activity) -> CourseEnrolment:
    enrolment = CourseEnrolment.objects.filter(
        course_id=activity.module.course_id, user=user
    ).first()
    if enrolment is None:
        raise PermissionDenied
    return enrolment


def _require_available(user: Any, activity: Activity) -> None:
    reason = progress.unavailable_reason(user, activity, timezone.now())
    if reason:
        raise ValidationError(reason)


def _progress(user: Any, activity: Activity) -> Progress:
    return Progress.objects.select_for_update().get_or_create(activity=activity, user=user)[0]


def _settle(user: Any, activity: Activity, prog: Progress) -> Progress:
    """Apply the activity's completion rule and, when it flips, the course's."""
    if prog.completed_at is None and progress.rule_met(activity, prog):
        prog.completed_at = timezone.now()
        prog.save(update_fields=["completed_at"])
        xapi.record(user, "completed", activity)
        enrolment = _enrolment(user, activity)
        if enrolment.completed_at is None and progress.course_complete(
            user, activity.module.course
        ):
            enrolment.completed_at = timezone.now()
            enrolment.save(update_fields=["completed_at"])
            audit.record(
                "course.complete",
                enrolment,
                actor=user,
                after={"completed_at": enrolment.completed_at},
            )
            xapi.record_course(user, activity.module.course, "completed")
            if activity.module.course.kind == Course.Kind.PD:
                from .tasks import issue_certificate_task

                enrolment_id = enrolment.pk
                transaction.on_commit(lambda: issue_certificate_task.delay(enrolment_id))
    return prog


def record_view(user: Any, activity: Activity, *, seconds: int = 0) -> Progress:
    """A learner opened the activity (and stayed `seconds`)."""
    _enrolment(user, activity)
    _require_available(user, activity)
    with transaction.atomic():
        prog = _progress(user, activity)
        if prog.first_viewed_at is None:
            prog.first_viewed_at = timezone.now()
        prog.seconds += max(0, min(seconds, 4 * 3600))
        prog.save(update_fields=["first_viewed_at", "seconds"])
        xapi.record(user, "experienced", activity, duration_seconds=seconds)
        return _settle(user, activity, prog)


def record_result(
    user: Any,
    activity: Activity,
    *,
    score: object,
    passed: bool | None = None,
    package_completed: bool = True,
) -> Progress:
    """A result from a content package (content.api) or an online test (assessment.api)."""
    _enrolment(user, activity)
    value = parse_score(score, where=str(activity))
    with transaction.atomic():
        prog = _progress(user, activity)
        prog.score = value if prog.score is None else max(prog.score, value)
        prog.package_completed = prog.package_completed or package_completed
        if passed is None:
            passed = activity.pass_score is not None and value >= activity.pass_score
        prog.passed = prog.passed or passed
        if prog.first_viewed_at is None:
            prog.first_viewed_at = timezone.now()
        prog.save()
        xapi.record(user, "scored", activity, score=value, success=passed)
        return _settle(user, activity, prog)


def record_package_result(
    user: Any, activity: Activity, *, score: Decimal | None, passed: bool | None = None
) -> Progress:
    """A content package the learner launched from this activity was completed (content.api);
    `score` is 0-10 when the package reports one. Told the same result again, nothing changes."""
    if activity.kind != Activity.Kind.CONTENT:
        raise ValidationError(_("Hoạt động này không dùng học liệu."))
    _enrolment(user, activity)
    known = Progress.objects.filter(activity=activity, user=user).first()
    if (
        known is not None
        and known.package_completed
        and (score is None or (known.score is not None and known.score >= score))
        and (not passed or known.passed)
    ):
        return known
    if score is not None:
        return record_result(user, activity, score=score, passed=passed, package_completed=True)
    with transaction.atomic():
        prog = _progress(user, activity)
        prog.package_completed = True
        if prog.first_viewed_at is None:
            prog.first_viewed_at = timezone.now()
        prog.save(update_fields=["package_completed", "first_viewed_at"])
        return _settle(user, activity, prog)


# What a student may attach: documents, pictures of handwritten work, short recordings.
SUBMISSION_KINDS = ("pdf", "docx", "xlsx", "pptx", "png", "jpeg", "gif", "webp", "mp4", "webm")
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


def submit_assignment(
    user: Any, activity: Activity, *, text: str = "", file: Any = None
) -> Submission:
    """A new attempt; earlier attempts are kept so resubmissions show their history."""
    if activity.kind != Activity.Kind.ASSIGNMENT:
        raise ValidationError(_("Hoạt động này không nhận bài nộp."))
    _enrolment(user, activity)
    _require_available(user, activity)
    if not text.strip() and not file:
        raise ValidationError(_("Bài nộp cần có nội dung hoặc tệp đính kèm."))
    if file:
        check_upload(
            file, name=file.name or "", allowed=SUBMISSION_KINDS, max_bytes=MAX_SUBMISSION_BYTES
        )
    now = timezone.now()
    with transaction.atomic():
        last = (
            Submission.objects.select_for_update().filter(activity=activity, student=user).first()
        )
        if last is not None and not activity.resubmission:
            raise ValidationError(_("Bài tập này không cho nộp lại."))
        sub = Submission(
            activity=activity,
            student=user,
            attempt=(last.attempt + 1) if last else 1,
            text=text,
            submitted_at=now,
            late=bool(activity.due_at and now > activity.due_at),
        )
        if file:
            sub.file = file
        sub.save()
        audit.record(
            "submission.create", sub, actor=user, after=audit.snapshot(sub, ["attempt", "late"])
        )
        xapi.record(user, "submitted", activity)
        _settle(user, activity, _progress(user, activity))
    return sub


def grade_submission(
    actor: Any, submission: Submission, *, points: list[object], feedback: str = ""
) -> Submission:
    """Rubric grading: one number per criterion, each within its maximum; score out of 10."""
    activity = submission.activity
    if not access.can_manage_course(actor, activity.module.course):
        raise PermissionDenied
    rubric = activity.rubric or [{"criterion": _("Điểm"), "max": 10}]
    if len(points) != len(rubric):
        raise ValidationError(
            _("Cần đúng %(n)s điểm thành phần theo tiêu chí.") % {"n": len(rubric)}
        )
    given: list[Decimal] = []
    for i, (raw, criterion) in enumerate(zip(points, rubric, strict=True), start=1):
        value = Decimal(str(raw).replace(",", "."))
        if value < 0 or value > Decimal(str(criterion["max"])):
            raise ValidationError(
                _("Tiêu chí %(n)s (%(name)s): điểm từ 0 đến %(max)s.")
                % {"n": i, "name": criterion["criterion"], "max": criterion["max"]}
            )
        given.append(value)
    total_max = sum((Decimal(str(c["max"])) for c in rubric), Decimal(0))
    with transaction.atomic():
        before = audit.snapshot(submission, ["score", "feedback"])
        submission.rubric_points = [str(v) for v in given]
        submission.score = round1(sum(given, Decimal(0)) * 10 / total_max)
        submission.feedback = feedback
        submission.graded_by = actor
        submission.graded_at = timezone.now()
        submission.save()
        audit.record(
            "submission.grade",
            submission,
            actor=actor,
            before=before,
            after=audit.snapshot(submission, ["score", "feedback"]),
        )
        student = submission.student
        prog = _progress(student, activity)
        prog.score = submission.score
        prog.save(update_fields=["score"])
        xapi.record(student, "scored", activity, score=submission.score)
        _settle(student, activity, prog)
        feed_grade(
            actor,
            activity,
            student,
            submission.score,
            source="assignment",
            ref=f"submission:{submission.pk}",
        )
        notify.results_released(student.pk, activity)
    return submission


def feed_grade(
    actor: Any,
    activity: Activity,
    student: Any,
    score: Decimal,
    *,
    source: str,
    ref: str,
    skip_closed_book: bool = False,
) -> GradeCell | None:
    """Put a result into the grade-book column the activity feeds (Circular 22: one decimal).

    A value the teacher typed by hand is the teacher's word and is never overwritten by a feed.
    A submitted or locked book refuses (set_grade raises), which rolls back the caller, unless
    `skip_closed_book`: the automatic feed then leaves that cell to the school. `actor` None is
    the automatic feed, which the teacher set up by linking the activity to the column.
    """
    semester = activity.grade_semester
    if not activity.grade_column or semester is None:
        return None
    course = activity.module.course
    if course.school_class is None or course.subject is None:
        return None
    opener = _open_book if actor is None else open_grade_book
    book = opener(
        actor, school_class=course.school_class, subject=course.subject, semester=semester
    )
    existing = GradeCell.objects.filter(
        book=book, student=student, column=activity.grade_column
    ).first()
    if existing is not None and existing.source == "typed":
        return None
    value = round1(Decimal(score))
    if existing is not None and (existing.score, existing.source_ref) == (value, ref):
        return existing  # already there: nothing to write or audit again
    if skip_closed_book and book.status != GradeBook.Status.DRAFT:
        return None
    cell = {
        "student": student,
        "column": activity.grade_column,
        "value": value,
        "source": source,
        "source_ref": ref,
    }
    if actor is None:
        try:
            return _store_grade(None, book, **cell)
        except ValidationError as exc:
            # Not the student's class any more, or a book that takes marks, not scores: the
            # teacher sees the result in progress and decides; the other results still go in.
            log.warning("grade feed skipped %s/%s: %s", book.pk, student.pk, exc.messages)
            return None
    return set_grade(actor, book, **cell)


def _apply_test_results(
    actor: Any,
    activity: Activity,
    results: list[tuple[int, int, Decimal]],
    *,
    skip_closed_book: bool,
) -> tuple[int, int]:
    """Released results into progress and the activity's grade-book column, in the caller's
    transaction. A result already applied (same attempt, same score) is not applied again, so
    a retried task writes no second xAPI statement. Returns (results, newly applied)."""
    course = activity.module.course
    # One feed of an activity at a time: concurrent tasks (a class submitting together under
    # "show immediately") would otherwise both create the same rows.
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    enrolled = set(course.enrolments.values_list("user_id", flat=True))
    students = {u.pk: u for u in User.objects.filter(pk__in=[r[0] for r in results])}
    known = {r.user_id: r for r in ReleasedResult.objects.filter(activity=activity)}
    count = applied = 0
    for student_id, attempt_id, ten in results:
        if student_id not in enrolled:
            continue
        count += 1
        student = students[student_id]
        value = round1(Decimal(ten))
        seen = known.get(student_id)
        if seen is None or (seen.attempt_id, seen.score) != (attempt_id, value):
            record_result(student, activity, score=value)
            ReleasedResult.objects.update_or_create(
                activity=activity,
                user=student,
                defaults={"attempt_id": attempt_id, "score": value, "fed_at": timezone.now()},
            )
            applied += 1
        feed_grade(
            actor,
            activity,
            student,
            value,
            source="test",
            ref=f"attempt:{attempt_id}",
            skip_closed_book=skip_closed_book,
        )
    return count, applied


def import_test_results(actor: Any, activity: Activity) -> int:
    """Pull the released results of the online test the activity references (assessment.api)
    into the learners' progress and, when the activity feeds one, the grade-book column.
    Idempotent: running it again re-applies the same values. Returns how many results."""
    course = activity.module.course
    if activity.kind != Activity.Kind.TEST:
        raise ValidationError(_("Hoạt động này không phải bài kiểm tra trực tuyến."))
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    if not activity.ref_id.isdigit():
        raise ValidationError(_("Hoạt động chưa gắn với lượt giao đề của hệ thống khảo thí."))
    results = assessment_api.released_results(int(activity.ref_id))
    with transaction.atomic():
        count, _applied = _apply_test_results(actor, activity, results, skip_closed_book=False)
        audit.record("activity.import_results", activity, actor=actor, after={"results": count})
    return count


def feed_released_results(assignment_id: int) -> int:
    """The automatic grade-book feed: the results assessment releases for one assignment go to
    every class-course test activity linked to it, without the teacher pressing anything.

    Run by `lms.tasks.feed_released_results`, which assessment queues by name when results are
    released (a submission graded under "show immediately", a hand-graded answer, a regrade)
    and the beat task queues when an "after close" test closes. Idempotent; a submitted or
    locked book is left alone. Returns how many results were newly applied."""
    activities = list(
        Activity.objects.filter(kind=Activity.Kind.TEST, ref_id=str(assignment_id))
        .select_related("module__course__school_class", "module__course__subject")
        .select_related("grade_semester")
    )
    if not activities:
        return 0
    results = assessment_api.released_results(assignment_id)
    total = 0
    for activity in activities:
        with transaction.atomic():
            count, applied = _apply_test_results(None, activity, results, skip_closed_book=True)
            if applied:
                audit.record(
                    "activity.feed_results",
                    activity,
                    actor=None,
                    after={"assignment": assignment_id, "results": count, "applied": applied},
                )
        total += applied
    return total


def feed_closed_tests(now: Any) -> int:
    """The beat side of the feed: "after close" results are released by the clock, not by an
    event, so each linked test activity is checked until its test has closed once and then fed.
    Returns how many results were newly applied."""
    due: dict[int, list[int]] = {}
    pending = Activity.objects.filter(
        kind=Activity.Kind.TEST, closed_results_fed_at__isnull=True
    ).exclude(ref_id="")
    for pk, ref in pending.values_list("pk", "ref_id"):
        found = assessment_api.class_assignment(int(ref)) if ref.isdigit() else None
        if found is not None and found["closes"] <= now:
            due.setdefault(found["id"], []).append(pk)
    total = 0
    for assignment_id, pks in due.items():
        total += feed_released_results(assignment_id)
        Activity.objects.filter(pk__in=pks).update(closed_results_fed_at=now)
    return total


def post_message(user: Any, activity: Activity, *, body: str, parent: Post | None = None) -> Post:
    """A question or reply in a discussion; a teacher's reply is marked as the answer."""
    if activity.kind != Activity.Kind.DISCUSSION:
        raise ValidationError(_("Hoạt động này không phải thảo luận."))
    teacher = access.can_manage_course(user, activity.module.course)
    if not teacher:
        _enrolment(user, activity)
        _require_available(user, activity)
    if not body.strip():
        raise ValidationError(_("Nội dung không được để trống."))
    if parent is not None and parent.activity_id != activity.pk:
        raise ValidationError(_("Câu trả lời phải thuộc cùng thảo luận."))
    with transaction.atomic():
        post = Post.objects.create(
            activity=activity,
            author=user,
            parent=parent,
            body=body.strip(),
            teacher_answer=teacher and parent is not None,
        )
        audit.record("post.create", post, actor=user, after=audit.snapshot(post))
        if not teacher:
            xapi.record(user, "commented", activity)
            _settle(user, activity, _progress(user, activity))
    return post


def attend_live(user: Any, activity: Activity) -> Attendance:
    if activity.kind != Activity.Kind.LIVE:
        raise ValidationError(_("Hoạt động này không phải buổi học trực tuyến."))
    _enrolment(user, activity)
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(activity=activity, user=user)
        if created:
            audit.record(
                "live.attend", attendance, actor=user, after={"joined_at": attendance.joined_at}
            )
            prog = _progress(user, activity)
            prog.first_viewed_at = prog.first_viewed_at or attendance.joined_at
            prog.save(update_fields=["first_viewed_at"])
            xapi.record(user, "attended", activity)
            _settle(user, activity, prog)
    return attendance


def answer_quiz(user: Any, activity: Activity, answers: dict[int, int]) -> Progress:
    """All answers of a readiness quiz at once (question position → chosen option)."""
    if activity.kind != Activity.Kind.QUIZ:
        raise ValidationError(_("Hoạt động này không phải câu hỏi chuẩn bị bài."))
    _enrolment(user, activity)
    _require_available(user, activity)
    questions = list(activity.questions.all())
    for q in questions:
        choice = answers.get(q.position)
        if choice is None:
            raise ValidationError(_("Câu %(n)s: chưa chọn đáp án.") % {"n": q.position})
        if not 0 <= choice < len(q.options):
            raise ValidationError(_("Câu %(n)s: đáp án không hợp lệ.") % {"n": q.position})
    if not questions:
        raise ValidationError(_("Bài chưa có câu hỏi."))
    with transaction.atomic():
        QuizAnswer.objects.filter(question__activity=activity, user=user).delete()
        QuizAnswer.objects.bulk_create(
            QuizAnswer(
                question=q,
                user=user,
                choice=answers[q.position],
                correct=answers[q.position] == q.correct,
            )
            for q in questions
        )
        right = sum(answers[q.position] == q.correct for q in questions)
        prog = _progress(user, activity)
        prog.score = round1(Decimal(right) * 10 / len(questions))
        prog.first_viewed_at = prog.first_viewed_at or timezone.now()
        prog.passed = activity.pass_score is None or prog.score >= activity.pass_score
        prog.save()
        audit.record(
            "quiz.answer", activity, actor=user, after={"score": prog.score, "right": right}
        )
        xapi.record(user, "answered", activity, score=prog.score, success=prog.passed)
        return _settle(user, activity, prog)


# --- Flipped lessons -------------------------------------------------------------------------


def create_flipped_lesson(
    actor: Any, course: Course, *, title: str, class_starts_at: Any
) -> FlippedLesson:
    if not access.can_manage_course(actor, course):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError(_("Cần nhập tên bài học."))
    with transaction.atomic():
        lesson = FlippedLesson.objects.create(
            course=course, title=title.strip(), class_starts_at=class_starts_at
        )
        structure.forget(course.pk)
        audit.record("lesson.create", lesson, actor=actor, after=audit.snapshot(lesson))
    return lesson


# --- Teacher professional development --------------------------------------------------------


def enrol_self(user: Any, course: Course) -> CourseEnrolment:
    """A teacher joins an open PD course from the catalogue."""
    if course.kind != Course.Kind.PD or not course.self_enrol:
        raise ValidationError(_("Khoá học này không cho tự đăng ký."))
    if not permissions.has_role(user, permissions.STAFF_ROLES):
        raise PermissionDenied
    # The catalogue of a department or office is open to the staff of every school below it.
    staff_paths = [
        p for role in permissions.STAFF_ROLES for p in permissions.role_paths(user).get(role, ())
    ]
    if not any(p.startswith(course.organisation.path) for p in staff_paths):
        raise PermissionDenied
    with transaction.atomic():
        enrolment, created = CourseEnrolment.objects.get_or_create(
            course=course, user=user, defaults={"source": CourseEnrolment.Source.SELF}
        )
        if created:
            audit.record("course.enrol", enrolment, actor=user, after=audit.snapshot(enrolment))
            xapi.record_course(user, course, "registered")
    return enrolment


def assign_cohort(actor: Any, course: Course, teachers: list[Any]) -> int:
    """A school or department admin assigns teachers to a PD course; returns how many joined."""
    if course.kind != Course.Kind.PD:
        raise ValidationError(_("Chỉ phân công giáo viên vào khoá bồi dưỡng."))
    added = 0
    with transaction.atomic():
        for teacher in teachers:
            schools = Membership.objects.filter(user=teacher, role=Role.TEACHER).select_related(
                "organisation"
            )
            if not any(permissions.can_manage_school(actor, m.organisation) for m in schools):
                raise PermissionDenied
            _enrolment, created = CourseEnrolment.objects.get_or_create(
                course=course, user=teacher, defaults={"source": CourseEnrolment.Source.COHORT}
            )
            added += created
        audit.record(
            "course.assign_cohort",
            course,
            actor=actor,
            after={"teachers": [t.pk for t in teachers]},
        )
    return added


def set_pd_target(actor: Any, *, teacher: Any, school_year: SchoolYear, periods: int) -> PdTarget:
    schools = Membership.objects.filter(user=teacher, role=Role.TEACHER).select_related(
        "organisation"
    )
    if not any(permissions.can_manage_school(actor, m.organisation) for m in schools):
        raise PermissionDenied
    if not 0 < periods <= 1000:
        raise ValidationError(_("Số tiết bồi dưỡng phải từ 1 đến 1000."))
    with transaction.atomic():
        target = PdTarget.objects.filter(teacher=teacher, school_year=school_year).first()
        before = audit.snapshot(target, ["periods"]) if target else None
        target, _created = PdTarget.objects.update_or_create(
            teacher=teacher, school_year=school_year, defaults={"periods": periods}
        )
        audit.record(
            "pd_target.set", target, actor=actor, before=before, after={"periods": periods}
        )
    return target


def issue_certificate(enrolment: CourseEnrolment) -> Certificate:
    """The completion certificate of a finished PD course (idempotent)."""
    if enrolment.course.kind != Course.Kind.PD or enrolment.completed_at is None:
        raise ValidationError(_("Chỉ cấp chứng nhận khi đã hoàn thành khoá bồi dưỡng."))
    with transaction.atomic():
        certificate, created = Certificate.objects.select_for_update().get_or_create(
            enrolment=enrolment, defaults={"periods": enrolment.course.pd_periods}
        )
        if created or not certificate.pdf:
            certificates.attach_pdf(certificate)
            audit.record(
                "certificate.issue",
                certificate,
                actor=None,
                after={
                    "enrolment": enrolment.pk,
                    "periods": certificate.periods,
                    "signed": certificate.signed,
                },
            )
    return certificate


# --- Notifications ---------------------------------------------------------------------------


def send_activity_notices(now: Any) -> int:
    """Queue the due-soon and test-opened notices that are owed; returns how many activities."""
    sent = 0
    due_soon = Activity.objects.filter(
        kind=Activity.Kind.ASSIGNMENT,
        due_at__gt=now,
        due_at__lte=now + timedelta(days=1),
        due_notified_at__isnull=True,
    ).select_related("module__course")
    for activity in due_soon:
        with transaction.atomic():
            if not Activity.objects.filter(pk=activity.pk, due_notified_at__isnull=True).update(
                due_notified_at=now
            ):
                continue  # another worker took it
            submitted = set(activity.submissions.values_list("student_id", flat=True))
            notify.assignment_due(
                activity, [u for u in notify.learners_of(activity) if u not in submitted]
            )
            sent += 1
    opened = (
        Activity.objects.filter(kind=Activity.Kind.TEST, open_notified_at__isnull=True)
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
        .exclude(available_until__lt=now)
    )
    for activity in opened.select_related("module__course"):
        with transaction.atomic():
            if not Activity.objects.filter(pk=activity.pk, open_notified_at__isnull=True).update(
                open_notified_at=now
            ):
                continue
            notify.test_opened(activity, notify.learners_of(activity))
            sent += 1
    return sent
