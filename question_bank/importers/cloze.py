"""Moodle embedded answers (Cloze): `{1:MULTICHOICE:=right#feedback~wrong}` and friends.

The stem keeps a `[[g1]]` marker where each gap goes (the same marker Moodle's gapselect uses).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..interchange import Choice, Gap, ItemContent, ItemType
from .common import letter

GAP_RE = re.compile(
    r"\{(\d*):(MULTICHOICE\w*|MC\w*|MULTIRESPONSE\w*|MR\w*|NUMERICAL|NM|SHORTANSWER\w*|SA|MW)"
    r":((?:\\.|[^}\\])*)\}",
    re.DOTALL,
)
ANY_GAP_RE = re.compile(r"\{\d*:[A-Z_]+(?::[^}]*)?\}")


def _answers(spec: str) -> list[tuple[Decimal, str]]:
    """(fraction in percent, text) for each `~`-separated answer, feedback removed."""
    out: list[tuple[Decimal, str]] = []
    for raw in re.split(r"(?<!\\)~", spec):
        text = re.split(r"(?<!\\)#", raw, maxsplit=1)[0]
        weight = Decimal(0)
        if text.startswith("="):
            weight, text = Decimal(100), text[1:]
        else:
            m = re.match(r"^%(-?\d+(?:\.\d+)?)%", text)
            if m:
                weight, text = Decimal(m.group(1)), text[m.end() :]
        text = text.replace("\\~", "~").replace("\\#", "#").replace("\\}", "}").strip()
        out.append((weight, text))
    return out


def parse_cloze(stem_html: str) -> tuple[ItemContent | None, str | None]:
    gaps: list[Gap] = []
    errors: list[str] = []

    def replace(m: re.Match[str]) -> str:
        gap_id = f"g{len(gaps) + 1}"
        points = Decimal(m.group(1) or 1)
        kind = m.group(2)
        answers = _answers(m.group(3))
        if kind.startswith(("MULTICHOICE", "MC", "MULTIRESPONSE", "MR")):
            choices = [Choice(letter(i), text) for i, (_w, text) in enumerate(answers)]
            if len(choices) < 2:
                errors.append(_("Chỗ trống %(n)s cần ít nhất 2 lựa chọn.") % {"n": len(gaps) + 1})
            if kind.startswith(("MULTIRESPONSE", "MR")):
                key: object = [c.id for c, (w, _t) in zip(choices, answers, strict=True) if w > 0]
            else:
                right = [c.id for c, (w, _t) in zip(choices, answers, strict=True) if w == 100]
                if not right:
                    errors.append(
                        _("Chỗ trống %(n)s không có lựa chọn đúng 100%%.") % {"n": len(gaps) + 1}
                    )
                key = right[0] if right else None
            gaps.append(Gap(gap_id, "choice", choices=choices, key=key, points=points))
        elif kind in ("NUMERICAL", "NM"):
            right_text = next((t for w, t in answers if w == 100), "")
            try:
                value = Decimal(right_text.split(":", 1)[0])
            except InvalidOperation:
                errors.append(
                    _("Chỗ trống %(n)s: đáp án số “%(v)s” không hợp lệ.")
                    % {"n": len(gaps) + 1, "v": right_text}
                )
                value = None
            gaps.append(
                Gap(gap_id, "numeric", key=str(value) if value is not None else None, points=points)
            )
        else:
            accepted = [t for w, t in answers if w == 100 and t != "*"]
            gaps.append(
                Gap(gap_id, "text", key=accepted, points=points, case_sensitive=kind.endswith("_C"))
            )
        return f"[[{gap_id}]]"

    stem = GAP_RE.sub(replace, stem_html)
    if not gaps:
        malformed = ANY_GAP_RE.search(stem_html)
        if malformed:
            return None, _("Chỗ trống “%(g)s” viết sai cú pháp.") % {"g": malformed.group(0)}
        return None, _("Câu điền khuyết không có chỗ trống nào.")
    if errors:
        return None, " ".join(errors)
    return ItemContent(type=ItemType.CLOZE, stem_html=stem, gaps=gaps), None
