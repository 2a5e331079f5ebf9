"""Circular 22/2021 (secondary) and Circular 27/2020 (primary) grading arithmetic.

Pure functions on Decimal so the grade book, the API and sector transcripts agree to the digit.
Scores have one decimal; averages are rounded half up to one decimal as the circular requires
(Python's default banker's rounding would turn 6.25 into 6.2, the circular says 6.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ONE_DECIMAL = Decimal("0.1")
TEN = Decimal("10")
ZERO = Decimal("0")


class Level(models.TextChoices):
    """Learning-result level of a secondary student (Circular 22 art. 9)."""

    GOOD = "tot", gettext_lazy("Tốt")
    FAIR = "kha", gettext_lazy("Khá")
    PASS = "dat", gettext_lazy("Đạt")
    FAIL = "chua_dat", gettext_lazy("Chưa đạt")


class Comment(models.TextChoices):
    """Result of a comment-only subject or of one of its assessments."""

    PASS = "D", gettext_lazy("Đạt")
    FAIL = "CD", gettext_lazy("Chưa đạt")


class PrimaryLevel(models.TextChoices):
    """Subject level of a primary student (Circular 27/2020 art. 6)."""

    EXCELLENT = "T", gettext_lazy("Hoàn thành tốt")
    DONE = "H", gettext_lazy("Hoàn thành")
    NOT_DONE = "C", gettext_lazy("Chưa hoàn thành")


_RANK: dict[str, int] = {Level.FAIL: 0, Level.PASS: 1, Level.FAIR: 2, Level.GOOD: 3}
_BY_RANK: dict[int, str] = {v: k for k, v in _RANK.items()}


def round1(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def parse_score(raw: object, *, where: str = "") -> Decimal:
    """A score 0-10 with at most one decimal; accepts "7,5" (Vietnamese comma) and "7.5"."""
    text = str(raw).strip().replace(",", ".")
    prefix = f"{where}: " if where else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("%(where)sĐiểm “%(raw)s” không phải là số.") % {"where": prefix, "raw": raw}
        ) from None
    if not value.is_finite() or value < ZERO or value > TEN:
        raise ValidationError(
            _("%(where)sĐiểm phải từ 0 đến 10, nhận được “%(raw)s”.")
            % {"where": prefix, "raw": raw}
        )
    if value != value.quantize(ONE_DECIMAL):
        raise ValidationError(
            _("%(where)sĐiểm chỉ có một chữ số thập phân, nhận được “%(raw)s”.")
            % {"where": prefix, "raw": raw}
        )
    return value.quantize(ONE_DECIMAL)


def parse_primary_score(raw: object, *, where: str = "") -> int:
    """An end-of-term score of a primary test: a whole number 1-10 (Circular 27 art. 7)."""
    prefix = f"{where}: " if where else ""
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= 10:
        raise ValidationError(
            _("%(where)sĐiểm bài kiểm tra tiểu học là số nguyên từ 1 đến 10, nhận được “%(raw)s”.")
            % {"where": prefix, "raw": raw}
        )
    return int(text)


def semester_average(
    regular_scores: Sequence[Decimal | str | int | float], midterm: object, final: object
) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (n + 5), rounded half up to one decimal."""
    regular = [
        parse_score(s, where=_("ĐĐGtx %(n)s") % {"n": i})
        for i, s in enumerate(regular_scores, start=1)
    ]
    if not regular:
        raise ValidationError(_("Cần ít nhất một điểm đánh giá thường xuyên (ĐĐGtx)."))
    mid = parse_score(midterm, where=_("ĐĐGgk"))
    end = parse_score(final, where=_("ĐĐGck"))
    total = sum(regular, ZERO) + 2 * mid + 3 * end
    return round1(total / Decimal(len(regular) + 5))


def year_average(sem1: object, sem2: object) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, rounded half up to one decimal."""
    first = parse_score(sem1, where=_("ĐTBmhkI"))
    second = parse_score(sem2, where=_("ĐTBmhkII"))
    return round1((first + 2 * second) / Decimal(3))


def comment_semester_result(results: Iterable[str | None], required: int) -> str:
    """A comment-only subject in one semester: Đạt when every required assessment was taken
    and all were Đạt (Circular 22 art. 9.1.a); otherwise Chưa đạt."""
    given = [r for r in results if r]
    if len(given) < required:
        return Comment.FAIL
    return Comment.PASS if all(r == Comment.PASS for r in given) else Comment.FAIL


def comment_year_result(sem2: str | None) -> str:
    """Whole year of a comment-only subject: the result of semester II (art. 9.1.a)."""
    return Comment.PASS if sem2 == Comment.PASS else Comment.FAIL


@dataclass(frozen=True)
class SubjectResult:
    """One subject's semester or year result for one student: a score or a comment."""

    code: str
    average: Decimal | None = None
    comment: str | None = None


def _raw_level(results: Sequence[SubjectResult]) -> str:
    scored = [r.average for r in results if r.comment is None and r.average is not None]
    comments = [r.comment for r in results if r.comment is not None]
    failed_comments = sum(1 for c in comments if c != Comment.PASS)
    if failed_comments == 0 and scored:
        if all(a >= Decimal("6.5") for a in scored) and sum(a >= 8 for a in scored) >= 6:
            return Level.GOOD
        if all(a >= 5 for a in scored) and sum(a >= Decimal("6.5") for a in scored) >= 6:
            return Level.FAIR
    if (
        failed_comments <= 1
        and sum(a >= 5 for a in scored) >= 6
        and all(a >= Decimal("3.5") for a in scored)
    ):
        return Level.PASS
    return Level.FAIL


_FLOOR: dict[str, Decimal] = {Level.GOOD: Decimal("6.5"), Level.FAIR: Decimal("5.0")}


def _lifted(results: Sequence[SubjectResult], index: int, target: str) -> list[SubjectResult]:
    """`results` with subject `index` raised just to the floor `target` asks of every subject."""
    lifted = list(results)
    r = results[index]
    if r.comment is not None:
        lifted[index] = SubjectResult(r.code, comment=Comment.PASS)
    else:
        lifted[index] = SubjectResult(r.code, average=max(r.average or ZERO, _FLOOR[target]))
    return lifted


def learning_level(results: Sequence[SubjectResult]) -> str:
    """Semester or year learning result, Circular 22/2021 art. 9.2, with the art. 9.3 rule:
    when a single subject pulls the level down two or more steps below Tốt or Khá, the
    level is raised to the next one up.

    "Only because of one subject" is read as: raising that one subject to the floor that
    level asks of every subject (6,5 for Tốt, 5,0 for Khá, Đạt for a comment subject) would
    reach the level. The subject is raised only to the floor, never beyond, so it cannot add
    to the count of subjects at 8,0 / 6,5 that the level also needs.
    """
    raw = _raw_level(results)
    for target in (Level.GOOD, Level.FAIR):
        if _RANK[target] - _RANK[raw] < 2:
            continue
        for i in range(len(results)):
            if _RANK[_raw_level(_lifted(results, i, target))] >= _RANK[target]:
                return _BY_RANK[_RANK[raw] + 1]
    return raw
