"""Checks an item's content is complete and its key matches its type, with Vietnamese messages.

Short numeric answers (2025 format, Part III): at most 4 significant characters from digits,
"-" and the decimal comma, trailing zeros of the decimal part not counted. A response is equal
to the key when both read as the same number: "0,25", ",25", "0.25" and "0,250" are all 0.25 (a
point is accepted for the comma). `short_numeric_value` is the one rule both the bank and the
assessment engine use.
Answers imported with a tolerance (Moodle/GIFT "3.1415:0.0005") are numbers of any length.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .interchange import ItemContent, ItemType

SHORT_NUMERIC_RE = re.compile(r"^-?(\d+([,.]\d*)?|[,.]\d+)$")
TF_IDS = ("a", "b", "c", "d")


def numeric_value(answer: str) -> Decimal | None:
    text = answer.strip().replace(" ", "")
    if not SHORT_NUMERIC_RE.match(text):
        return None
    text = text.replace(",", ".")
    if text.startswith("."):
        text = "0" + text
    elif text.startswith("-."):
        text = "-0" + text[1:]
    try:
        return Decimal(text.rstrip(".") if text.endswith(".") else text)
    except InvalidOperation:
        return None


SHORT_NUMERIC_MAX_CHARS = 4


def significant_text(answer: str) -> str:
    """The answer without spaces and without trailing zeros after its decimal separator:
    "0,250" is written "0,25", which is what the 4 boxes of the answer sheet hold."""
    text = answer.strip().replace(" ", "")
    if "," in text or "." in text:
        text = text.rstrip("0")
    return text


def short_numeric_value(answer: str) -> Decimal | None:
    """The value of a student's short numeric answer, or None when it is not one: a number
    (see `numeric_value`) of at most 4 significant characters."""
    if len(significant_text(answer)) > SHORT_NUMERIC_MAX_CHARS:
        return None
    return numeric_value(answer)


def numeric_equal(response: str, key: str) -> bool:
    a, b = numeric_value(response), numeric_value(key)
    return a is not None and a == b


def validate_content(content: ItemContent) -> list[str]:
    """Problems with the content, empty when it is fine."""
    problems: list[str] = []
    ids = [c.id for c in content.choices]
    if not content.stem_html.strip() and content.type != ItemType.CLOZE:
        problems.append(_("Thiếu nội dung câu hỏi."))
    if len(set(ids)) != len(ids):
        problems.append(_("Các phương án trùng nhãn."))
    t = content.type
    if t == ItemType.SINGLE_CHOICE:
        if len(ids) < 2:
            problems.append(_("Câu trắc nghiệm cần ít nhất 2 phương án."))
        if content.key is None:
            problems.append(_("Chưa có đáp án đúng."))
        elif content.key not in ids:
            problems.append(
                _("Đáp án %(key)s không có trong các phương án.") % {"key": content.key}
            )
    elif t == ItemType.MULTIPLE_RESPONSE:
        if not isinstance(content.key, list) or not content.key:
            problems.append(_("Chưa có đáp án đúng."))
        elif any(k not in ids for k in content.key):
            problems.append(_("Đáp án không khớp với các phương án."))
    elif t == ItemType.TRUE_FALSE_CLUSTER:
        key = content.key if isinstance(content.key, dict) else {}
        if not ids:
            problems.append(_("Câu đúng/sai cần các ý a), b), c), d)."))
        missing = [i for i in ids if not isinstance(key.get(i), bool)]
        if missing:
            problems.append(
                _("Chưa có đáp án Đúng/Sai cho ý: %(ids)s.") % {"ids": ", ".join(missing)}
            )
    elif t == ItemType.SHORT_NUMERIC:
        answer = content.key if isinstance(content.key, str) else ""
        if not answer:
            problems.append(_("Chưa có đáp án."))
        elif numeric_value(answer) is None or (
            content.tolerance is None and len(answer.strip()) > 4
        ):
            problems.append(
                _(
                    "Đáp án trả lời ngắn “%(key)s” phải là số, tối đa 4 kí tự "
                    "(chữ số, dấu -, dấu phẩy)."
                )
                % {"key": answer}
            )
    elif t == ItemType.SHORT_TEXT:
        if not isinstance(content.key, list) or not content.key:
            problems.append(_("Chưa có đáp án."))
    elif t == ItemType.MATCHING:
        targets = {c.id for c in content.targets}
        key = content.key if isinstance(content.key, dict) else {}
        if not key or any(s not in ids or v not in targets for s, v in key.items()):
            problems.append(_("Đáp án ghép đôi không khớp với các vế."))
    elif t == ItemType.ORDERING:
        if not isinstance(content.key, list) or sorted(content.key) != sorted(ids):
            problems.append(_("Thứ tự đúng phải gồm đủ các phương án."))
    elif t == ItemType.CLOZE:
        if not content.gaps:
            problems.append(_("Câu điền khuyết chưa có chỗ trống."))
        for gap in content.gaps:
            if gap.key in (None, "", []):
                problems.append(_("Chỗ trống %(id)s chưa có đáp án.") % {"id": gap.id})
    return problems
