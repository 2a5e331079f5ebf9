"""Transcript content per Circular 22/2021 (secondary) and Circular 27/2020 (primary).

Pure functions over plain values: the grade book (lms) hands in what the teachers entered,
this module validates it and computes what the transcript (học bạ) records.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PASS, FAIL = "Đạt", "Chưa đạt"
PRIMARY_LEVELS = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
ONE_DECIMAL = Decimal("0.1")


def round1(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _score(value: Any, where: str) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            _("%(where)s: điểm “%(v)s” không hợp lệ.") % {"where": where, "v": value}
        ) from exc
    if not score.is_finite() or score < 0 or score > 10 or score != round1(score):
        raise ValidationError(
            _("%(where)s: điểm phải từ 0 đến 10, một chữ số thập phân (nhận “%(v)s”).")
            % {"where": where, "v": value}
        )
    return score


def semester_average(regular: list[Decimal], midterm: Decimal, endterm: Decimal) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5), one decimal."""
    total = sum(regular, Decimal(0)) + 2 * midterm + 3 * endterm
    return round1(total / (len(regular) + 5))


def year_average(first: Decimal, second: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, one decimal."""
    return round1((first + 2 * second) / 3)


def comment_result(regular: list[str], midterm: str, endterm: str) -> str:
    """A comment-only subject's semester result (Circular 22 art. 9.1).

    Đạt: every assessment Đạt, or at least 2/3 of them Đạt with the end-of-term one Đạt.
    """
    marks = [*regular, midterm, endterm]
    passed = sum(1 for m in marks if m == PASS)
    if passed == len(marks) or (3 * passed >= 2 * len(marks) and endterm == PASS):
        return PASS
    return FAIL


def learning_result_level(averages: list[Decimal], comments: list[str]) -> str:
    """A student's learning result for a semester or year (Circular 22 art. 9.2)."""
    all_pass = all(c == PASS for c in comments)
    if (
        all_pass
        and averages
        and all(a >= Decimal("6.5") for a in averages)
        and sum(1 for a in averages if a >= 8) >= 6
    ):
        return "Tốt"
    if (
        all_pass
        and averages
        and all(a >= 5 for a in averages)
        and sum(1 for a in averages if a >= Decimal("6.5")) >= 6
    ):
        return "Khá"
    if (
        sum(1 for c in comments if c != PASS) <= 1
        and all(a >= Decimal("3.5") for a in averages)
        and sum(1 for a in averages if a >= 5) >= 6
    ):
        return "Đạt"
    return "Chưa đạt"


def secondary_entry(
    entry: dict[str, Any], *, regular_count: int, comment_only: bool, semester: int, row: int
) -> dict[str, Any]:
    """One student's subject record for one semester, validated and computed."""
    where = _("Học sinh thứ %(n)s") % {"n": row}
    regular = entry.get("regular") or []
    if len(regular) != regular_count:
        raise ValidationError(
            _("%(where)s: cần đúng %(k)s điểm đánh giá thường xuyên, nhận %(n)s.")
            % {"where": where, "k": regular_count, "n": len(regular)}
        )
    if comment_only:
        marks = [*regular, entry.get("midterm"), entry.get("endterm")]
        if any(m not in (PASS, FAIL) for m in marks):
            raise ValidationError(
                _("%(where)s: môn đánh giá bằng nhận xét chỉ nhận “Đạt” hoặc “Chưa đạt”.")
                % {"where": where}
            )
        result = comment_result(regular, entry["midterm"], entry["endterm"])
        out: dict[str, Any] = {
            "regular": regular,
            "midterm": entry["midterm"],
            "endterm": entry["endterm"],
            "result": result,
        }
        if semester == 2:
            out["yearResult"] = result  # the year follows semester II (art. 9.1.b)
        return out
    scores = [_score(v, where) for v in regular]
    midterm = _score(entry.get("midterm"), where)
    endterm = _score(entry.get("endterm"), where)
    average = semester_average(scores, midterm, endterm)
    out = {
        "regular": [str(s) for s in scores],
        "midterm": str(midterm),
        "endterm": str(endterm),
        "average": str(average),
    }
    if semester == 2:
        first = entry.get("semester1Average")
        if first is None:
            raise ValidationError(
                _("%(where)s: thiếu điểm trung bình học kỳ I.") % {"where": where}
            )
        out["semester1Average"] = str(_score(first, where))
        out["yearAverage"] = str(year_average(_score(first, where), average))
    return out


def primary_entry(entry: dict[str, Any], *, tested: bool, row: int) -> dict[str, Any]:
    """One pupil's subject record (Circular 27): a level, and for tested subjects a score."""
    where = _("Học sinh thứ %(n)s") % {"n": row}
    level = entry.get("level")
    if level not in PRIMARY_LEVELS:
        raise ValidationError(
            _("%(where)s: mức đạt phải là T, H hoặc C (nhận “%(v)s”).")
            % {"where": where, "v": level}
        )
    out: dict[str, Any] = {"level": level, "levelText": PRIMARY_LEVELS[level]}
    score = entry.get("score")
    if tested:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 10:
            raise ValidationError(
                _("%(where)s: điểm bài kiểm tra định kỳ là số nguyên từ 1 đến 10.")
                % {"where": where}
            )
        out["score"] = score
    elif score is not None:
        raise ValidationError(
            _("%(where)s: môn này không có bài kiểm tra định kỳ.") % {"where": where}
        )
    if entry.get("comment"):
        out["comment"] = str(entry["comment"])[:500]
    return out
