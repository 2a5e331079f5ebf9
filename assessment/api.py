"""The public surface of `assessment` for other apps. Other apps import only this module."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from question_bank.api import ItemContent, ItemVersion

from .analysis import analyse_items, upper_lower_groups
from .charts import bar_chart, histogram
from .models import Test, TestPart, TestVersion
from .scoring import (
    DEFAULT_POLICY,
    ManualGradingRequired,
    PartialCredit,
    Rounding,
    ScoringPolicy,
    default_points,
    gradebook_value,
    round_total,
    score_fraction,
    to_decimal,
)
from .services import add_item, create_test, make_versions
from .views_data import question_payload

__all__ = [
    "ManualGradingRequired",
    "PartialCredit",
    "Rounding",
    "ScoringPolicy",
    "Test",
    "TestPart",
    "TestVersion",
    "add_item",
    "analyse_items",
    "bar_chart",
    "class_assignment",
    "content_of",
    "create_test",
    "gradebook_value",
    "histogram",
    "item_contents",
    "make_versions",
    "question_payload",
    "released_results",
    "round_total",
    "score_response",
    "scoring_policy",
    "upper_lower_groups",
]


def content_of(item_version: Any) -> ItemContent:
    """The ItemContent of an ItemVersion, an ItemContent, or its JSON form."""
    if isinstance(item_version, ItemContent):
        return item_version
    if isinstance(item_version, dict):
        return ItemContent.from_json(item_version)
    return ItemContent.from_json(item_version.content)


def score_response(
    item_version: Any,
    response: Any,
    *,
    points: Decimal | None = None,
    policy: ScoringPolicy = DEFAULT_POLICY,
) -> Decimal:
    """Points earned for one response (exact; see assessment.scoring for the rules).

    Without `points`, the item's own points apply, else the 2025 default for its type and
    subject (mathematics short answers 0.5). Raises ManualGradingRequired for an essay.
    """
    content = content_of(item_version)
    if points is None and content.points is None:
        subject = getattr(getattr(getattr(item_version, "item", None), "subject", None), "code", "")
        points = default_points(content.type, subject or "")
    return to_decimal(score_fraction(content, response, points, policy))


# --- For lms (grade-book feed): lms pulls results from here, assessment never imports lms. ---


def class_assignment(assignment_id: int) -> dict[str, Any] | None:
    """An online test given to a class: {"id", "school_class_id", "title", "opens", "closes"}."""
    from .models import Assignment

    row = (
        Assignment.objects.filter(pk=assignment_id)
        .values("pk", "school_class_id", "test__title", "opens", "closes")
        .first()
    )
    if row is None:
        return None
    return {
        "id": row["pk"],
        "school_class_id": row["school_class_id"],
        "title": row["test__title"],
        "opens": row["opens"],
        "closes": row["closes"],
    }


def released_results(assignment_id: int, now: Any = None) -> list[tuple[int, int, Decimal]]:
    """(student id, attempt id, score on the 10-point scale with one decimal) for each student's
    latest submitted attempt whose result the policy releases and that has no answer left to
    grade by hand."""
    from .analysis import final_attempts, max_points
    from .models import Assignment
    from .views_data import result_visible

    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        return []
    out: list[tuple[int, int, Decimal]] = []
    for attempt in final_attempts(assignment):
        if attempt.needs_manual or not result_visible(attempt, now):
            continue
        raw = Decimal(attempt.score or 0)
        out.append(
            (attempt.student_id, attempt.pk, gradebook_value(raw, max_points(attempt.layout)))
        )
    return out


# --- For computer-based exams (the `exams` app) ---------------------------------------------


def item_contents(ids: Any) -> dict[int, ItemContent]:
    """{item version id: ItemContent} for the given ids, in one query."""
    return {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(pk__in=set(ids)).values_list("pk", "content")
    }


def scoring_policy(test: Test) -> ScoringPolicy:
    """The partial-credit rules the test was set up with."""
    return ScoringPolicy(PartialCredit(test.multiple_response_credit), test.per_part_credit)
