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


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass
class BarChart:
    """Vertical bars, already scaled to the chart box; labels go in a table beside it."""

    bars: list[Bar]
    maximum: float
    width: int = CHART_W
    height: int = CHART_H


def bar_chart(values: list[tuple[str, float]], maximum: float | None = None) -> BarChart:
    if not values:
        return BarChart([], 0)
    top = maximum or max(v for _, v in values) or 1
    slot = CHART_W / len(values)
    width = max(slot * 0.7, 1)
    bars = []
    for i, (label, value) in enumerate(values):
        h = round(CHART_H * min(value, top) / top, 1)
        shown = f"{value:g}"
        bars.append(
            Bar(
                round(i * slot + (slot - width) / 2, 1),
                round(CHART_H - h, 1),
                round(width, 1),
                h,
                label,
                shown,
            )
        )
    return BarChart(bars, top)


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
    score_chart: BarChart = field(default_factory=lambda: BarChart([], 0))
    time_chart: BarChart = field(default_factory=lambda: BarChart([], 0))


def completion_over_time(
    user_ids: list[int], course: Course, days: int = 14
) -> list[tuple[str, float]]:
    """Completed activities per day (cumulative) over the last `days` days."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    done = Progress.objects.filter(
        user_id__in=user_ids,
        activity__module__course=course,
        activity__archived_at__isnull=True,
        completed_at__isnull=False,
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
    mine = Progress.objects.filter(
        user=user, activity__module__course=course, activity__archived_at__isnull=True
    )
    agg = mine.aggregate(
        done=Count("pk", filter=Q(completed_at__isnull=False)),
        seconds=Sum("seconds"),
        avg=Avg("score"),
    )
    rows = list(
        mine.select_related("activity").order_by("activity__module__position", "activity__position")
    )
    scores = [(p.activity.title, p.score) for p in rows if p.score is not None]
    minutes = [(p.activity.title, round(p.seconds / 60, 1)) for p in rows if p.seconds]
    return StudentDashboard(
        course,
        round(100 * agg["done"] / total) if total else 0,
        agg["done"],
        total,
        (agg["seconds"] or 0) // 60,
        round1(Decimal(agg["avg"])) if agg["avg"] is not None else None,
        line_chart(completion_over_time([user.pk], course), maximum=max(total, 1)),
        scores,
        bar_chart([(t, float(v)) for t, v in scores], maximum=10),
        bar_chart(minutes),
    )


@dataclass
class ActivityStat:
    title: str
    completed: int
    average_score: Decimal | None
    average_minutes: float


def activity_stats(course: Course) -> list[ActivityStat]:
    """Per activity over the enrolled learners: how many completed, mean score, mean minutes."""
    learners = course.enrolments.values("user_id")
    agg: dict[int, dict[str, Any]] = {
        row["activity_id"]: dict(row)
        for row in Progress.objects.filter(
            activity__module__course=course,
            activity__archived_at__isnull=True,
            user_id__in=learners,
        )
        .values("activity_id")
        .annotate(
            done=Count("pk", filter=Q(completed_at__isnull=False)),
            avg=Avg("score"),
            secs=Avg("seconds"),
        )
    }
    out = []
    for a in Activity.objects.filter(module__course=course).order_by(
        "module__position", "position"
    ):
        row: dict[str, Any] = agg.get(a.pk, {})
        avg = row.get("avg")
        out.append(
            ActivityStat(
                a.title,
                row.get("done", 0),
                round1(Decimal(avg)) if avg is not None else None,
                round(float(row.get("secs") or 0) / 60, 1),
            )
        )
    return out


def class_charts(course: Course) -> dict[str, Any]:
    stats = activity_stats(course)
    return {
        "stats": stats,
        "score_chart": bar_chart(
            [(s.title, float(s.average_score)) for s in stats if s.average_score is not None],
            maximum=10,
        ),
        "time_chart": bar_chart([(s.title, s.average_minutes) for s in stats]),
    }


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
        for row in Progress.objects.filter(
            activity__module__course=course,
            activity__archived_at__isnull=True,
            user_id__in=learners,
        )
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
