"""HTTP API for teachers: build tests (items, blueprint), generate, make versions, assign to a
class or group, grade, regrade after a key correction, read results and item analysis.

The same services and permission rules as the pages: other schools' tests, assignments and
groups answer 404; students reach none of these routes (404).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from core.api import User, record_personal_data_views
from question_bank.api import ItemVersion, approved_items, search_approved_items

from . import analysis, builder, grading, services
from .models import Regrade, ResultPolicy, StudentGroup, TestItem
from .permissions import (
    assignable_classes,
    assignment_or_404,
    is_staff,
    results_visible_assignment_ids,
    staff_school,
    test_or_404,
    visible_tests,
)
from .services import CellSpec

router = Router(tags=["assessment: teachers"])


def _staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404


class TestIn(Schema):
    title: str
    exam_name: str = ""
    subject: str | None = None  # subject code, e.g. TOAN
    grade: int | None = None
    duration_minutes: int = 45
    rounding: str = "0.25"
    parts: list[str] | None = None


class TestPatch(Schema):
    title: str | None = None
    exam_name: str | None = None
    grade: int | None = None
    duration_minutes: int | None = None
    rounding: str | None = None


class TestSummary(Schema):
    id: int
    title: str
    subject: str | None
    grade: int | None
    duration_minutes: int


class TestItemOut(Schema):
    id: int
    order: int
    item_version: int
    type: str
    points: str
    fixed_position: bool
    group: str
    from_blueprint: bool


class CellOut(Schema):
    part: int
    topic: int | None
    level: str
    item_type: str
    count: int
    points_each: str


class PartOut(Schema):
    id: int
    order: int
    title: str
    items: list[TestItemOut]


class TestOut(TestSummary):
    exam_name: str
    rounding: str
    parts: list[PartOut]
    cells: list[CellOut]
    versions: list[str]


def _test_out(test: Any) -> dict[str, Any]:
    parts = []
    for part, rows in builder.outline(test):
        parts.append(
            {
                "id": part.pk,
                "order": part.order,
                "title": part.title,
                "items": [
                    {
                        "id": r.test_item.pk,
                        "order": r.test_item.order,
                        "item_version": r.test_item.item_version_id,
                        "type": r.content.type.value,
                        "points": str(r.test_item.points_decimal),
                        "fixed_position": r.test_item.fixed_position,
                        "group": r.test_item.group,
                        "from_blueprint": r.test_item.cell_id is not None,
                    }
                    for r in rows
                ],
            }
        )
    from .models import BlueprintCell

    cells = BlueprintCell.objects.filter(part__test=test).order_by("part__order", "pk")
    return {
        "id": test.pk,
        "title": test.title,
        "exam_name": test.exam_name,
        "subject": test.subject.code if test.subject else None,
        "grade": test.grade,
        "duration_minutes": test.duration_minutes,
        "rounding": test.rounding,
        "parts": parts,
        "cells": [
            {
                "part": c.part_id,
                "topic": c.topic_id,
                "level": c.level,
                "item_type": c.item_type,
                "count": c.count,
                "points_each": str(Decimal(c.points_each).normalize()),
            }
            for c in cells
        ],
        "versions": list(test.versions.order_by("code").values_list("code", flat=True)),
    }


@router.get("/tests", response=list[TestSummary], summary="Tests I may build (my school's)")
def list_tests(request: HttpRequest) -> list[dict[str, Any]]:
    _staff(request)
    return [
        {
            "id": t.pk,
            "title": t.title,
            "subject": t.subject.code if t.subject else None,
            "grade": t.grade,
            "duration_minutes": t.duration_minutes,
        }
        for t in visible_tests(request.user).select_related("subject").order_by("-created")[:500]
    ]


@router.post("/tests", response={201: TestOut}, summary="Create a test (PHẦN I/II/III by default)")
def create_test(request: HttpRequest, payload: TestIn) -> tuple[int, dict[str, Any]]:
    _staff(request)
    from core.api import Subject

    subject = None
    if payload.subject:
        subject = Subject.objects.filter(code=payload.subject).first()
        if subject is None:
            raise ValidationError(_("Không có môn học mã “%(c)s”.") % {"c": payload.subject})
    test = services.create_test(
        request.user,
        title=payload.title,
        exam_name=payload.exam_name,
        subject=subject,
        grade=payload.grade,
        duration_minutes=payload.duration_minutes,
        rounding=payload.rounding,
        parts=payload.parts,
        school=staff_school(request.user),
    )
    return 201, _test_out(test)


@router.get("/tests/{test_id}", response=TestOut, summary="A test with its parts, items, cells")
def get_test(request: HttpRequest, test_id: int) -> dict[str, Any]:
    return _test_out(test_or_404(request.user, test_id))


@router.patch("/tests/{test_id}", response=TestOut, summary="Change a test's header fields")
def patch_test(request: HttpRequest, test_id: int, payload: TestPatch) -> dict[str, Any]:
    test = test_or_404(request.user, test_id)
    fields = {k: v for k, v in payload.dict().items() if v is not None}
    services.update_test(request.user, test, **fields)
    return _test_out(test)


class BankItemOut(Schema):
    item: int
    item_version: int
    type: str
    level: str
    topic: str | None
    stem_html: str


@router.get(
    "/tests/{test_id}/bank",
    response=list[BankItemOut],
    summary="Approved bank items for this test's subject and grade (words, level, type)",
)
def bank(
    request: HttpRequest,
    test_id: int,
    q: str = "",
    level: str = "",
    type: str = "",
    prefix: bool = Query(
        False,
        description="Search-as-you-type: the last word of q also matches the words it begins.",
    ),
) -> list[dict[str, Any]]:
    test = test_or_404(request.user, test_id)
    filters = {
        "subject": test.subject.code if test.subject else "",
        "grade": test.grade,
        "level": level,
        "type": type,
    }
    return [
        {
            "item": i.pk,
            "item_version": i.current_version_id,
            "type": i.type,
            "level": i.level,
            "topic": i.topic.title if i.topic else None,
            "stem_html": _stem(i),
        }
        for i in search_approved_items(request.user, q, filters, limit=50, prefix=prefix)
    ]


def _stem(item: Any) -> str:
    version = item.current_version
    return str((version.content or {}).get("stem_html", "")) if version else ""


class AddItemIn(Schema):
    part: int
    item_version: int
    points: Decimal | None = None
    fixed_position: bool = False


@router.post("/tests/{test_id}/items", response={201: TestOut}, summary="Add a fixed bank item")
def add_item(request: HttpRequest, test_id: int, payload: AddItemIn) -> tuple[int, dict[str, Any]]:
    test = test_or_404(request.user, test_id)
    part = get_object_or_404(test.parts, pk=payload.part)
    version = ItemVersion.objects.select_related("item").filter(pk=payload.item_version).first()
    if version is None or not approved_items(user=request.user).filter(pk=version.item_id).exists():
        raise Http404
    services.add_item(
        request.user,
        part,
        version,
        points=payload.points,
        fixed_position=payload.fixed_position,
    )
    return 201, _test_out(test)


@router.delete("/tests/{test_id}/items/{item_id}", response={204: None}, summary="Remove an item")
def remove_item(request: HttpRequest, test_id: int, item_id: int) -> tuple[int, None]:
    test = test_or_404(request.user, test_id)
    services.remove_item(request.user, get_object_or_404(TestItem, pk=item_id, part__test=test))
    return 204, None


class CellIn(Schema):
    part: int
    item_type: str
    count: int
    points_each: Decimal | None = None
    topic: int | None = None
    level: str = ""


class BlueprintIn(Schema):
    cells: list[CellIn]


@router.put("/tests/{test_id}/blueprint", response=TestOut, summary="Replace the blueprint")
def put_blueprint(request: HttpRequest, test_id: int, payload: BlueprintIn) -> dict[str, Any]:
    test = test_or_404(request.user, test_id)
    code = builder.subject_code(test)
    from .scoring import default_points

    specs = []
    for cell in payload.cells:
        if cell.item_type not in builder.TYPE_LABELS:
            raise ValidationError(_("Dạng câu hỏi không hợp lệ: %(t)s") % {"t": cell.item_type})
        specs.append(
            CellSpec(
                cell.part,
                cell.item_type,
                cell.count,
                cell.points_each
                if cell.points_each is not None
                else default_points(cell.item_type, code),
                cell.topic,
                cell.level,
            )
        )
    services.save_blueprint(request.user, test, specs)
    return _test_out(test)


class GenerateIn(Schema):
    seed: str = "0"


class ShortfallOut(Schema):
    part: str
    topic: str
    level: str
    item_type: str
    needed: int
    available: int
    missing: int


class ShortfallsOut(Schema):
    detail: list[str]
    shortfalls: list[ShortfallOut]


@router.post(
    "/tests/{test_id}/generate",
    response={200: TestOut, 422: ShortfallsOut},
    summary="Draw the blueprint from the bank; 422 lists every short cell",
)
def generate(request: HttpRequest, test_id: int, payload: GenerateIn) -> Any:
    test = test_or_404(request.user, test_id)
    try:
        services.generate_from_blueprint(request.user, test, seed=payload.seed)
    except services.BlueprintShortfall as exc:
        return 422, {
            "detail": exc.messages,
            "shortfalls": [s.as_dict() for s in exc.shortfalls],
        }
    return 200, _test_out(test)


class VersionsIn(Schema):
    count: int | None = None
    codes: list[str] | None = None
    seed: str = "0"


class VersionItemOut(Schema):
    position: int
    item_version: str
    key: Any = None


class VersionOut(Schema):
    code: str
    items: list[VersionItemOut]


class VersionsOut(Schema):
    test: int
    versions: list[VersionOut]


@router.post(
    "/tests/{test_id}/versions",
    response=VersionsOut,
    summary="Make N versions (mã đề) with their keys; same seed, same versions",
)
def make_versions(request: HttpRequest, test_id: int, payload: VersionsIn) -> dict[str, Any]:
    test = test_or_404(request.user, test_id)
    count = len(payload.codes) if payload.codes else (payload.count or 0)
    if not 1 <= count <= 99:
        raise ValidationError(_("Số mã đề phải từ 1 đến 99."))
    versions = services.make_versions(
        request.user, test, count=count, seed=payload.seed, codes=payload.codes
    )
    return {"test": test.pk, "versions": services.versions_json(versions)}


class AssignIn(Schema):
    school_class: int | None = None
    group: int | None = None
    opens: dt.datetime
    closes: dt.datetime
    time_limit_minutes: int
    max_attempts: int = 1
    shuffle_per_student: bool = True
    result_policy: str = ResultPolicy.AFTER_CLOSE
    show_correct_answers: bool = False
    blind_grading: bool = False


class AssignmentOut(Schema):
    id: int
    test: int
    school_class: int
    group: int | None
    opens: dt.datetime
    closes: dt.datetime
    time_limit_minutes: int
    max_attempts: int
    shuffle_per_student: bool
    result_policy: str
    show_correct_answers: bool
    blind_grading: bool


@router.post(
    "/tests/{test_id}/assignments",
    response={201: AssignmentOut},
    summary="Give the test to a class or to a group of it",
)
def assign(request: HttpRequest, test_id: int, payload: AssignIn) -> tuple[int, Any]:
    test = test_or_404(request.user, test_id)
    classes = assignable_classes(request.user)
    group = None
    if payload.group is not None:
        group = get_object_or_404(
            StudentGroup.objects.select_related("school_class"),
            pk=payload.group,
            school_class__in=classes,
        )
        school_class = group.school_class
    elif payload.school_class is not None:
        school_class = get_object_or_404(classes, pk=payload.school_class)
    else:
        raise ValidationError(_("Hãy chọn lớp hoặc nhóm."))
    if payload.result_policy not in ResultPolicy.values:
        raise ValidationError(_("Cách công bố kết quả không hợp lệ."))
    assignment = services.assign_test(
        request.user,
        test,
        school_class,
        group=group,
        opens=payload.opens,
        closes=payload.closes,
        time_limit_minutes=payload.time_limit_minutes,
        max_attempts=payload.max_attempts,
        shuffle_per_student=payload.shuffle_per_student,
        result_policy=payload.result_policy,
        show_correct_answers=payload.show_correct_answers,
        blind_grading=payload.blind_grading,
    )
    return 201, {
        "id": assignment.pk,
        "test": test.pk,
        "school_class": school_class.pk,
        "group": group.pk if group else None,
        "opens": assignment.opens,
        "closes": assignment.closes,
        "time_limit_minutes": assignment.time_limit_minutes,
        "max_attempts": assignment.max_attempts,
        "shuffle_per_student": assignment.shuffle_per_student,
        "result_policy": assignment.result_policy,
        "show_correct_answers": assignment.show_correct_answers,
        "blind_grading": assignment.blind_grading,
    }


class GroupIn(Schema):
    school_class: int
    name: str
    students: list[int]


class GroupOut(Schema):
    id: int
    school_class: int
    name: str
    students: list[int]


@router.post("/groups", response={201: GroupOut}, summary="A group: a subset of a class")
def create_group(request: HttpRequest, payload: GroupIn) -> tuple[int, dict[str, Any]]:
    _staff(request)
    school_class = get_object_or_404(assignable_classes(request.user), pk=payload.school_class)
    students = list(User.objects.filter(pk__in=payload.students))
    missing = set(payload.students) - {s.pk for s in students}
    if missing:
        raise ValidationError(_("Không có học sinh: %(ids)s") % {"ids": sorted(missing)})
    group = services.create_group(request.user, school_class, name=payload.name, students=students)
    return 201, {
        "id": group.pk,
        "school_class": school_class.pk,
        "name": group.name,
        "students": sorted(s.pk for s in students),
    }


class QueueRowOut(Schema):
    answer: int
    student: str
    position: int
    type: str
    points: str
    stem_html: str
    rubric_html: str
    response: Any = None
    auto_score: str | None
    manual_score: str | None
    comment: str
    rubric_scores: dict[str, Any]
    graded: bool


@router.get(
    "/assignments/{assignment_id}/grading",
    response=list[QueueRowOut],
    summary="Essays and short-text answers to grade (names hidden when blind)",
)
def grading_queue(
    request: HttpRequest, assignment_id: int, order: str = "item", pending: bool = False
) -> list[dict[str, Any]]:
    assignment = assignment_or_404(request.user, assignment_id)
    rows = grading.queue(
        assignment, order="student" if order == "student" else "item", pending_only=pending
    )
    return [r.as_dict() for r in rows]


class GradeIn(Schema):
    points: Decimal
    comment: str = ""
    rubric_scores: dict[str, Any] = {}


@router.post(
    "/assignments/{assignment_id}/answers/{answer_id}/grade",
    response=QueueRowOut,
    summary="Grade one answer (points within the item's, comment, rubric scores); audited",
)
def grade(
    request: HttpRequest, assignment_id: int, answer_id: int, payload: GradeIn
) -> dict[str, Any]:
    assignment = assignment_or_404(request.user, assignment_id)
    answer = grading.answer_in(assignment, answer_id)
    if answer is None:
        raise Http404
    services.grade_manually(
        request.user,
        answer,
        points=payload.points,
        comment=payload.comment,
        rubric_scores=payload.rubric_scores,
    )
    row = next(r for r in grading.queue(assignment) if r.answer == answer.pk)
    return row.as_dict()


class CorrectIn(Schema):
    version: int


class RegradeOut(Schema):
    attempt: int
    position: int
    before: str | None
    after: str | None
    total_before: str | None
    total_after: str | None


def _s(value: Any) -> str | None:
    return None if value is None else str(Decimal(value).normalize())


@router.post(
    "/tests/{test_id}/items/{item_id}/correct",
    response=list[RegradeOut],
    summary="Point an item at a corrected version and regrade; returns the before/after log",
)
def correct_item(
    request: HttpRequest, test_id: int, item_id: int, payload: CorrectIn
) -> list[dict[str, Any]]:
    test = test_or_404(request.user, test_id)
    test_item = get_object_or_404(
        TestItem.objects.select_related("item_version"), pk=item_id, part__test=test
    )
    version = get_object_or_404(
        ItemVersion, pk=payload.version, item_id=test_item.item_version.item_id
    )
    before = set(Regrade.objects.filter(test_item=test_item).values_list("pk", flat=True))
    services.correct_item(request.user, test_item, version)
    # Every class is regraded, but the log goes back only for the classes whose results the
    # caller may see.
    visible = results_visible_assignment_ids(request.user, test)
    return [
        {
            "attempt": r.attempt_id,
            "position": r.position,
            "before": _s(r.before),
            "after": _s(r.after),
            "total_before": _s(r.total_before),
            "total_after": _s(r.total_after),
        }
        for r in Regrade.objects.filter(test_item=test_item, attempt__assignment_id__in=visible)
        .exclude(pk__in=before)
        .order_by("attempt_id", "position")
    ]


class StudentResultOut(Schema):
    student: int
    name: str
    raw: str
    score: str
    ten: str


class ClassResultsOut(Schema):
    count: int
    mean: str | None
    median: str | None
    pass_rate: str | None
    histogram: list[int]
    students: list[StudentResultOut]


@router.get(
    "/assignments/{assignment_id}/results",
    response=ClassResultsOut,
    summary="Class results: mean, median, pass rate, histogram, each student",
)
def class_results(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    assignment = assignment_or_404(request.user, assignment_id)
    stats = analysis.class_stats(assignment)
    record_personal_data_views(
        request.user,
        [r.student_id for r in stats.students],
        _("Kết quả bài kiểm tra: %(t)s") % {"t": f"{assignment.test.title} (#{assignment.pk})"},
    )
    return {
        "count": stats.count,
        "mean": _s(stats.mean),
        "median": _s(stats.median),
        "pass_rate": _s(stats.pass_rate),
        "histogram": stats.histogram,
        "students": [
            {
                "student": r.student_id,
                "name": r.name,
                "raw": _s(r.raw),
                "score": str(r.score),
                "ten": str(r.ten),
            }
            for r in sorted(stats.students, key=lambda r: r.name)
        ],
    }


class ItemStatsOut(Schema):
    item_version: int
    responses: int
    facility: float
    point_biserial: float | None
    discrimination_27: float | None
    distractors: dict[str, int]


@router.get(
    "/assignments/{assignment_id}/item-analysis",
    response=list[ItemStatsOut],
    summary="Facility, discrimination and distractor counts per item version",
)
def item_analysis(request: HttpRequest, assignment_id: int) -> list[dict[str, Any]]:
    rows = analysis.item_analysis(assignment_or_404(request.user, assignment_id))
    return [{"item_version": v, **r} for v, r in sorted(rows.items())]
