"""Exact scoring of one response to one item, by the rules of the 2025 national exam format.

Scores are computed as fractions (never floats) so a total of many items is exact; a single
item's score is returned as a Decimal. The rules, response encodings and the short-numeric
equivalence are documented in docs/assessment.md and asserted in tests/assessment/test_scoring.py.

Response encodings mirror the key encodings of question_bank.interchange:
- single_choice: "B"                      - multiple_response: ["A", "C"] (order ignored)
- true_false_cluster: {"a": True, ...}    - short_numeric / short_text: the string written
- matching: {"1": "B", ...}               - ordering: ["C", "A", "B"]
- cloze: {gap id: response of that gap's kind}
A missing or malformed response earns 0; it never raises.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Any

from core.api import strip_diacritics
from question_bank.api import Gap, ItemContent, ItemType, short_numeric_value

# 2025 format, Part II: statements judged correctly → share of the cluster's points.
TRUE_FALSE_SHARES: dict[int, Fraction] = {
    0: Fraction(0),
    1: Fraction(1, 10),
    2: Fraction(1, 4),
    3: Fraction(1, 2),
    4: Fraction(1),
}

# Default points of one item by type; mathematics short answers are worth 0.5 (see
# default_points). Every value can be overridden per item in a test.
DEFAULT_POINTS: dict[ItemType, Decimal] = {
    ItemType.SINGLE_CHOICE: Decimal("0.25"),
    ItemType.MULTIPLE_RESPONSE: Decimal("0.25"),
    ItemType.TRUE_FALSE_CLUSTER: Decimal("1"),
    ItemType.SHORT_NUMERIC: Decimal("0.25"),
    ItemType.SHORT_TEXT: Decimal("0.25"),
    ItemType.ESSAY: Decimal("1"),
    ItemType.MATCHING: Decimal("1"),
    ItemType.ORDERING: Decimal("1"),
    ItemType.CLOZE: Decimal("1"),
}
MATHS_SUBJECTS = frozenset({"TOAN"})

SCORE_PLACES = Decimal("0.0001")
_ZERO, _ONE = Fraction(0), Fraction(1)


class PartialCredit(StrEnum):
    """How a multiple-response item is scored."""

    ALL_OR_NOTHING = "all_or_nothing"
    # Each option judged correctly (ticked if right, left if wrong) earns 1/n of the points.
    PER_OPTION = "per_option"
    # (right ticks - wrong ticks) / number of right options, never below 0.
    RIGHT_MINUS_WRONG = "right_minus_wrong"


class Rounding(StrEnum):
    QUARTER = "0.25"
    TENTH = "0.1"
    NONE = "none"


class ManualGradingRequired(Exception):
    """Raised for an essay: a person must grade it (see services.grade_manually)."""


@dataclass(frozen=True)
class ScoringPolicy:
    multiple_response: PartialCredit = PartialCredit.PER_OPTION
    # Matching, ordering and cloze: credit per correct part (True) or all-or-nothing (False).
    per_part: bool = True


DEFAULT_POLICY = ScoringPolicy()


def default_points(item_type: ItemType | str, subject_code: str = "") -> Decimal:
    item_type = ItemType(item_type)
    if item_type is ItemType.SHORT_NUMERIC and subject_code.upper() in MATHS_SUBJECTS:
        return Decimal("0.5")
    return DEFAULT_POINTS[item_type]


def needs_manual_grading(content: ItemContent) -> bool:
    return content.type is ItemType.ESSAY


def score_fraction(
    content: ItemContent,
    response: Any,
    points: Decimal | None = None,
    policy: ScoringPolicy = DEFAULT_POLICY,
) -> Fraction:
    """Points earned, as an exact fraction. `points` overrides the item's own points."""
    if needs_manual_grading(content):
        raise ManualGradingRequired(content.type.value)
    share = _share(content, response, policy)
    if not share:
        return _ZERO
    return (
        _as_fraction(
            points if points is not None else content.points or default_points(content.type)
        )
        * share
    )


@lru_cache(maxsize=256)
def _as_fraction(points: Decimal) -> Fraction:
    return Fraction(points)


