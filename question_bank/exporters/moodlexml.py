"""Moodle XML quiz files from ItemContent (readable by Moodle and by our importer).

True/false clusters become four Moodle truefalse questions sharing the stem, since Moodle has
no cluster type; cloze items become Moodle "cloze" questions with embedded answers.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from lxml import etree

from ..interchange import Choice, ItemContent, ItemType

GAP_RE = re.compile(r"\[\[([^\]]+)\]\]")


def _text(parent: Any, tag: str, html: str, fmt: str = "html") -> Any:
    el = etree.SubElement(parent, tag, format=fmt)
    etree.SubElement(el, "text").text = html
    return el


def _question(quiz: Any, qtype: str, name: str, content: ItemContent, stem: str) -> Any:
    q = etree.SubElement(quiz, "question", type=qtype)
    etree.SubElement(etree.SubElement(q, "name"), "text").text = name
    _text(q, "questiontext", stem)
    _text(q, "generalfeedback", content.solution_html)
    return q


def _answer(q: Any, fraction: str, html: str) -> Any:
    a = _text(q, "answer", html)
    a.set("fraction", fraction)
    return a


def _cloze_gap(content: ItemContent, gap_id: str) -> str:
    gap = next(g for g in content.gaps if g.id == gap_id)

    def plain(c: Choice) -> str:
        return re.sub(r"<[^>]+>", "", c.html).replace("~", "\\~").replace("}", "\\}")

    if gap.kind == "choice":
        keys = gap.key if isinstance(gap.key, list) else [gap.key]
        kind = "MULTIRESPONSE" if isinstance(gap.key, list) else "MULTICHOICE"
        answers = "~".join(("=" if c.id in keys else "") + plain(c) for c in gap.choices)
        return f"{{1:{kind}:{answers}}}"
    if gap.kind == "numeric":
        return f"{{1:NUMERICAL:={gap.key}}}"
    kind = "SHORTANSWER_C" if gap.case_sensitive else "SHORTANSWER"
    return f"{{1:{kind}:" + "~".join(f"={a}" for a in gap.key) + "}"


def _embedded(content: ItemContent, match: re.Match[str]) -> str:
    return _cloze_gap(content, match.group(1))


def export_moodle_xml(items: list[tuple[str, ItemContent]]) -> bytes:
    quiz = etree.Element("quiz")
    for name, content in items:
        t = content.type
        if t in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
            q = _question(quiz, "multichoice", name, content, content.stem_html)
            single = t == ItemType.SINGLE_CHOICE
            etree.SubElement(q, "single").text = "true" if single else "false"
            keys = [content.key] if single else list(content.key)
            share = 100 / len(keys)
            for c in content.choices:
                fraction = f"{share:.5f}".rstrip("0").rstrip(".") if c.id in keys else "0"
                _answer(q, fraction, c.html)
        elif t == ItemType.TRUE_FALSE_CLUSTER:
            for c in content.choices:
                stem = f"{content.stem_html}<p>{c.id}) {c.html}</p>"
                q = _question(quiz, "truefalse", f"{name} {c.id}", content, stem)
                truth = content.key[c.id]
                _answer(q, "100" if truth else "0", "true")
                _answer(q, "0" if truth else "100", "false")
        elif t == ItemType.SHORT_NUMERIC:
            q = _question(quiz, "numerical", name, content, content.stem_html)
            a = _answer(q, "100", content.key.replace(",", "."))
            etree.SubElement(a, "tolerance").text = str(content.tolerance or 0)
        elif t == ItemType.SHORT_TEXT:
            q = _question(quiz, "shortanswer", name, content, content.stem_html)
            etree.SubElement(q, "usecase").text = "1" if content.case_sensitive else "0"
            for answer in content.key:
                _answer(q, "100", answer)
        elif t == ItemType.ESSAY:
            q = _question(quiz, "essay", name, content, content.stem_html)
            _text(q, "graderinfo", content.rubric_html)
        elif t == ItemType.MATCHING:
            q = _question(quiz, "matching", name, content, content.stem_html)
            targets = {c.id: c for c in content.targets}
            for source in content.choices:
                sub = _text(q, "subquestion", source.html)
                answer = etree.SubElement(sub, "answer")
                etree.SubElement(answer, "text").text = re.sub(
                    r"<[^>]+>", "", targets[content.key[source.id]].html
                )
            used = set(content.key.values())
            for target in content.targets:
                if target.id not in used:  # a distractor: a subquestion without text
                    sub = _text(q, "subquestion", "")
                    answer = etree.SubElement(sub, "answer")
                    etree.SubElement(answer, "text").text = re.sub(r"<[^>]+>", "", target.html)
        elif t == ItemType.ORDERING:
            q = _question(quiz, "ordering", name, content, content.stem_html)
            by_id = {c.id: c for c in content.choices}
            for position, choice_id in enumerate(content.key, start=1):
                _answer(q, str(position), by_id[choice_id].html)
        elif t == ItemType.CLOZE:
            stem = GAP_RE.sub(partial(_embedded, content), content.stem_html)
            _question(quiz, "cloze", name, content, stem)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)
