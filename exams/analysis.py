"""Results of an exam subject: score summaries for the coordinator's review and classical item
analysis across every version (mã đề), mapped back to the bank's item versions.

The figures come from the assessment engine (`assessment.api.analyse_items`) so an exam and a
class test are measured the same way; this module adds what only exams need: choices ticked in
multiple-response items and the 2025 true/false clusters judged statement by statement.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assessment import api as assessment
from question_bank.api import ItemContent, ItemType

from .models import Answer, Attempt, Candidate, ExamSubject

JUDGED = {True: "Đ", False: "S"}


@dataclass
class StatementStats:
    statement: str
    key: str  # "Đ" or "S"
    counts: dict[str, int]  # {"Đ": n, "S": n, "": blank}
    facility: float
    discrimination_27: float | None

    @property
    def chose_true(self) -> int:
        return self.counts["Đ"]

    @property
    def chose_false(self) -> int:
        return self.counts["S"]

    @property
    def blank(self) -> int:
        return self.counts[""]


@dataclass
class ItemStats:
    number: int  # the item's place in the test as written (Câu 1, 2, ...)
    item_version: int
    type: str
    key: str
    points: float
    responses: int
    facility: float
    point_biserial: float | None
    discrimination_27: float | None
    distractors: dict[str, int]
    statements: list[StatementStats] = field(default_factory=list)

    @property
    def facility_percent(self) -> int:
        return round(self.facility * 100)

    def bank_values(self) -> dict[str, Any]:
        """What the bank stores per version; true/false counts are keyed "a:Đ", "a:S"."""
        distractors = dict(self.distractors)
        for s in self.statements:
            for judged, n in s.counts.items():
                if n:
                    distractors[f"{s.statement}:{judged}"] = n
        return {
            "responses": self.responses,
            "facility": self.facility,
            "point_biserial": self.point_biserial,
            "discrimination_27": self.discrimination_27,
            "distractors": distractors,
        }


@dataclass
class SubjectAnalysis:
    subject: ExamSubject
    attempts: int
    items: list[ItemStats]


def _key_text(content: ItemContent) -> str:
    key = content.key
    if content.type is ItemType.TRUE_FALSE_CLUSTER and isinstance(key, dict):
        return " ".join(f"{s}:{JUDGED[bool(v)]}" for s, v in key.items())
    if isinstance(key, list):
        return ", ".join(str(k) for k in key)
    return "" if key is None else str(key)


def _earned(content: ItemContent, answer: Answer | None, points: Decimal, policy: Any) -> float:
    """The stored score, or the engine's when the attempt has not been graded yet."""
    if answer is None:
        return 0.0
    if answer.score is not None:
        return float(answer.score)
    try:
        return float(
            assessment.score_response(content, answer.response, points=points, policy=policy)
        )
    except assessment.ManualGradingRequired:
        return 0.0


def submitted_attempts(subject: ExamSubject) -> list[Attempt]:
    return list(
        Attempt.objects.filter(
            candidate__session__subject=subject, state=Attempt.State.SUBMITTED
        ).order_by("candidate__number")
    )


def analyse_subject(subject: ExamSubject) -> SubjectAnalysis:
    attempts = submitted_attempts(subject)
    policy = assessment.scoring_policy(subject.test)
    rows = [(a, r) for a in attempts for r in a.layout]
    contents = assessment.item_contents(r["item_version"] for _a, r in rows)
    answers = {(a.attempt_id, a.position): a for a in Answer.objects.filter(attempt__in=attempts)}
    responses: list[tuple[Any, int, float, float, Any]] = []
    totals: dict[int, float] = {a.pk: 0.0 for a in attempts}
    order: dict[int, int] = {}
    points: dict[int, float] = {}
    for attempt, row in rows:
        version = row["item_version"]
        answer = answers.get((attempt.pk, row["position"]))
        earned = _earned(contents[version], answer, Decimal(row["points"]), policy)
        totals[attempt.pk] += earned
        responses.append(
            (attempt.pk, version, float(row["points"]), earned, answer.response if answer else None)
        )
        order.setdefault(version, int(row.get("test_item") or 0))
        points[version] = float(row["points"])
    figures = assessment.analyse_items(totals, responses)
    upper, lower = assessment.upper_lower_groups(totals)
    numbers = {v: n for n, v in enumerate(sorted(order, key=lambda v: (order[v], v)), start=1)}
    items = []
    for version, values in figures.items():
        content = contents[version]
        mine = [(a, r) for a, v, _p, _s, r in responses if v == version]
        distractors = values["distractors"]
        if content.type is ItemType.MULTIPLE_RESPONSE:
            distractors = _ticks(content, (r for _a, r in mine))
        items.append(
            ItemStats(
                number=numbers[version],
                item_version=version,
                type=content.type.value,
                key=_key_text(content),
                points=points[version],
                responses=values["responses"],
                facility=values["facility"],
                point_biserial=values["point_biserial"],
                discrimination_27=values["discrimination_27"],
                distractors=distractors,
                statements=_statements(content, mine, upper, lower)
                if content.type is ItemType.TRUE_FALSE_CLUSTER
                else [],
            )
        )
    items.sort(key=lambda i: i.number)
    return SubjectAnalysis(subject, len(attempts), items)


