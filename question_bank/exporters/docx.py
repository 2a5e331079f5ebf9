"""Word (.docx) in the Vietnamese teachers' format, readable again by our importer:
PHẦN I/II/III headings, "Câu n:", options "A." with the key underlined, "Đáp án:" lines for
true/false clusters and short answers, "Lời giải:" for solutions."""

from __future__ import annotations

import io
import re
from html import unescape

from docx import Document

from ..interchange import ItemContent, ItemType

PART_TITLES = {
    "I": "PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.",
    "II": "PHẦN II. Câu trắc nghiệm đúng sai.",
    "III": "PHẦN III. Câu trắc nghiệm trả lời ngắn.",
    "": "PHẦN IV. Tự luận và các dạng khác.",
}


def _text(html_text: str) -> str:
    text = re.sub(r"</p>\s*<p>|<br\s*/?>", "\n", html_text)
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _part(content: ItemContent) -> str:
    return {
        ItemType.SINGLE_CHOICE: "I",
        ItemType.MULTIPLE_RESPONSE: "I",
        ItemType.TRUE_FALSE_CLUSTER: "II",
        ItemType.SHORT_NUMERIC: "III",
    }.get(content.type, "")


def export_docx(contents: list[ItemContent], title: str = "") -> bytes:
    doc = Document()
    if title:
        doc.add_heading(title, level=1)
    for part in ("I", "II", "III", ""):
        group = [c for c in contents if _part(c) == part]
        if not group:
            continue
        doc.add_paragraph(PART_TITLES[part])
        for number, content in enumerate(group, start=1):
            lines = _text(content.stem_html).split("\n") or [""]
            doc.add_paragraph(f"Câu {number}: {lines[0]}")
            for line in lines[1:]:
                doc.add_paragraph(line)
            if content.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
                keys = content.key if isinstance(content.key, list) else [content.key]
                for choice in content.choices:
                    p = doc.add_paragraph()
                    label = p.add_run(f"{choice.id}.")
                    label.underline = choice.id in keys
                    p.add_run(f" {_text(choice.html)}")
                if content.type == ItemType.MULTIPLE_RESPONSE:
                    doc.add_paragraph("Đáp án: " + ", ".join(keys))
            elif content.type == ItemType.TRUE_FALSE_CLUSTER:
                for choice in content.choices:
                    doc.add_paragraph(f"{choice.id}) {_text(choice.html)}")
                doc.add_paragraph(
                    "Đáp án: "
                    + ", ".join(f"{k}) {'Đ' if v else 'S'}" for k, v in content.key.items())
                )
            elif content.type == ItemType.SHORT_NUMERIC:
                doc.add_paragraph(f"Đáp án: {content.key}")
            elif content.type == ItemType.SHORT_TEXT:
                doc.add_paragraph("Đáp án: " + "; ".join(content.key))
            if content.solution_html:
                doc.add_paragraph("Lời giải: " + _text(content.solution_html).replace("\n", " "))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
