"""Aiken: a question line, options "A)" or "A.", then "ANSWER: X"; blank lines between."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from ..interchange import Choice, ImportProblem, ItemContent, ItemType, ParsedItem, ParseResult
from .common import esc, problem

OPTION_RE = re.compile(r"^([A-Z])[.)]\s*(.*)$")
ANSWER_RE = re.compile(r"^ANSWER:\s*(.*)$")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            if not current:
                start = line_no
            current.append(raw.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_aiken(text: str, filename: str) -> ParseResult:
    items: list[ParsedItem] = []
    problems: list[ImportProblem] = []
    for number, (start, lines) in enumerate(_blocks(text), start=1):
        location = f"{filename}, dòng {start}"
        stem, rest = lines[0], lines[1:]
        if OPTION_RE.match(stem) or ANSWER_RE.match(stem):
            problems.append(problem(location, _("Thiếu nội dung câu hỏi trước các phương án.")))
            continue
        answer = ANSWER_RE.match(rest[-1]) if rest else None
        if answer is None:
            problems.append(problem(location, _("Câu hỏi chưa có dòng “ANSWER:”.")))
            continue
        options: list[Choice] = []
        bad = False
        for offset, line in enumerate(rest[:-1], start=1):
            option = OPTION_RE.match(line)
            if option is None:
                problems.append(
                    problem(
                        f"{filename}, dòng {start + offset}",
                        _("Dòng không đúng định dạng Aiken: “%(l)s”.") % {"l": line[:60]},
                    )
                )
                bad = True
                break
            options.append(Choice(id=option.group(1), html=esc(option.group(2).strip())))
        if bad:
            continue
        key = answer.group(1).strip()
        if len(options) < 2:
            problems.append(problem(location, _("Câu hỏi cần ít nhất 2 phương án.")))
        elif key not in [c.id for c in options]:
            problems.append(
                problem(location, _("Đáp án “%(k)s” không có trong các phương án.") % {"k": key})
            )
        else:
            items.append(
                ParsedItem(
                    content=ItemContent(
                        type=ItemType.SINGLE_CHOICE,
                        stem_html=f"<p>{esc(stem)}</p>",
                        choices=options,
                        key=key,
                    ),
                    number=str(number),
                    location=location,
                )
            )
    return ParseResult(items=items, problems=problems)
