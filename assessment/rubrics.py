"""Structured rubrics: criteria, each with levels (a descriptor and its points).

Stored as JSON on a test item (`TestItem.rubric`) and on reusable templates (`RubricTemplate`):
`[{"name": "Lập luận", "levels": [{"descriptor": "Đầy đủ", "points": "0.5"}, ...]}, ...]`.

Rules:
- every criterion has a name and at least one level; points are numbers ≥ 0;
- the rubric's maximum (the sum of each criterion's highest level) must equal the test item's
  points. A template written for another total is scaled when applied: every level's points are
  multiplied by item points / template maximum and rounded to 0.01; what the rounding loses or
  adds is put on the highest level of the last criterion, so the maximum is exactly the item's
  points;
- a grader picks one level per criterion and the score is exactly the sum of the picked points.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


@dataclass
class Level:
    descriptor: str
    points: Decimal


@dataclass
class Criterion:
    name: str
    levels: list[Level]

    @property
    def maximum(self) -> Decimal:
        return max(level.points for level in self.levels)


def _points(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            _("%(where)s: điểm “%(v)s” không phải số.") % {"where": where, "v": raw}
        ) from None
    if not value.is_finite():
        raise ValidationError(
            _("%(where)s: điểm “%(v)s” không phải số.") % {"where": where, "v": raw}
        )
    if value < 0:
        raise ValidationError(_("%(where)s: điểm không được âm.") % {"where": where})
    return value


def parse(data: Any) -> list[Criterion]:
    """Criteria from their JSON form, every problem reported with the criterion and level."""
    if not isinstance(data, list) or not data:
        raise ValidationError(_("Thang điểm cần ít nhất một tiêu chí."))
    problems: list[str] = []
    criteria: list[Criterion] = []
    for i, raw in enumerate(data, start=1):
        where = _("Tiêu chí %(i)s") % {"i": i}
        name = " ".join(str((raw or {}).get("name", "")).split()) if isinstance(raw, dict) else ""
        if not name:
            problems.append(_("%(where)s: chưa có tên.") % {"where": where})
        raw_levels = raw.get("levels") if isinstance(raw, dict) else None
        if not isinstance(raw_levels, list) or not raw_levels:
            problems.append(_("%(where)s: cần ít nhất một mức.") % {"where": where})
            continue
        levels: list[Level] = []
        for j, level in enumerate(raw_levels, start=1):
            at = _("Tiêu chí %(i)s, mức %(j)s") % {"i": i, "j": j}
            level = level if isinstance(level, dict) else {}
            try:
                points = _points(level.get("points", ""), at)
            except ValidationError as exc:
                problems += exc.messages
                continue
            levels.append(Level(" ".join(str(level.get("descriptor", "")).split()), points))
        if levels:
            criteria.append(Criterion(name, levels))
    names = [c.name for c in criteria]
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        problems.append(_("Tên tiêu chí “%(n)s” bị trùng.") % {"n": name})
    if problems:
        raise ValidationError(problems)
    return criteria


def to_json(criteria: list[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "levels": [
                {"descriptor": lv.descriptor, "points": str(lv.points.normalize())}
                for lv in c.levels
            ],
        }
        for c in criteria
    ]


def maximum(criteria: list[Criterion]) -> Decimal:
    return sum((c.maximum for c in criteria), Decimal(0))


def scaled(criteria: list[Criterion], total: Decimal) -> list[Criterion]:
    """The criteria with their points scaled so the maximum is exactly `total` (see above)."""
    top = maximum(criteria)
    if top == total:
        return criteria
    if top == 0:
        raise ValidationError(_("Thang điểm có tổng bằng 0, không quy đổi được."))
    out = [
        Criterion(
            c.name,
            [
                Level(lv.descriptor, (lv.points * total / top).quantize(CENT, ROUND_HALF_UP))
                for lv in c.levels
            ],
        )
        for c in criteria
    ]
    last = out[-1]
    best = max(range(len(last.levels)), key=lambda k: last.levels[k].points)
    last.levels[best].points += total - maximum(out)
    return out


def check_total(criteria: list[Criterion], points: Decimal) -> None:
    top = maximum(criteria)
    if top != points:
        raise ValidationError(
            _(
                "Tổng điểm cao nhất của các tiêu chí là %(top)s, phải bằng điểm của câu "
                "(%(points)s)."
            )
            % {"top": top.normalize(), "points": Decimal(points).normalize()}
        )


def score(criteria: list[Criterion], picks: list[int]) -> tuple[Decimal, list[dict[str, Any]]]:
    """The exact sum of the picked levels (one index per criterion, in order) and the record
    kept on the answer."""
    if len(picks) != len(criteria):
        raise ValidationError(
            _("Hãy chọn một mức cho mỗi tiêu chí (%(n)s tiêu chí).") % {"n": len(criteria)}
        )
    record: list[dict[str, Any]] = []
    total = Decimal(0)
    for i, (criterion, pick) in enumerate(zip(criteria, picks, strict=True), start=1):
        if not 0 <= pick < len(criterion.levels):
            raise ValidationError(
                _("Tiêu chí %(i)s (%(name)s): mức đã chọn không có.")
                % {"i": i, "name": criterion.name}
            )
        level = criterion.levels[pick]
        total += level.points
        record.append(
            {
                "criterion": criterion.name,
                "level": pick,
                "descriptor": level.descriptor,
                "points": str(level.points.normalize()),
            }
        )
    return total, record
