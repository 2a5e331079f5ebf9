"""GIFT (Moodle's text format): every question type it has, with `$CATEGORY:` kept as a tag."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..interchange import (
    Choice,
    ImportProblem,
    ItemContent,
    ItemMeta,
    ItemType,
    ParsedItem,
    ParseResult,
)
from .common import esc, letter, problem

_ESCAPES = {
    "\\\\": "\x10",
    "\\:": "\x11",
    "\\=": "\x12",
    "\\~": "\x13",
    "\\#": "\x14",
    "\\{": "\x15",
    "\\}": "\x16",
    "\\n": "\n",
}
_RESTORE = {
    "\x10": "\\",
    "\x11": ":",
    "\x12": "=",
    "\x13": "~",
    "\x14": "#",
    "\x15": "{",
    "\x16": "}",
}
TITLE_RE = re.compile(r"^::(.*?)::", re.DOTALL)
FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _restore(text: str) -> str:
    for k, v in _RESTORE.items():
        text = text.replace(k, v)
    return text


def _html(text: str, default: str = "moodle") -> str:
    """The text of a stem or answer as HTML, honouring a leading [format] marker; answers
    without one take the question's format."""
    m = FORMAT_RE.match(text)
    fmt = m.group(1) if m else default
    body = _restore(text[m.end() :] if m else text).strip()
    return body if fmt == "html" else esc(body)


def _blocks(text: str) -> list[tuple[int, str]]:
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            if not current:
                start = line_no
            current.append(line)
        elif current:
            blocks.append((start, "\n".join(current)))
            current = []
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _answers(body: str) -> list[tuple[str, Decimal | None, str]]:
    """(marker "=" or "~", weight, text without feedback) for each answer."""
    out: list[tuple[str, Decimal | None, str]] = []
    for m in re.finditer(r"([=~])([^=~]*)", body):
        text = m.group(2).split("#", 1)[0].strip()
        weight = None
        w = WEIGHT_RE.match(text)
        if w:
            weight = Decimal(w.group(1))
            text = text[w.end() :].strip()
        out.append((m.group(1), weight, text))
    return out


def _numeric(body: str) -> tuple[str, Decimal | None] | None:
    spec = body.strip()
    if spec.startswith("="):
        answers = [a for a in _answers(spec) if a[0] == "=" and a[1] in (None, Decimal(100))]
        if not answers:
            return None
        spec = answers[0][2]
    spec = re.split(r"[~#]", spec, maxsplit=1)[0].strip()
    try:
        if ".." in spec:
            low, high = (Decimal(x) for x in spec.split(".."))
            return str((low + high) / 2), (high - low) / 2
        if ":" in spec:
            value, tol = spec.split(":", 1)
            return str(Decimal(value)), Decimal(tol)
        return str(Decimal(spec)), None
    except InvalidOperation:
        return None


