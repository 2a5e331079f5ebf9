"""Progress dashboards: per student and per course, with small server-rendered SVG charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from core.api import name_sort_key

from .grading import round1
from .models import Activity, Course, Progress

CHART_W, CHART_H = 320, 100


@dataclass
class Chart:
    """A line chart as an SVG polyline: points already scaled to the chart box."""

    points: str
    labels: list[str] = field(default_factory=list)
    maximum: int = 0
    width: int = CHART_W
    height: int = CHART_H


def line_chart(values: list[tuple[str, float]], maximum: float | None = None) -> Chart:
    if not values:
        return Chart("", [], 0)
    top = maximum or max(v for _, v in values) or 1
    step = CHART_W / max(len(values) - 1, 1)
    pts = " ".join(
        f"{round(i * step, 1)},{round(CHART_H - (v / top) * CHART_H, 1)}"
        for i, (_, v) in enumerate(values)
    )
    return Chart(pts, [label for label, _ in values], int(top))


@dataclass
class StudentDashboard:
    course: Course
    percent: int
    completed: int
    total: int
    minutes: int
    average_score: Decimal | None
    completion_chart: Chart
    scores: list[tuple[str, Decimal]]


def completion_over_time(
    user_ids: list[int], course: Course, days: int = 14
) -> list[tuple[str, float]]:
    """Completed activities per day (cumulative) over the last `days` days."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    done = Progress.objects.filter(
        user_id__in=user_ids, activity__module__course=course, completed_at__isnull=False
    ).values_list("completed_at", flat=True)
    per_day: dict[dt.date, int] = {}
    before = 0
    for at in done:
        day = timezone.localtime(at).date()
        if day < start:
            before += 1
        else:
            per_day[day] = per_day.get(day, 0) + 1
    running = before
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        running += per_day.get(day, 0)
        out.append((day.strftime("%d/%m"), float(running)))
    return out


def student_dashboard(user: Any, course: Course) -> StudentDashboard:
    total = Activity.objects.filter(module__course=course).count()
    mine = Progress.objects.filter(user=user, activity__module__course=course)
    agg = mine.aggregate(
        done=Count("pk", filter=Q(completed_at__isnull=False)),
        seconds=Sum("seconds"),
        avg=Avg("score"),
    )
    scores = [
        (p.activity.title, p.score)
        for p in mine.filter(score__isnull=False)
        .select_related("activity")
        .order_by("activity__position")
        if p.score is not None
    ]
    return StudentDashboard(
        course,
        round(100 * agg["done"] / total) if total else 0,
        agg["done"],
        total,
        (agg["seconds"] or 0) // 60,
        round1(Decimal(agg["avg"])) if agg["avg"] is not None else None,
        line_chart(completion_over_time([user.pk], course), maximum=max(total, 1)),
        scores,
    )


@dataclass
class ClassRow:
    student_id: int
    full_name: str
    completed: int
    percent: int
    minutes: int
    average_score: Decimal | None


def class_rows(course: Course) -> list[ClassRow]:
    total = Activity.objects.filter(module__course=course).count()
    learners = {e.user_id: e.user for e in course.enrolments.select_related("user")}
    stats: dict[int, dict[str, Any]] = {
        row["user_id"]: dict(row)
        for row in Progress.objects.filter(activity__module__course=course, user_id__in=learners)
        .values("user_id")
        .annotate(
            done=Count("pk", filter=Q(completed_at__isnull=False)),
            seconds=Sum("seconds"),
            avg=Avg("score"),
        )
    }
    rows = []
    for uid, user in learners.items():
        s = stats.get(uid, {})
        done = s.get("done", 0)
        avg = s.get("avg")
        rows.append(
            ClassRow(
                uid,
                user.full_name,
                done,
                round(100 * done / total) if total else 0,
                (s.get("seconds") or 0) // 60,
                round1(Decimal(avg)) if avg is not None else None,
            )
        )
    rows.sort(key=lambda r: name_sort_key(r.full_name))
    return rows
