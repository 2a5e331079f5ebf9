"""HTTP API handlers for the LMS: parse, call a service or a permission-filtered query, render."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema

from core.api import (
    Enrolment,
    SchoolClass,
    Semester,
    Subject,
    User,
    record_personal_data_views,
)

from . import access, authoring, services, xapi
from .gradebook import GradeBookReport, book_report
from .models import Activity, Course, FlippedLesson, GradeBook, Module, Statement

router = Router(tags=["lms"])


class AuthedRequest(HttpRequest):
    user: User


class BookOpenIn(Schema):
    school_class_id: int
    subject_id: int
    semester_id: int


class BookOut(Schema):
    id: int
    school_class_id: int
    subject_id: int
    semester_id: int
    status: str
    regular_count: int
    comment_only: bool
    primary: bool


class StudentRowOut(Schema):
    student_id: int
    full_name: str
    scores: dict[str, Decimal | None]
    marks: dict[str, str]
    average: Decimal | None
    comment_result: str | None
    primary_level: str | None


class ReportOut(Schema):
    book_id: int
    class_name: str
    subject_name: str
    semester_number: int
    school_year: str
    status: str
    columns: list[str]
    students: list[StudentRowOut]


class CellIn(Schema):
    student_id: int
    column: str
    value: str


class ReopenIn(Schema):
    reason: str


class MyGradeOut(Schema):
    book_id: int
    class_name: str
    subject_name: str
    semester_number: int
    school_year: str
    status: str
    scores: dict[str, Decimal | None]
    marks: dict[str, str]
    average: Decimal | None
    comment_result: str | None
    primary_level: str | None


def _visible_book(request: AuthedRequest, book_id: int) -> GradeBook:
    book = get_object_or_404(
        GradeBook.objects.select_related(
            "school_class__school", "subject", "semester__school_year"
        ),
        pk=book_id,
    )
    if not access.can_view_book(request.user, book):
        raise Http404
    return book


def _report_out(report: GradeBookReport) -> dict[str, object]:
    return {
        "book_id": report.book_id,
        "class_name": report.class_name,
        "subject_name": report.subject_name,
        "semester_number": report.semester_number,
        "school_year": report.school_year,
        "status": report.status,
        "columns": report.columns,
        "students": [vars(s) for s in report.students],
    }


@router.get("/grade-books", response=list[BookOut], summary="Grade books I may see")
def list_books(request: AuthedRequest) -> list[GradeBook]:
    return list(access.visible_books(request.user).order_by("pk"))


@router.post("/grade-books", response={201: BookOut}, summary="Open a class's grade book")
def open_book(request: AuthedRequest, payload: BookOpenIn) -> tuple[int, GradeBook]:
    school_class = get_object_or_404(SchoolClass, pk=payload.school_class_id)
    if not (
        access.teaches(request.user, school_class) or access.is_admin_of(request.user, school_class)
    ):
        raise Http404
    book = services.open_grade_book(
        request.user,
        school_class=school_class,
        subject=get_object_or_404(Subject, pk=payload.subject_id),
        semester=get_object_or_404(Semester, pk=payload.semester_id),
    )
    return 201, book


@router.get("/grade-books/{book_id}", response=ReportOut, summary="A grade book with averages")
def get_book(request: AuthedRequest, book_id: int) -> dict[str, object]:
    book = _visible_book(request, book_id)
    report = book_report(book)
    # Law 91/2025: log whose grades this caller saw (docs/privacy.md).
    record_personal_data_views(
        request.user,
        [row.student_id for row in report.students],
        _("Sổ điểm: %(book)s") % {"book": book},
    )
    return _report_out(report)


@router.put("/grade-books/{book_id}/cells", response=ReportOut, summary="Enter one score")
def put_cell(request: AuthedRequest, book_id: int, payload: CellIn) -> dict[str, object]:
    book = _visible_book(request, book_id)
    student = get_object_or_404(User, pk=payload.student_id)
    services.set_grade(
        request.user, book, student=student, column=payload.column, value=payload.value
    )
    return _report_out(book_report(book))


@router.post("/grade-books/{book_id}/submit", response=BookOut, summary="Submit for approval")
def submit_book(request: AuthedRequest, book_id: int) -> GradeBook:
    return services.submit_grade_book(request.user, _visible_book(request, book_id))


@router.post("/grade-books/{book_id}/approve", response=BookOut, summary="Approve and lock")
def approve_book(request: AuthedRequest, book_id: int) -> GradeBook:
    return services.approve_grade_book(request.user, _visible_book(request, book_id))


@router.post("/grade-books/{book_id}/reopen", response=BookOut, summary="Unlock for correction")
def reopen_book(request: AuthedRequest, book_id: int, payload: ReopenIn) -> GradeBook:
    return services.reopen_grade_book(
        request.user, _visible_book(request, book_id), reason=payload.reason
    )


@router.get("/me/grades", response=list[MyGradeOut], summary="My own scores (students)")
def my_grades(request: AuthedRequest) -> list[dict[str, object]]:
    class_ids = Enrolment.objects.filter(student=request.user).values_list(
        "school_class_id", flat=True
    )
    out: list[dict[str, object]] = []
    books = GradeBook.objects.filter(school_class_id__in=class_ids).select_related(
        "school_class", "subject", "semester__school_year"
    )
    for book in books.order_by("semester__school_year__start", "semester__number", "subject__name"):
        report = book_report(book)
        mine = [s for s in report.students if s.student_id == request.user.pk]
        if not mine:
            raise PermissionDenied
        row = mine[0]
        out.append(
            {
                "book_id": book.pk,
                "class_name": report.class_name,
                "subject_name": report.subject_name,
                "semester_number": report.semester_number,
                "school_year": report.school_year,
                "status": report.status,
                "scores": row.scores,
                "marks": row.marks,
                "average": row.average,
                "comment_result": row.comment_result,
                "primary_level": row.primary_level,
            }
        )
    return out


class StatementStored(Schema):
    id: str


@router.post(
    "/xapi/statements",
    response={200: StatementStored},
    summary="Store one xAPI statement about the signed-in learner (validated)",
)
def post_statement(request: AuthedRequest, payload: Body[dict[str, Any]]) -> dict[str, str]:
    account = (payload.get("actor") or {}).get("account") or {}
    if account.get("name") != request.user.username:
        raise PermissionDenied
    statement = xapi.store(request.user, payload)
    return {"id": str(statement.pk)}


class StatementOut(Schema):
    id: str
    verb: str
    object_id: str
    timestamp: str
    data: dict[str, Any]


@router.get("/xapi/statements", response=list[StatementOut], summary="My xAPI statements")
def get_statements(
    request: AuthedRequest, verb: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    qs = Statement.objects.filter(user=request.user)
    if verb:
        qs = qs.filter(verb=verb)
    return [
        {
            "id": str(s.pk),
            "verb": s.verb,
            "object_id": s.object_id,
            "timestamp": s.timestamp.isoformat(),
            "data": s.data,
        }
        for s in qs[: max(1, min(limit, 500))]
    ]


# --- Authoring: courses, modules, activities, flipped lessons ---------------------------------


class CourseIn(Schema):
    school_class_id: int
    subject_id: int
    title: str
    description: str = ""


class CourseOut(Schema):
    id: int
    kind: str
    title: str
    school_class_id: int | None
    subject_id: int | None


class ModuleIn(Schema):
    title: str


class ModuleOut(Schema):
    id: int
    course_id: int
    title: str
    position: int


class RubricRowIn(Schema):
    criterion: str
    max: Decimal


class ActivityIn(Schema):
    kind: str
    title: str
    rule: str
    body: str = ""
    ref_id: str = ""
    pass_score: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    due_at: datetime | None = None
    rubric: list[RubricRowIn] = []
    resubmission: bool = True
    live_url: str = ""
    starts_at: datetime | None = None
    lesson_id: int | None = None
    phase: str = ""
    prerequisite_ids: list[int] = []
    grade_column: str = ""
    grade_semester_id: int | None = None


class ActivityOut(Schema):
    id: int
    module_id: int
    kind: str
    title: str
    rule: str
    position: int
    ref_id: str
    due_at: datetime | None
    available_from: datetime | None
    available_until: datetime | None
    lesson_id: int | None
    phase: str
    grade_column: str
    grade_semester_id: int | None


class ActivityEditIn(ActivityIn):
    # Another module of the same course to move the activity to (at its end).
    module_id: int | None = None


class RemovedOut(Schema):
    outcome: str  # "deleted", or "archived" when learners had worked on it (work is kept)


class OrderIn(Schema):
    activity_ids: list[int]


class ModuleOrderIn(Schema):
    module_ids: list[int]


class LessonIn(Schema):
    title: str
    class_starts_at: datetime


class LessonOut(Schema):
    id: int
    course_id: int
    title: str
    class_starts_at: datetime


class OutlineModuleOut(Schema):
    id: int
    title: str
    activities: list[ActivityOut]


class ImportedOut(Schema):
    results: int


def _managed_course(request: AuthedRequest, course_id: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("school_class"), pk=course_id)
    if not access.can_manage_course(request.user, course):
        raise Http404
    return course


def _managed_module(request: AuthedRequest, module_id: int) -> Module:
    module = get_object_or_404(Module.objects.select_related("course__school_class"), pk=module_id)
    if not access.can_manage_course(request.user, module.course):
        raise Http404
    return module


@router.post("/courses", response={201: CourseOut}, summary="Create a class course from the roster")
def create_course(request: AuthedRequest, payload: CourseIn) -> tuple[int, Course]:
    school_class = get_object_or_404(SchoolClass, pk=payload.school_class_id)
    if not access.teaches(request.user, school_class, payload.subject_id):
        raise Http404
    course = services.create_course(
        request.user,
        kind=Course.Kind.CLASS,
        title=payload.title,
        description=payload.description,
        school_class=school_class,
        subject=get_object_or_404(Subject, pk=payload.subject_id),
    )
    return 201, course


@router.get(
    "/courses/{course_id}/outline",
    response=list[OutlineModuleOut],
    summary="Modules and activities",
)
def course_outline(request: AuthedRequest, course_id: int) -> list[dict[str, Any]]:
    course = _managed_course(request, course_id)
    return [
        {"id": m.pk, "title": m.title, "activities": list(m.activities.order_by("position", "pk"))}
        for m in course.modules.prefetch_related("activities")
    ]


@router.post("/courses/{course_id}/modules", response={201: ModuleOut}, summary="Add a module")
def create_module(request: AuthedRequest, course_id: int, payload: ModuleIn) -> tuple[int, Module]:
    return 201, services.add_module(
        request.user, _managed_course(request, course_id), title=payload.title
    )


@router.post(
    "/courses/{course_id}/lessons", response={201: LessonOut}, summary="Set up a flipped lesson"
)
def create_lesson(
    request: AuthedRequest, course_id: int, payload: LessonIn
) -> tuple[int, FlippedLesson]:
    return 201, services.create_flipped_lesson(
        request.user,
        _managed_course(request, course_id),
        title=payload.title,
        class_starts_at=payload.class_starts_at,
    )


@router.post(
    "/modules/{module_id}/activities", response={201: ActivityOut}, summary="Add an activity"
)
def create_activity(
    request: AuthedRequest, module_id: int, payload: ActivityIn
) -> tuple[int, Activity]:
    module = _managed_module(request, module_id)
    return 201, services.add_activity(
        request.user, module, **authoring.service_kwargs(module, _activity_input(payload))
    )


@router.put(
    "/modules/{module_id}/order",
    response=list[ActivityOut],
    summary="Reorder a module's activities",
)
def order_activities(request: AuthedRequest, module_id: int, payload: OrderIn) -> list[Activity]:
    return services.reorder_activities(
        request.user, _managed_module(request, module_id), payload.activity_ids
    )


def _managed_activity(request: AuthedRequest, activity_id: int) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("module__course__school_class"), pk=activity_id
    )
    if not access.can_manage_course(request.user, activity.module.course):
        raise Http404
    return activity


def _activity_input(payload: ActivityIn) -> authoring.ActivityInput:
    return authoring.ActivityInput(
        **{
            **payload.dict(exclude={"rubric", "module_id"}),
            "rubric": [{"criterion": r.criterion, "max": str(r.max)} for r in payload.rubric],
        }
    )


@router.put(
    "/activities/{activity_id}",
    response=ActivityOut,
    summary="Edit an activity (same rules as adding); module_id moves it to another module",
)
def update_activity(request: AuthedRequest, activity_id: int, payload: ActivityEditIn) -> Activity:
    activity = _managed_activity(request, activity_id)
    target = activity.module
    if payload.module_id is not None and payload.module_id != target.pk:
        target = get_object_or_404(
            Module.objects.select_related("course__school_class"),
            pk=payload.module_id,
            course_id=target.course_id,
        )
    return services.update_activity(
        request.user,
        activity,
        module=target,
        **authoring.service_kwargs(target, _activity_input(payload)),
    )


@router.delete(
    "/activities/{activity_id}",
    response=RemovedOut,
    summary="Remove an activity: deleted, or archived when learners have worked on it",
)
def remove_activity(request: AuthedRequest, activity_id: int) -> dict[str, str]:
    return {
        "outcome": services.remove_activity(request.user, _managed_activity(request, activity_id))
    }


@router.post(
    "/activities/{activity_id}/restore",
    response=ActivityOut,
    summary="Restore an archived activity at the end of its module (its work and grades kept)",
)
def restore_activity(request: AuthedRequest, activity_id: int) -> Activity:
    # Archived activities are hidden from Activity.objects; only their course's managers find one.
    activity = get_object_or_404(
        Activity.all_objects.select_related("module__course__school_class"), pk=activity_id
    )
    if not access.can_manage_course(request.user, activity.module.course):
        raise Http404
    return services.restore_activity(request.user, activity)


@router.put(
    "/courses/{course_id}/module-order",
    response=list[ModuleOut],
    summary="Reorder a course's modules",
)
def order_modules(request: AuthedRequest, course_id: int, payload: ModuleOrderIn) -> list[Module]:
    return services.reorder_modules(
        request.user, _managed_course(request, course_id), payload.module_ids
    )


@router.post(
    "/activities/{activity_id}/import-results",
    response=ImportedOut,
    summary="Pull released online-test results into progress and the grade book",
)
def import_results(request: AuthedRequest, activity_id: int) -> dict[str, int]:
    activity = _managed_activity(request, activity_id)
    return {"results": services.import_test_results(request.user, activity)}