def _ticks(content: ItemContent, responses: Iterable[Any]) -> dict[str, int]:
    """Multiple response: how many ticked each option, "" for those who ticked none."""
    counts = {c.id: 0 for c in content.choices}
    counts[""] = 0
    for response in responses:
        ticked = [r for r in response if isinstance(r, str)] if isinstance(response, list) else []
        if not ticked:
            counts[""] += 1
        for option in set(ticked):
            if option in counts:
                counts[option] += 1
    return dict(sorted(counts.items()))


def _statements(
    content: ItemContent, rows: list[tuple[Any, Any]], upper: set[Any], lower: set[Any]
) -> list[StatementStats]:
    """Each statement of a true/false cluster as an item of its own: judged right = 1."""
    out = []
    key = content.key if isinstance(content.key, dict) else {}
    for statement, truth in key.items():
        counts = {"Đ": 0, "S": 0, "": 0}
        right: dict[Any, float] = {}
        for attempt, response in rows:
            given = response.get(statement) if isinstance(response, dict) else None
            if isinstance(given, bool):
                counts[JUDGED[given]] += 1
            else:
                counts[""] += 1
            right[attempt] = 1.0 if isinstance(given, bool) and given is bool(truth) else 0.0
        up = [v for a, v in right.items() if a in upper]
        low = [v for a, v in right.items() if a in lower]
        out.append(
            StatementStats(
                statement=statement,
                key=JUDGED[bool(truth)],
                counts=counts,
                facility=round(sum(right.values()) / len(right), 4) if right else 0.0,
                discrimination_27=round(sum(up) / len(up) - sum(low) / len(low), 4)
                if up and low
                else None,
            )
        )
    return out


# --- Scores for the coordinator's review ----------------------------------------------------


@dataclass
class ScoreRow:
    candidate: Candidate
    score: Decimal | None  # rounded as the test says; None when not submitted
    max_points: Decimal
    ten: Decimal | None  # on the 10-point scale, one decimal


@dataclass
class ScoreSummary:
    rows: list[ScoreRow]
    count: int  # submitted
    mean: Decimal | None
    median: Decimal | None
    histogram: list[int]  # submitted candidates per band [0;1) ... [9;10] of the 10-point scale


def max_points(layout: list[dict[str, Any]]) -> Decimal:
    """The attempt's maximum, written plainly ("10", "7.5"; never "1E+1" or "3.00")."""
    total = sum((Decimal(r["points"]) for r in layout), Decimal(0))
    return total.quantize(Decimal(1)) if total == total.to_integral_value() else total.normalize()


def score_rows(candidates: Iterable[Candidate]) -> list[ScoreRow]:
    rows = []
    for c in candidates:
        attempt = c.attempt
        full = max_points(attempt.layout)
        done = attempt.state == Attempt.State.SUBMITTED
        raw = Decimal(attempt.score or 0)
        rounding = c.session.subject.test.rounding
        rows.append(
            ScoreRow(
                c,
                assessment.round_total(raw, rounding) if done else None,
                full,
                assessment.gradebook_value(raw, full) if done else None,
            )
        )
    return rows


def summarise(rows: list[ScoreRow]) -> ScoreSummary:
    tens = [r.ten for r in rows if r.ten is not None]
    histogram = [0] * 10
    for t in tens:
        histogram[min(9, int(t))] += 1
    if not tens:
        return ScoreSummary(rows, 0, None, None, histogram)
    mean = (sum(tens, Decimal(0)) / len(tens)).quantize(Decimal("0.01"))
    median = Decimal(statistics.median(tens)).quantize(Decimal("0.01"))
    return ScoreSummary(rows, len(tens), mean, median, histogram)
