"""Teacher professional development: hours earned toward the yearly target, and who is behind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from core.api import Membership, Organisation, Role, SchoolYear, name_sort_key

from .models import Course, CourseEnrolment, PdTarget


def default_target() -> int:
    return int(getattr(settings, "LMS_PD_DEFAULT_TARGET", 120))


def target_for(teacher: Any, school_year: SchoolYear) -> int:
    own = PdTarget.objects.filter(teacher=teacher, school_year=school_year).first()
    return own.periods if own else default_target()


def _in_year(school_year: SchoolYear) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(school_year.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(school_year.end, dt.time.max, tzinfo=tz)
    return start, end


def hours_for(teacher: Any, school_year: SchoolYear) -> int:
    """PD periods of the courses the teacher completed during the school year."""
    start, end = _in_year(school_year)
    total = CourseEnrolment.objects.filter(
        user=teacher,
        course__kind=Course.Kind.PD,
        completed_at__gte=start,
        completed_at__lte=end,
    ).aggregate(total=Sum("course__pd_periods"))["total"]
    return int(total or 0)


@dataclass
class TeacherPd:
    teacher_id: int
    full_name: str
    username: str
    hours: int
    target: int
    expected_by_now: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.hours / self.target)) if self.target else 100

    @property
    def behind(self) -> bool:
        return self.hours < self.expected_by_now


def expected_by(target: int, school_year: SchoolYear, today: dt.date) -> int:
    """The share of the target due by `today` if PD were spread evenly over the school year."""
    days = (school_year.end - school_year.start).days or 1
    elapsed = min(max((today - school_year.start).days, 0), days)
    return target * elapsed // days


def school_report(school: Organisation, school_year: SchoolYear, today: dt.date) -> list[TeacherPd]:
    """Every teacher of the school with hours, target and whether they are behind; the ones
    furthest behind come first."""
    teachers = {
        m.user.pk: m.user
        for m in Membership.objects.filter(organisation=school, role=Role.TEACHER).select_related(
            "user"
        )
    }
    start, end = _in_year(school_year)
    hours = dict(
        CourseEnrolment.objects.filter(
            user_id__in=teachers,
            course__kind=Course.Kind.PD,
            completed_at__gte=start,
            completed_at__lte=end,
        )
        .values("user_id")
        .annotate(total=Sum("course__pd_periods"))
        .values_list("user_id", "total")
    )
    targets = dict(
        PdTarget.objects.filter(teacher_id__in=teachers, school_year=school_year).values_list(
            "teacher_id", "periods"
        )
    )
    rows = []
    for tid, teacher in teachers.items():
        target = targets.get(tid, default_target())
        rows.append(
            TeacherPd(
                tid,
                teacher.full_name,
                teacher.username,
                int(hours.get(tid) or 0),
                target,
                expected_by(target, school_year, today),
            )
        )
    rows.sort(key=lambda r: (not r.behind, r.hours - r.expected_by_now, name_sort_key(r.full_name)))
    return rows
