"""Results of an assignment: class statistics and classical item analysis (pure computations on
submitted attempts), plus the Excel export."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.api import safe_cell, workbook_bytes

from .models import Answer, Assignment, Attempt
from .scoring import gradebook_value, round_total

PASS_MARK = Decimal(5)  # on the 10-point scale
GROUP_SHARE = 0.27


@dataclass
class StudentResult:
    student_id: int
    name: str
    raw: Decimal
    score: Decimal  # rounded as the test says
    ten: Decimal  # grade-book value, one decimal


@dataclass
class ClassStats:
    count: int
    mean: Decimal | None
    median: Decimal | None
    pass_rate: Decimal | None
    histogram: list[int] = field(default_factory=list)  # students per band [0,1), ..., [9,10]
    students: list[StudentResult] = field(default_factory=list)


def final_attempts(assignment: Assignment) -> list[Attempt]:
    """Each student's latest submitted attempt."""
    latest: dict[int, Attempt] = {}
    qs = Attempt.objects.filter(assignment=assignment, state=Attempt.State.SUBMITTED)
    for attempt in qs.select_related("student").order_by("number"):
        latest[attempt.student_id] = attempt
    return list(latest.values())


def max_points(layout: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(r["points"]) for r in layout), Decimal(0))


def class_stats(assignment: Assignment) -> ClassStats:
    rounding = assignment.test.rounding
    results = []
    for attempt in final_attempts(assignment):
        raw = Decimal(attempt.score or 0)
        results.append(
            StudentResult(
                attempt.student_id,
                attempt.student.full_name,
                raw,
                round_total(raw, rounding),
                gradebook_value(raw, max_points(attempt.layout)),
            )
        )
    if not results:
        return ClassStats(0, None, None, None, [0] * 10)
    tens = [r.ten for r in results]
    histogram = [0] * 10
    for t in tens:
        histogram[min(9, int(t))] += 1
    mean = (sum(tens, Decimal(0)) / len(tens)).quantize(Decimal("0.01"))
    median = Decimal(statistics.median(tens)).quantize(Decimal("0.01"))
    passed = sum(1 for t in tens if t >= PASS_MARK)
    pass_rate = (Decimal(passed) * 100 / len(tens)).quantize(Decimal("0.1"))
    return ClassStats(len(results), mean, median, pass_rate, histogram, results)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def item_analysis(assignment: Assignment) -> dict[int, dict[str, Any]]:
    """{item version id: responses, facility, point_biserial, discrimination_27, distractors}.

    Facility: mean score / item points. Point-biserial: correlation of the item score with the
    total of the other items. Discrimination: facility in the top 27 % minus the bottom 27 % by
    total score. Distractors: how many chose each option (by option id), "" for blank.
    """
    attempts = final_attempts(assignment)
    answers: dict[tuple[int, int], Answer] = {
        (a.attempt_id, a.position): a for a in Answer.objects.filter(attempt__in=attempts)
    }
    responses: list[tuple[Any, int, float, float, Any]] = []
    for attempt in attempts:
        for row in attempt.layout:
            answer = answers.get((attempt.pk, row["position"]))
            value = (
                answer.manual_score
                if answer and answer.manual_score is not None
                else (answer.score if answer else None)
            )
            responses.append(
                (
                    attempt.pk,
                    row["item_version"],
                    float(row["points"]),
                    float(value or 0),
                    answer.response if answer else None,
                )
            )
    return analyse_items({a.pk: float(a.score or 0) for a in attempts}, responses)


def upper_lower_groups(totals: dict[Any, float]) -> tuple[set[Any], set[Any]]:
    """(upper, lower): the top and bottom 27 % of the attempts by total score (at least one)."""
    ranked = sorted(totals, key=lambda key: totals[key])
    group = max(1, round(len(ranked) * GROUP_SHARE)) if ranked else 0
    lower = set(ranked[:group])
    upper = set(ranked[-group:]) if group else set()
    return upper, lower


def analyse_items(
    totals: dict[Any, float], responses: list[tuple[Any, int, float, float, Any]]
) -> dict[int, dict[str, Any]]:
    """The item analysis of any set of attempts, whatever app holds them.

    `totals`: {attempt key: total score}; `responses`: one (attempt key, item version, points,
    score earned, response) per attempt and item. Keys and figures as in `item_analysis`.
    """
    per_item: dict[int, list[tuple[Any, float, Any]]] = {}
    points: dict[int, float] = {}
    for key, version, full, value, response in responses:
        points[version] = full
        per_item.setdefault(version, []).append((key, value, response))
    upper, lower = upper_lower_groups(totals)
    out: dict[int, dict[str, Any]] = {}
    for version, rows in per_item.items():
        full = points[version] or 1.0
        scores = [s for _a, s, _r in rows]
        rest = [totals[a] - s for a, s, _r in rows]
        up = [s / full for a, s, _r in rows if a in upper]
        low = [s / full for a, s, _r in rows if a in lower]
        distractors: dict[str, int] = {}
        for _a, _s, response in rows:
            if isinstance(response, str) or response is None:
                label = response if isinstance(response, str) else ""
                if len(label) <= 2:
                    distractors[label] = distractors.get(label, 0) + 1
        pb = _pearson(scores, rest)
        out[version] = {
            "responses": len(rows),
            "facility": round(sum(scores) / len(scores) / full, 4),
            "point_biserial": round(pb, 4) if pb is not None else None,
            "discrimination_27": round(sum(up) / len(up) - sum(low) / len(low), 4)
            if up and low
            else None,
            "distractors": dict(sorted(distractors.items())),
        }
    return out


def results_xlsx(assignment: Assignment) -> bytes:
    from openpyxl import Workbook

    stats = class_stats(assignment)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Kết quả")
    ws.append([_("Họ và tên"), _("Điểm thô"), _("Điểm"), _("Điểm hệ 10")])
    for r in sorted(stats.students, key=lambda r: r.name):
        ws.append([safe_cell(r.name), float(r.raw), float(r.score), float(r.ten)])
    summary = wb.create_sheet(_("Thống kê"))
    summary.append([_("Số bài"), stats.count])
    summary.append([_("Điểm trung bình"), float(stats.mean) if stats.mean is not None else None])
    summary.append([_("Trung vị"), float(stats.median) if stats.median is not None else None])
    summary.append([_("Tỉ lệ đạt (%)"), float(stats.pass_rate) if stats.pass_rate else 0.0])
    for band, n in enumerate(stats.histogram):
        summary.append([f"[{band}; {band + 1})" if band < 9 else "[9; 10]", n])
    items = wb.create_sheet(_("Phân tích câu hỏi"))
    items.append(
        [
            "item_version",
            "responses",
            "facility",
            "point_biserial",
            "discrimination_27",
            "distractors",
        ]
    )
    for version, row in sorted(item_analysis(assignment).items()):
        items.append(
            [
                version,
                row["responses"],
                row["facility"],
                row["point_biserial"],
                row["discrimination_27"],
                str(row["distractors"]),
            ]
        )
    return workbook_bytes(wb)
