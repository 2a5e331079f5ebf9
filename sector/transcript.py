"""Transcript content per Circular 22/2021 (secondary) and Circular 27/2020 (primary).

Pure functions over plain values: the grade book (lms) hands in what the teachers entered,
this module validates it and computes what the transcript (học bạ) records.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The Circular 22/27 arithmetic lives in the grade book: one source of truth, so the transcript
# and the grade book can never disagree for the same student.
from lms import api as lms_api

PASS, FAIL = "Đạt", "Chưa đạt"
PRIMARY_LEVELS = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
_AS_COMMENT = {PASS: lms_api.Comment.PASS, FAIL: lms_api.Comment.FAIL}


def _score(value: Any, where: str) -> Decimal:
    return lms_api.parse_score(value, where=where)


def semester_average(regular: list[Decimal], midterm: Decimal, endterm: Decimal) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5), one decimal."""
    return lms_api.semester_average(regular, midterm, endterm)


def year_average(first: Decimal, second: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, one decimal."""
    return lms_api.year_average(first, second)


def comment_result(regular: list[str], midterm: str, endterm: str) -> str:
    """A comment-only subject's semester result (Circular 22 art. 9.1): Đạt when every
    assessment was taken and all are Đạt."""
    marks = [_AS_COMMENT[m] for m in [*regular, midterm, endterm]]
    result = lms_api.comment_semester_result(marks, required=len(marks))
    return PASS if result == lms_api.Comment.PASS else FAIL


def learning_result_level(averages: list[Decimal], comments: list[str]) -> str:
    """A student's learning result for a semester or year (Circular 22 art. 9.2 and 9.3)."""
    results = [lms_api.SubjectResult(f"s{i}", average=a) for i, a in enumerate(averages)]
    results += [
        lms_api.SubjectResult(f"c{i}", comment=_AS_COMMENT[c]) for i, c in enumerate(comments)
    ]
    return str(lms_api.Level(lms_api.learning_level(results)).label)


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
