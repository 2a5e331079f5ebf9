"""Turning authoring input (a page form or a JSON body) into `services.add_activity` arguments.

Both the teacher's page and the JSON API send the same flat fields; ids of lessons, prerequisites
and semesters are looked up inside the course (or the class's school year), so an id from another
course or school is simply "not found" (404), never a leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.api import Semester, TeachingAssignment

from .models import Activity, Course, FlippedLesson, Module

# Every column a class activity may feed; the book itself checks the regular-score count.
GRADE_COLUMNS = ("tx1", "tx2", "tx3", "tx4", "gk", "ck")


@dataclass
class ActivityInput:
    kind: str
    title: str
    rule: str
    body: str = ""
    ref_id: str = ""
    pass_score: str | None = None
    available_from: dt.datetime | None = None
    available_until: dt.datetime | None = None
    due_at: dt.datetime | None = None
    rubric: list[dict[str, Any]] | None = None
    resubmission: bool = True
    live_url: str = ""
    starts_at: dt.datetime | None = None
    lesson_id: int | None = None
    phase: str = ""
    prerequisite_ids: list[int] | None = None
    grade_column: str = ""
    grade_semester_id: int | None = None


def when(raw: str | None, label: str) -> dt.datetime | None:
    """A datetime from a form field ("2026-12-01T07:30", local time) or None when empty."""
    if not raw or not raw.strip():
        return None
    value = parse_datetime(raw.strip())
    if value is None:
        raise ValidationError(
            _("%(field)s: thời gian “%(raw)s” không hợp lệ.") % {"field": label, "raw": raw}
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def rubric_from_lines(text: str) -> list[dict[str, Any]]:
    """One criterion a line: "Nội dung | 6" (name, bar, maximum points)."""
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _sep, top = line.rpartition("|")
        if not name.strip():
            raise ValidationError(
                _("Thang chấm, dòng %(n)s: viết “tên tiêu chí | điểm tối đa”.") % {"n": n}
            )
        rows.append({"criterion": name.strip(), "max": top.strip()})
    return rows


def from_form(post: Any) -> ActivityInput:
    def opt_int(name: str) -> int | None:
        raw = (post.get(name) or "").strip()
        return int(raw) if raw.isdigit() else None

    return ActivityInput(
        kind=post.get("kind", ""),
        title=post.get("title", ""),
        rule=post.get("rule", ""),
        body=post.get("body", ""),
        ref_id=(post.get("ref_id") or "").strip(),
        pass_score=(post.get("pass_score") or "").strip() or None,
        available_from=when(post.get("available_from"), _("Mở từ")),
        available_until=when(post.get("available_until"), _("Đóng lúc")),
        due_at=when(post.get("due_at"), _("Hạn nộp")),
        rubric=rubric_from_lines(post.get("rubric", "")),
        resubmission=post.get("resubmission") == "on",
        live_url=(post.get("live_url") or "").strip(),
        starts_at=when(post.get("starts_at"), _("Bắt đầu lúc")),
        lesson_id=opt_int("lesson"),
        phase=post.get("phase", ""),
        prerequisite_ids=[int(v) for v in post.getlist("prerequisites") if v.isdigit()],
        grade_column=post.get("grade_column", ""),
        grade_semester_id=opt_int("grade_semester"),
    )


def service_kwargs(module: Module, data: ActivityInput) -> dict[str, Any]:
    """Keyword arguments of `services.add_activity`, ids resolved within the course."""
    course = module.course
    lesson = None
    if data.lesson_id is not None:
        lesson = FlippedLesson.objects.filter(pk=data.lesson_id, course=course).first()
        if lesson is None:
            raise Http404
    prerequisites = list(
        Activity.objects.filter(pk__in=data.prerequisite_ids or [], module__course=course)
    )
    if len(prerequisites) != len(set(data.prerequisite_ids or [])):
        raise Http404
    semester = None
    if data.grade_semester_id is not None:
        semester = Semester.objects.filter(pk=data.grade_semester_id).first()
        if semester is None:
            raise Http404
    fields: dict[str, Any] = {
        "kind": data.kind,
        "title": data.title,
        "rule": data.rule,
        "body": data.body,
        "ref_id": data.ref_id,
        "pass_score": data.pass_score,
        "available_from": data.available_from,
        "available_until": data.available_until,
        "due_at": data.due_at,
        "rubric": data.rubric or [],
        "resubmission": data.resubmission,
        "live_url": data.live_url,
        "starts_at": data.starts_at,
        "lesson": lesson,
        "phase": data.phase,
        "prerequisites": prerequisites,
        "grade_column": data.grade_column,
        "grade_semester": semester,
    }
    return fields


def teachable(user: Any) -> list[Any]:
    """(class, subject) pairs the teacher teaches this year: what a class course is made from."""
    return list(
        TeachingAssignment.objects.filter(teacher=user)
        .select_related("school_class", "subject")
        .order_by("school_class__name", "subject__name")
    )


def semesters_of(course: Course) -> list[Any]:
    if course.school_class is None:
        return []
    return list(
        Semester.objects.filter(school_year_id=course.school_class.school_year_id).order_by(
            "number"
        )
    )
