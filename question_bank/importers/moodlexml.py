"""Moodle XML quiz files: multichoice, truefalse, shortanswer, numerical, essay, match, cloze,
gapselect, ddwtos and ordering. Other question types are reported by name, not dropped."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from ..interchange import (
    Choice,
    Gap,
    ImportProblem,
    ItemContent,
    ItemMeta,
    ItemType,
    ParsedItem,
    ParseResult,
)
from .cloze import parse_cloze
from .common import UnreadableFile, esc, letter, problem, unsupported

# The grades Moodle accepts for an answer (percent), as in question_bank_get_grade_options().
_GRADES = (
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
    "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
)  # fmt: skip
VALID_GRADES = [Decimal(x) for x in _GRADES]
_GRADE_TOLERANCE = Decimal("0.0001")


def _text(el: Any, path: str) -> str:
    node = el.find(path)
    return (node.text or "") if node is not None else ""


def _rich(el: Any, path: str) -> str:
    node = el.find(path)
    if node is None:
        return ""
    body = _text(node, "text")
    fmt = node.get("format", "html")
    return body.strip() if fmt == "html" else esc(body.strip())


def _valid_grade(value: Decimal) -> bool:
    return any(abs(abs(value) - g) <= _GRADE_TOLERANCE for g in VALID_GRADES)


def _answers(q: Any) -> list[tuple[Decimal, str, Any]]:
    out = []
    for a in q.findall("answer"):
        try:
            fraction = Decimal(a.get("fraction", "0"))
        except InvalidOperation:
            fraction = Decimal("NaN")
        fmt = a.get("format", "html")
        body = _text(a, "text")
        out.append((fraction, body.strip() if fmt == "html" else esc(body.strip()), a))
    return out


def _question(q: Any, qtype: str) -> tuple[ItemContent | None, str | None]:
    stem = _rich(q, "questiontext")
    solution = _rich(q, "generalfeedback")
    if qtype in ("multichoice", "truefalse"):
        answers = _answers(q)
        bad = [f"{i + 1} ({a[0]}%)" for i, a in enumerate(answers) if not _valid_grade(a[0])]
        if bad:
            return None, _("Điểm của phương án không hợp lệ: %(b)s.") % {"b": ", ".join(bad)}
        choices = [Choice(letter(i), text) for i, (_f, text, _a) in enumerate(answers)]
        if qtype == "truefalse":
            choices = [Choice("A", "Đúng"), Choice("B", "Sai")]
            true_first = answers[0][1].strip().lower() == "true" if answers else True
            right = [i for i, a in enumerate(answers) if a[0] == 100]
            if not right:
                return None, _("Chưa có đáp án đúng.")
            is_true = (right[0] == 0) == true_first
            return ItemContent(
                type=ItemType.SINGLE_CHOICE,
                stem_html=stem,
                choices=choices,
                key="A" if is_true else "B",
                solution_html=solution,
            ), None
        single = _text(q, "single").strip().lower() in ("true", "1")
        if single:
            right_ids = [c.id for c, a in zip(choices, answers, strict=True) if a[0] == 100]
            if not right_ids:
                return None, _("Không có phương án nào đúng 100%.")
            return ItemContent(
                type=ItemType.SINGLE_CHOICE,
                stem_html=stem,
                choices=choices,
                key=right_ids[0],
                solution_html=solution,
            ), None
        positive = [c.id for c, a in zip(choices, answers, strict=True) if a[0] > 0]
        if not positive:
            return None, _("Không có phương án nào có điểm dương.")
        return ItemContent(
            type=ItemType.MULTIPLE_RESPONSE,
            stem_html=stem,
            choices=choices,
            key=positive,
            solution_html=solution,
        ), None
    if qtype == "shortanswer":
        accepted = [re.sub(r"<[^>]+>", "", t) for f, t, _a in _answers(q) if f == 100]
        if not accepted:
            return None, _("Chưa có đáp án đúng 100%.")
        return ItemContent(
            type=ItemType.SHORT_TEXT,
            stem_html=stem,
            key=accepted,
            case_sensitive=_text(q, "usecase").strip() == "1",
            solution_html=solution,
        ), None
    if qtype == "numerical":
        for f, t, a in _answers(q):
            if f == 100:
                try:
                    value = Decimal(re.sub(r"<[^>]+>", "", t))
                    tolerance = Decimal(_text(a, "tolerance") or "0")
                except InvalidOperation:
                    return None, _("Đáp án số “%(v)s” không hợp lệ.") % {"v": t}
                return ItemContent(
                    type=ItemType.SHORT_NUMERIC,
                    stem_html=stem,
                    key=str(value),
                    tolerance=tolerance or None,
                    solution_html=solution,
                ), None
        return None, _("Chưa có đáp án đúng 100%.")
    if qtype == "essay":
        return ItemContent(
            type=ItemType.ESSAY,
            stem_html=stem,
            solution_html=solution,
            rubric_html=_rich(q, "graderinfo"),
        ), None
    if qtype in ("match", "matching"):
        sources: list[Choice] = []
        targets: list[Choice] = []
        key: dict[str, str] = {}
        for sub in q.findall("subquestion"):
            answer = _text(sub, "answer/text").strip()
            target = next((t for t in targets if t.html == esc(answer)), None)
            if target is None:
                target = Choice(letter(len(targets)), esc(answer))
                targets.append(target)
            body = _text(sub, "text").strip()
            if body:
                source = Choice(str(len(sources) + 1), body)
                sources.append(source)
                key[source.id] = target.id
        return ItemContent(
            type=ItemType.MATCHING,
            stem_html=stem,
            choices=sources,
            targets=targets,
            key=key,
            solution_html=solution,
        ), None
    if qtype == "ordering":
        answers = sorted(_answers(q), key=lambda a: a[0])
        choices = [Choice(letter(i), t) for i, (_f, t, _a) in enumerate(answers)]
        return ItemContent(
            type=ItemType.ORDERING,
            stem_html=stem,
            choices=choices,
            key=[c.id for c in choices],
            solution_html=solution,
        ), None
    if qtype == "cloze":
        content, error = parse_cloze(stem)
        if content is not None:
            content.solution_html = solution
        return content, error
    if qtype in ("gapselect", "ddwtos"):
        tag = "selectoption" if qtype == "gapselect" else "dragbox"
        options = [(_text(o, "text"), _text(o, "group") or "1") for o in q.findall(tag)]
        gaps: list[Gap] = []

        def replace(m: re.Match[str]) -> str:
            index = int(m.group(1)) - 1
            if index >= len(options):
                raise ValueError(m.group(0))
            group = options[index][1]
            members = [i for i, o in enumerate(options) if o[1] == group]
            choices = [Choice(letter(j), esc(options[i][0])) for j, i in enumerate(members)]
            gap_id = f"g{len(gaps) + 1}"
            gaps.append(Gap(gap_id, "choice", choices=choices, key=letter(members.index(index))))
            return f"[[{gap_id}]]"

        try:
            body = re.sub(r"\[\[(\d+)\]\]", replace, stem)
        except ValueError as exc:
            return None, _("Chỗ trống %(g)s không có lựa chọn tương ứng.") % {"g": exc}
        if not gaps:
            return None, _("Câu điền khuyết không có chỗ trống nào.")
        return ItemContent(
            type=ItemType.CLOZE, stem_html=body, gaps=gaps, solution_html=solution
        ), None
    return None, None


def parse_moodle_xml(data: bytes, filename: str) -> ParseResult:
    try:
        root = SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise UnreadableFile(
            _("%(f)s: XML không hợp lệ (%(e)s).") % {"f": filename, "e": exc}
        ) from exc
    except DefusedXmlException as exc:  # a DTD with entities: XXE or billion laughs
        raise UnreadableFile(
            _("%(loc)s: XML bị từ chối vì lí do an toàn (%(e)s).")
            % {"loc": filename, "e": type(exc).__name__}
        ) from exc
    if root.tag != "quiz":
        raise UnreadableFile(
            _("%(f)s: không phải tệp Moodle XML (thiếu thẻ <quiz>).") % {"f": filename}
        )
    items: list[ParsedItem] = []
    problems: list[ImportProblem] = []
    category = ""
    for number, q in enumerate(root.findall("question"), start=1):
        qtype = q.get("type", "")
        name = _text(q, "name/text").strip()
        location = f"{filename}, câu hỏi {number}" + (f" “{name}”" if name else "")
        if qtype == "category":
            category = _text(q, "category/text").strip()
            continue
        if qtype == "description":
            problems.append(
                problem(location, _("Đoạn mô tả (description) không phải câu hỏi; bỏ qua."))
            )
            continue
        content, error = _question(q, qtype)
        if content is None:
            problems.append(problem(location, error) if error else unsupported(location, qtype))
            continue
        tags = [t.text.strip() for t in q.findall("tags/tag/text") if t.text]
        meta = ItemMeta(tags=[*([category] if category else []), *tags], source=name)
        items.append(ParsedItem(content=content, meta=meta, number=str(number), location=location))
    return ParseResult(items=items, problems=problems)


def parse_cloze_text(text: str, filename: str) -> ParseResult:
    """The Moodle "embedded answers" text import: the whole file is one cloze question."""
    content, error = parse_cloze(text.strip())
    if content is None:
        return ParseResult(problems=[problem(f"{filename}, dòng 1", error or "")])
    content.stem_html = "".join(
        f"<p>{line}</p>" for line in content.stem_html.split("\n") if line.strip()
    )
    return ParseResult(items=[ParsedItem(content=content, number="1", location=filename)])
