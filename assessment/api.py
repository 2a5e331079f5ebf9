"""The public surface of `assessment` for other apps. Other apps import only this module."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from question_bank.api import ItemContent

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

__all__ = [
    "ManualGradingRequired",
    "PartialCredit",
    "Rounding",
    "ScoringPolicy",
    "content_of",
    "gradebook_value",
    "round_total",
    "score_response",
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