def to_decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal; exact whenever it has at most 4 decimals (all 2025 rules do)."""
    exact = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_UP
    )
    return _plain(exact)


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form ("10", not "1E+1")."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def round_total(total: Fraction | Decimal, rounding: Rounding | str) -> Decimal:
    """A test total rounded half-up to the configured step (0.25, 0.1) or kept (none)."""
    value = Fraction(total)
    rounding = Rounding(rounding)
    if rounding is Rounding.NONE:
        return to_decimal(value)
    step = Fraction(Decimal(rounding.value))
    steps = (value / step + Fraction(1, 2)).__floor__()
    return Decimal(rounding.value) * steps


def gradebook_value(total: Fraction | Decimal, max_points: Fraction | Decimal) -> Decimal:
    """The score on the 10-point scale with one decimal (Circular 22), half-up."""
    if not max_points:
        return Decimal("0.0")
    ten = Fraction(total) * 10 / Fraction(max_points)
    return (Decimal(ten.numerator) / Decimal(ten.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


# --- Per-type rules -------------------------------------------------------------------------


def _share(content: ItemContent, response: Any, policy: ScoringPolicy) -> Fraction:
    kind = content.type
    if kind is ItemType.SINGLE_CHOICE:
        return _ONE if _is_str(response) and response == content.key else _ZERO
    if kind is ItemType.MULTIPLE_RESPONSE:
        return _multiple_response(content, response, policy.multiple_response)
    if kind is ItemType.TRUE_FALSE_CLUSTER:
        return _true_false(content.key or {}, response)
    if kind is ItemType.SHORT_NUMERIC:
        return _ONE if numeric_matches(content.key, response) else _ZERO
    if kind is ItemType.SHORT_TEXT:
        return Fraction(
            int(
                text_matches(
                    content.key,
                    response,
                    case_sensitive=content.case_sensitive,
                    diacritics_sensitive=content.diacritics_sensitive,
                )
            )
        )
    if kind is ItemType.MATCHING:
        key = content.key or {}
        got = response if isinstance(response, Mapping) else {}
        right = sum(1 for src, target in key.items() if got.get(src) == target)
        return _parts(right, len(key), policy.per_part)
    if kind is ItemType.ORDERING:
        order = list(content.key or [])
        given = list(response) if isinstance(response, list) else []
        right = sum(1 for i, option in enumerate(order) if i < len(given) and given[i] == option)
        return _parts(right, len(order), policy.per_part)
    if kind is ItemType.CLOZE:
        return _cloze(content.gaps, response, policy.per_part)
    raise ValueError(kind)


def _parts(right: int, total: int, per_part: bool) -> Fraction:
    if total == 0:
        return Fraction(0)
    if per_part:
        return Fraction(right, total)
    return Fraction(int(right == total))


def _multiple_response(content: ItemContent, response: Any, mode: PartialCredit) -> Fraction:
    correct = set(content.key or [])
    if not isinstance(response, list | tuple | set) or not all(_is_str(r) for r in response):
        return Fraction(0)
    ticked = set(response)
    options = {c.id for c in content.choices} | correct
    ticked &= options
    if mode is PartialCredit.ALL_OR_NOTHING:
        return Fraction(int(ticked == correct))
    if mode is PartialCredit.PER_OPTION:
        judged = sum(1 for o in options if (o in ticked) == (o in correct))
        return Fraction(judged, len(options)) if options else Fraction(0)
    if not correct:
        return Fraction(int(not ticked))
    net = len(ticked & correct) - len(ticked - correct)
    return max(Fraction(0), Fraction(net, len(correct)))


def _true_false(key: Mapping[str, bool], response: Any) -> Fraction:
    got = response if isinstance(response, Mapping) else {}
    right = sum(
        1
        for statement, truth in key.items()
        if isinstance(got.get(statement), bool) and got[statement] is bool(truth)
    )
    if len(key) == 4:
        return TRUE_FALSE_SHARES[right]
    # Clusters of another size are outside the 2025 format: proportional credit.
    return Fraction(right, len(key)) if key else Fraction(0)


def _cloze(gaps: list[Gap], response: Any, per_part: bool) -> Fraction:
    if not gaps:
        return Fraction(0)
    got = response if isinstance(response, Mapping) else {}
    weights = [Fraction(g.points) if g.points is not None else Fraction(1) for g in gaps]
    total = sum(weights, Fraction(0))
    earned = Fraction(0)
    all_right = True
    for gap, weight in zip(gaps, weights, strict=True):
        answer = got.get(gap.id)
        if gap.kind == "numeric":
            ok = numeric_matches(gap.key, answer)
        elif gap.kind == "text":
            ok = text_matches(
                gap.key,
                answer,
                case_sensitive=gap.case_sensitive,
                diacritics_sensitive=gap.diacritics_sensitive,
            )
        else:
            ok = _is_str(answer) and answer == gap.key
        earned += weight if ok else 0
        all_right = all_right and ok
    if not per_part:
        return Fraction(int(all_right))
    return earned / total if total else Fraction(0)


# --- Short answers --------------------------------------------------------------------------


def parse_short_numeric(text: Any) -> Decimal | None:
    """The value of a short numeric answer, or None when it is not a valid one: the question
    bank's rule (`question_bank.api.short_numeric_value`), so bank and engine agree."""
    if not _is_str(text):
        return None
    return short_numeric_value(text)


def numeric_matches(key: Any, response: Any) -> bool:
    """True when the response's value equals the key's (or one of the keys') value."""
    got = parse_short_numeric(response)
    if got is None:
        return False
    keys = key if isinstance(key, list) else [key]
    for k in keys:
        # A key is trusted as written by the author; it may be longer than 4 characters.
        value = _key_value(k)
        if value is not None and value == got:
            return True
    return False


def _key_value(key: Any) -> Decimal | None:
    if isinstance(key, int | Decimal):
        return Decimal(key)
    if not _is_str(key):
        return None
    text = key.strip().replace(",", ".")
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def normalise_text(text: str, *, case_sensitive: bool, diacritics_sensitive: bool) -> str:
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not diacritics_sensitive:
        text = strip_diacritics(text)
    if not case_sensitive:
        text = text.casefold()
    return unicodedata.normalize("NFC", text)


def text_matches(
    key: Any, response: Any, *, case_sensitive: bool, diacritics_sensitive: bool
) -> bool:
    """True when the response equals one accepted answer after normalisation.

    Always: Unicode NFC, surrounding spaces trimmed, inner runs of spaces collapsed to one.
    Optionally: letter case and Vietnamese diacritics (including đ) ignored.
    """
    if not _is_str(response) or not response.strip():
        return False
    accepted = key if isinstance(key, list) else [key]
    opts = {"case_sensitive": case_sensitive, "diacritics_sensitive": diacritics_sensitive}
    got = normalise_text(response, **opts)
    return any(_is_str(a) and normalise_text(a, **opts) == got for a in accepted)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)
