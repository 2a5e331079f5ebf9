"""Completion rules and availability: when an activity, and a course, count as done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Activity, Attendance, Course, Post, Progress, Submission


def rule_met(activity: Activity, prog: Progress) -> bool:
    rule = activity.rule
    if rule == Activity.Rule.VIEWED:
        if activity.kind == Activity.Kind.LIVE:
            return Attendance.objects.filter(activity=activity, user_id=prog.user_id).exists()
        return prog.first_viewed_at is not None
    if rule == Activity.Rule.SCORE:
        if activity.kind == Activity.Kind.CONTENT and not prog.package_completed:
            return False
        return (
            prog.score is not None
            and activity.pass_score is not None
            and prog.score >= activity.pass_score
        )
    if rule == Activity.Rule.PASSED:
        return prog.passed
    if rule == Activity.Rule.SUBMITTED:
        if activity.kind == Activity.Kind.ASSIGNMENT:
            return Submission.objects.filter(activity=activity, student_id=prog.user_id).exists()
        if activity.kind == Activity.Kind.DISCUSSION:
            return Post.objects.filter(activity=activity, author_id=prog.user_id).exists()
        return prog.score is not None  # a quiz: answered
    if rule == Activity.Rule.GRADED:
        latest = Submission.objects.filter(activity=activity, student_id=prog.user_id).first()
        return latest is not None and latest.graded_at is not None
    return False


def completed_ids(user: Any, course: Course) -> set[int]:
    return set(
        Progress.objects.filter(
            user=user,
            activity__module__course=course,
            activity__archived_at__isnull=True,
            completed_at__isnull=False,
        ).values_list("activity_id", flat=True)
    )


def completed_in_course(user: Any, course_id: int) -> frozenset[int]:
    """The learner's completed activities of the course: one indexed query, no outline needed."""
    return frozenset(
        Progress.objects.filter(
            user=user,
            activity__module__course_id=course_id,
            activity__archived_at__isnull=True,
            completed_at__isnull=False,
        ).values_list("activity_id", flat=True)
    )


def course_complete(user: Any, course: Course) -> bool:
    all_ids = set(Activity.objects.filter(module__course=course).values_list("pk", flat=True))
    return bool(all_ids) and all_ids <= completed_ids(user, course)


def unavailable_reason(user: Any, activity: Activity, now: dt.datetime) -> str:
    """Why the learner cannot open the activity yet (or any more); "" when they can."""
    if activity.available_from and now < activity.available_from:
        return _("Hoạt động mở từ %(at)s.") % {
            "at": date_format(activity.available_from, "DATETIME_FORMAT")
        }
    if activity.available_until and now > activity.available_until:
        return _("Hoạt động đã đóng.")
    needed = list(activity.prerequisites.all())
    if needed:
        done = set(
            Progress.objects.filter(
                user=user, activity__in=needed, completed_at__isnull=False
            ).values_list("activity_id", flat=True)
        )
        missing = [a.title for a in needed if a.pk not in done]
        if missing:
            return _("Cần hoàn thành trước: %(list)s.") % {"list": ", ".join(missing)}
    return ""


def course_percent(user: Any, course: Course) -> int:
    total = Activity.objects.filter(module__course=course).count()
    if not total:
        return 0
    return round(100 * len(completed_ids(user, course)) / total)