def _question(raw: str) -> tuple[ItemContent | None, str, str | None]:
    """(content, title, error) for one question block."""
    text = raw
    for k, v in _ESCAPES.items():
        text = text.replace(k, v)
    title = ""
    t = TITLE_RE.match(text.strip())
    if t:
        title = _restore(t.group(1)).strip()
        text = text.strip()[t.end() :]
    open_at, close_at = text.find("{"), text.rfind("}")
    if open_at < 0 or close_at < open_at:
        return None, title, _("Thiếu phần đáp án trong ngoặc {…}.")
    before, body, after = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    fmt = FORMAT_RE.match(before)
    fmt_name = fmt.group(1) if fmt else "moodle"
    solution = ""
    if "####" in body:
        body, general = body.split("####", 1)
        solution = f"<p>{_html(general, fmt_name)}</p>"
    prefix = fmt.group(0) if fmt else ""
    stem_text = before[len(prefix) :] if fmt else before
    if re.search(r"\w", after):
        stem_text = f"{stem_text.rstrip()} _____ {after.lstrip()}"
    stem = f"<p>{_html(prefix + stem_text)}</p>"
    body = body.strip()
    head = body.split("#", 1)[0].strip().upper()
    if not body:
        return ItemContent(type=ItemType.ESSAY, stem_html=stem, solution_html=solution), title, None
    if head in {"T", "TRUE", "F", "FALSE"}:
        return (
            ItemContent(
                type=ItemType.SINGLE_CHOICE,
                stem_html=stem,
                choices=[Choice("A", "Đúng"), Choice("B", "Sai")],
                key="A" if head.startswith("T") else "B",
                solution_html=solution,
            ),
            title,
            None,
        )
    if body.startswith("#"):
        numeric = _numeric(body[1:])
        if numeric is None:
            return None, title, _("Đáp án số không đọc được.")
        return (
            ItemContent(
                type=ItemType.SHORT_NUMERIC,
                stem_html=stem,
                key=numeric[0],
                tolerance=numeric[1],
                solution_html=solution,
            ),
            title,
            None,
        )
    if body.startswith(">"):
        lines = [ln.strip() for ln in body.splitlines()[1:] if ln.strip()]
        choices = [Choice(letter(i), _html(ln, fmt_name)) for i, ln in enumerate(lines)]
        return (
            ItemContent(
                type=ItemType.ORDERING,
                stem_html=stem,
                choices=choices,
                key=[c.id for c in choices],
                solution_html=solution,
            ),
            title,
            None,
        )
    answers = _answers(body)
    if not answers:
        return None, title, _("Không đọc được các đáp án.")
    if all("->" in a[2] for a in answers):
        sources: list[Choice] = []
        targets: list[Choice] = []
        key: dict[str, str] = {}
        for left, right in (a[2].split("->", 1) for a in answers):
            target = next((t for t in targets if t.html == _html(right, fmt_name)), None)
            if target is None:
                target = Choice(letter(len(targets)), _html(right, fmt_name))
                targets.append(target)
            target_id = target.id
            if left.strip():
                source_id = str(len(sources) + 1)
                sources.append(Choice(source_id, _html(left, fmt_name)))
                key[source_id] = target_id
        return (
            ItemContent(
                type=ItemType.MATCHING,
                stem_html=stem,
                choices=sources,
                targets=targets,
                key=key,
                solution_html=solution,
            ),
            title,
            None,
        )
    if all(a[0] == "=" for a in answers):
        accepted = [_restore(a[2]) for a in answers if a[1] in (None, Decimal(100)) and a[2] != "*"]
        return (
            ItemContent(
                type=ItemType.SHORT_TEXT, stem_html=stem, key=accepted, solution_html=solution
            ),
            title,
            None,
        )
    choices = [Choice(letter(i), _html(a[2], fmt_name)) for i, a in enumerate(answers)]
    correct_ids = [c.id for c, a in zip(choices, answers, strict=True) if a[0] == "="]
    if correct_ids:
        return (
            ItemContent(
                type=ItemType.SINGLE_CHOICE,
                stem_html=stem,
                choices=choices,
                key=correct_ids[0],
                solution_html=solution,
            ),
            title,
            None,
        )
    positive = [c.id for c, a in zip(choices, answers, strict=True) if (a[1] or 0) > 0]
    if not positive:
        return None, title, _("Không có đáp án đúng (dấu = hoặc trọng số dương).")
    return (
        ItemContent(
            type=ItemType.MULTIPLE_RESPONSE,
            stem_html=stem,
            choices=choices,
            key=positive,
            solution_html=solution,
        ),
        title,
        None,
    )


def parse_gift(text: str, filename: str) -> ParseResult:
    items: list[ParsedItem] = []
    problems: list[ImportProblem] = []
    category = ""
    number = 0
    for start, block in _blocks(text):
        location = f"{filename}, dòng {start}"
        if block.strip().startswith("$CATEGORY:"):
            category = block.strip().split(":", 1)[1].strip()
            continue
        number += 1
        content, title, error = _question(block)
        if error or content is None:
            problems.append(problem(location, error or ""))
            continue
        meta = ItemMeta(tags=[category] if category else [], source=title)
        items.append(ParsedItem(content=content, meta=meta, number=str(number), location=location))
    return ParseResult(items=items, problems=problems)
