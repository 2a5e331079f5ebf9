"""Lesson plans (Official Letter 5512) to and from Word: mammoth in, python-docx and PDF out.

A teacher's .docx is read as a sequence of paragraphs; the 5512 headings ("I. Mục tiêu",
"1. Kiến thức", "Hoạt động 2: Hình thành kiến thức mới", "a) Mục tiêu", ...) decide where the
following paragraphs go. Whatever comes before the first heading or under a heading we do not
know is kept in `unmapped` for the teacher to place by hand.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import IO, Any

import mammoth
from django.template.loader import render_to_string
from django.utils.html import escape
from docx import Document as DocxDocument
from lxml import html as lxml_html

from core.api import fold

OBJECTIVE_KINDS = ("knowledge", "competences", "qualities")
ACTIVITY_KINDS = ("opening", "new_knowledge", "practice", "application")
PARTS = ("aim", "content", "product", "organisation")

OBJECTIVE_TITLES = {"knowledge": "Kiến thức", "competences": "Năng lực", "qualities": "Phẩm chất"}
ACTIVITY_TITLES = {
    "opening": "Mở đầu",
    "new_knowledge": "Hình thành kiến thức mới",
    "practice": "Luyện tập",
    "application": "Vận dụng",
}
PART_TITLES = {
    "aim": "a) Mục tiêu",
    "content": "b) Nội dung",
    "product": "c) Sản phẩm",
    "organisation": "d) Tổ chức thực hiện",
}

UNMAPPED_HEADING = "NỘI DUNG CHƯA XẾP"
UNMAPPED_KEY = fold(UNMAPPED_HEADING)
_SECTION = re.compile(r"^(i{1,3}|iv|v|vi)[.)]\s*(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s*(kien thuc|nang luc|pham chat)\b")
_ACTIVITY = re.compile(r"^hoat dong\s*(\d+)?\s*[:.\-–]?\s*(.*)$")
_PART = re.compile(r"^([a-d])[.)]\s*(muc tieu|noi dung|san pham|to chuc thuc hien)\b")
_ACTIVITY_WORDS = (
    ("new_knowledge", ("hinh thanh kien thuc", "kham pha", "kien thuc moi")),
    ("practice", ("luyen tap",)),
    ("application", ("van dung", "tim toi", "mo rong")),
    ("opening", ("mo dau", "khoi dong", "xac dinh van de")),
)


@dataclass
class Activity:
    kind: str
    title: str = ""
    parts: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PARTS})


@dataclass
class LessonPlanData:
    title: str = ""
    objectives: dict[str, list[str]] = field(
        default_factory=lambda: {k: [] for k in OBJECTIVE_KINDS}
    )
    equipment: list[str] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    # --- to and from the page's fields -------------------------------------------------------
    def page_fields(self) -> dict[str, Any]:
        return {
            "objectives": [
                (kind, _html(self.objectives[kind]))
                for kind in OBJECTIVE_KINDS
                if self.objectives[kind]
            ],
            "equipment": _html(self.equipment),
            "activities": [
                (
                    "activity",
                    {
                        "kind": a.kind,
                        "title": a.title,
                        **{part: _html(a.parts[part]) for part in PARTS},
                    },
                )
                for a in self.activities
            ],
            "unmapped": _html(self.unmapped),
        }

    @classmethod
    def from_page(cls, page: Any) -> LessonPlanData:
        data = cls(title=page.title)
        for block in page.objectives:
            data.objectives[block.block_type] = _paragraphs(block.value.source)
        data.equipment = _paragraphs(page.equipment)
        for block in page.activities:
            value = block.value
            activity = Activity(kind=value["kind"], title=value["title"])
            for part in PARTS:
                activity.parts[part] = _paragraphs(value[part].source)
            data.activities.append(activity)
        data.unmapped = _paragraphs(page.unmapped)
        return data


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _paragraphs(markup: str) -> list[str]:
    if not markup or not markup.strip():
        return []
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    return [t for t in (" ".join(el.text_content().split()) for el in _blocks(root)) if t]


def _blocks(root: Any) -> list[Any]:
    """Paragraph-level elements in document order (list items and table cells flattened)."""
    found: list[Any] = []
    for el in root:
        tag = el.tag if isinstance(el.tag, str) else ""
        container = tag in {"ul", "ol", "table", "tbody", "thead", "tr", "div", "blockquote"}
        wrapper = tag in {"td", "th", "li"} and len(el) and el[0].tag in {"p", "ul", "ol"}
        if container or wrapper:
            found.extend(_blocks(el))
        elif tag:
            found.append(el)
    return found


# --- import --------------------------------------------------------------------------------


def read_docx(stream: IO[bytes]) -> LessonPlanData:
    result = mammoth.convert_to_html(stream)
    data = LessonPlanData(messages=[m.message for m in result.messages])
    parse_paragraphs(_paragraphs(result.value), data)
    return data


def _activity_kind(rest: str, number: str | None) -> str | None:
    for kind, words in _ACTIVITY_WORDS:
        if any(w in rest for w in words):
            return kind
    if number and 1 <= int(number) <= 4:
        return ACTIVITY_KINDS[int(number) - 1]
    return None


def _after_colon(text: str) -> str:
    return text.split(":", 1)[1].strip() if ":" in text else ""


def parse_paragraphs(paragraphs: list[str], data: LessonPlanData) -> None:
    section = ""  # "", objectives, equipment, process, unknown
    target: list[str] = data.unmapped
    activity: Activity | None = None
    for text in paragraphs:
        key = fold(text).strip()
        if section_match := _SECTION.match(key):
            rest = section_match.group(2)
            activity = None
            if rest.startswith("muc tieu"):
                section, target = "objectives", data.unmapped
            elif rest.startswith("thiet bi"):
                section, target = "equipment", data.equipment
            elif rest.startswith("tien trinh"):
                section, target = "process", data.unmapped
            else:
                section, target = "unknown", data.unmapped
                if not rest.startswith(UNMAPPED_KEY):
                    target.append(text)
            continue
        if section == "objectives" and (numbered := _NUMBERED.match(key)):
            kind = OBJECTIVE_KINDS[("kien thuc", "nang luc", "pham chat").index(numbered.group(1))]
            target = data.objectives[kind]
            if remainder := _after_colon(text):
                target.append(remainder)
            continue
        if section == "process" and (act := _ACTIVITY.match(key)):
            activity_kind = _activity_kind(act.group(2), act.group(1))
            if activity_kind is not None:
                activity = Activity(kind=activity_kind, title=_after_colon(text) or text)
                data.activities.append(activity)
                target = data.unmapped
                continue
        if activity is not None and (part := _PART.match(key)):
            name = PARTS["abcd".index(part.group(1))]
            target = activity.parts[name]
            if remainder := _after_colon(text):
                target.append(remainder)
            continue
        if section == "" and not data.title:
            data.title = text
            continue
        target.append(text)


# --- export --------------------------------------------------------------------------------


def write_docx(data: LessonPlanData) -> bytes:
    document = DocxDocument()
    document.add_heading(data.title, level=0)
    document.add_heading("I. MỤC TIÊU", level=1)
    for number, kind in enumerate(OBJECTIVE_KINDS, start=1):
        document.add_heading(f"{number}. {OBJECTIVE_TITLES[kind]}", level=2)
        for paragraph in data.objectives[kind]:
            document.add_paragraph(paragraph)
    document.add_heading("II. THIẾT BỊ DẠY HỌC VÀ HỌC LIỆU", level=1)
    for paragraph in data.equipment:
        document.add_paragraph(paragraph)
    document.add_heading("III. TIẾN TRÌNH DẠY HỌC", level=1)
    for number, activity in enumerate(data.activities, start=1):
        title = activity.title or ACTIVITY_TITLES[activity.kind]
        document.add_heading(f"Hoạt động {number}: {title}", level=2)
        for part in PARTS:
            document.add_heading(PART_TITLES[part], level=3)
            for paragraph in activity.parts[part]:
                document.add_paragraph(paragraph)
    if data.unmapped:
        document.add_heading(f"IV. {UNMAPPED_HEADING}", level=1)
        for paragraph in data.unmapped:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def print_html(data: LessonPlanData) -> str:
    """The printable page the PDF is made from."""
    return render_to_string(
        "content/lesson_plan_print.html",
        {
            "plan": data,
            "objectives": [(OBJECTIVE_TITLES[k], data.objectives[k]) for k in OBJECTIVE_KINDS],
            "activities": [
                (
                    a.title or ACTIVITY_TITLES[a.kind],
                    [(PART_TITLES[p], a.parts[p]) for p in PARTS],
                )
                for a in data.activities
            ],
        },
    )


def write_pdf(data: LessonPlanData) -> bytes:
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    return bytes(HTML(string=print_html(data)).write_pdf())
