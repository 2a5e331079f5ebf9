"""The Excel (.xlsx) and CSV template: one question per row, headers in Vietnamese.

Columns (header names are matched without diacritics or case): "Câu", "Phần" (I/II/III),
"Dạng" (optional: a type code such as single_choice, or TN / DS / TLN / TL), "Nội dung",
"A".."D" (options, or statements a-d for true/false), "Đáp án", "Lời giải", "Môn" (code),
"Khối", "Chủ đề", "Mức độ" (Biết/Hiểu/Vận dụng/Vận dụng cao), "Độ khó", "Thẻ" (comma separated).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.api import fold

from ..interchange import (
    Choice,
    ImportProblem,
    ItemContent,
    ItemMeta,
    ItemType,
    ParsedItem,
    ParseResult,
    Part,
)
from .common import UnreadableFile, esc, problem

HEADERS = {
    "cau": "number",
    "so cau": "number",
    "stt": "number",
    "phan": "part",
    "dang": "type",
    "noi dung": "stem",
    "cau hoi": "stem",
    "a": "A",
    "b": "B",
    "c": "C",
    "d": "D",
    "dap an": "key",
    "loi giai": "solution",
    "huong dan giai": "solution",
    "mon": "subject",
    "khoi": "grade",
    "lop": "grade",
    "chu de": "topic",
    "muc do": "level",
    "do kho": "difficulty",
    "the": "tags",
}
TYPE_ALIASES = {
    "tn": ItemType.SINGLE_CHOICE,
    "ds": ItemType.TRUE_FALSE_CLUSTER,
    "tln": ItemType.SHORT_NUMERIC,
    "tl": ItemType.ESSAY,
    "nhieu dap an": ItemType.MULTIPLE_RESPONSE,
}
LEVELS = {
    "biet": "biet",
    "nhan biet": "biet",
    "hieu": "hieu",
    "thong hieu": "hieu",
    "van dung": "van_dung",
    "van dung cao": "van_dung_cao",
}
PARTS = {"i": Part.I, "1": Part.I, "ii": Part.II, "2": Part.II, "iii": Part.III, "3": Part.III}


def _type(row: dict[str, str], part: Part | None) -> ItemType | None:
    raw = fold(row.get("type", "")).strip()
    if raw:
        if raw in TYPE_ALIASES:
            return TYPE_ALIASES[raw]
        try:
            return ItemType(raw)
        except ValueError:
            return None
    if part == Part.II:
        return ItemType.TRUE_FALSE_CLUSTER
    if part == Part.III:
        return ItemType.SHORT_NUMERIC
    if any(row.get(k) for k in "ABCD"):
        key = row.get("key", "").replace(" ", "")
        return (
            ItemType.MULTIPLE_RESPONSE
            if len(re.findall(r"[A-D]", key)) > 1
            else (ItemType.SINGLE_CHOICE)
        )
    return ItemType.SHORT_NUMERIC if row.get("key") else ItemType.ESSAY


def _row_item(row: dict[str, str], location: str) -> tuple[ParsedItem | None, str | None]:
    part = PARTS.get(fold(row.get("part", "")).strip())
    item_type = _type(row, part)
    if item_type is None:
        return None, _("Dạng câu hỏi “%(t)s” không hợp lệ.") % {"t": row.get("type")}
    stem = f"<p>{esc(row.get('stem', '').strip())}</p>" if row.get("stem", "").strip() else ""
    key_text = row.get("key", "").strip()
    solution = esc(row.get("solution", "").strip())
    content = ItemContent(type=item_type, stem_html=stem, solution_html=solution)
    if item_type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        content.choices = [Choice(k, esc(row[k].strip())) for k in "ABCD" if row.get(k, "").strip()]
        letters = re.findall(r"[A-D]", key_text.upper())
        content.key = letters[0] if item_type == ItemType.SINGLE_CHOICE and letters else letters
    elif item_type == ItemType.TRUE_FALSE_CLUSTER:
        content.choices = [
            Choice(k.lower(), esc(row[k].strip())) for k in "ABCD" if row.get(k, "").strip()
        ]
        pairs = re.findall(r"([a-d])\s*[).:\-]?\s*(Đúng|Sai|Đ|S)", key_text, re.IGNORECASE)
        if pairs:
            content.key = {k.lower(): v.upper().startswith("Đ") for k, v in pairs}
        else:
            marks = re.findall(r"Đúng|Sai|Đ|S", key_text, re.IGNORECASE)
            content.key = {"abcd"[i]: m.upper().startswith("Đ") for i, m in enumerate(marks[:4])}
    elif item_type == ItemType.SHORT_NUMERIC:
        content.key = key_text.replace(" ", "")
    elif item_type == ItemType.SHORT_TEXT:
        content.key = [a.strip() for a in key_text.split(";") if a.strip()]
    difficulty = None
    if row.get("difficulty", "").strip():
        try:
            difficulty = Decimal(row["difficulty"].replace(",", "."))
        except InvalidOperation:
            return None, _("Độ khó “%(d)s” không phải số.") % {"d": row["difficulty"]}
    grade = None
    if row.get("grade", "").strip():
        if not row["grade"].strip().isdigit():
            return None, _("Khối “%(g)s” không phải số.") % {"g": row["grade"]}
        grade = int(row["grade"].strip())
    level_raw = fold(row.get("level", "")).strip()
    if level_raw and level_raw not in LEVELS:
        return None, _("Mức độ “%(l)s” không hợp lệ.") % {"l": row["level"]}
    meta = ItemMeta(
        subject=row.get("subject", "").strip(),
        grade=grade,
        topic=row.get("topic", "").strip(),
        level=LEVELS.get(level_raw, ""),
        difficulty=difficulty,
        tags=[t.strip() for t in row.get("tags", "").split(",") if t.strip()],
    )
    return ParsedItem(
        content=content,
        meta=meta,
        number=row.get("number", "").strip() or None,
        part=part,
        location=location,
    ), None


def _rows(table: list[list[Any]], filename: str) -> ParseResult:
    if not table:
        raise UnreadableFile(_("%(f)s: tệp trống.") % {"f": filename})
    header = [HEADERS.get(fold(str(h or "")).strip(), "") for h in table[0]]
    if "stem" not in header:
        raise UnreadableFile(
            _("%(f)s: dòng 1 phải là tiêu đề mẫu, có cột “Nội dung”.") % {"f": filename}
        )
    has_key = "key" in header
    items: list[ParsedItem] = []
    problems: list[ImportProblem] = []
    for line_no, values in enumerate(table[1:], start=2):
        row = {
            name: ("" if v is None else str(v))
            for name, v in zip(header, values, strict=False)
            if name
        }
        if not any(row.values()):
            continue
        location = f"{filename}, dòng {line_no}"
        item, error = _row_item(row, location)
        if item is not None and not has_key and item.content.type != ItemType.ESSAY:
            # Without the column every keyed question would otherwise fail later with a bare
            # "no key" message that does not say the column itself is missing.
            number = item.number or str(line_no - 1)
            problems.append(
                problem(
                    f"{location}, câu {number}",
                    _(
                        "Tệp không có cột “Đáp án” nên câu %(n)s không có đáp án. Hãy thêm cột "
                        "“Đáp án” vào dòng tiêu đề (dòng 1) và ghi đáp án cho từng câu."
                    )
                    % {"n": number},
                )
            )
            continue
        if error:
            problems.append(problem(location, error))
        elif item is not None:
            items.append(item)
    return ParseResult(items=items, problems=problems)


def parse_csv(text: str, filename: str) -> ParseResult:
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _rows(list(csv.reader(io.StringIO(text), dialect)), filename)


def parse_xlsx(data: bytes, filename: str) -> ParseResult:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(
            _("%(f)s: không phải tệp Excel .xlsx đọc được (%(e)s).") % {"f": filename, "e": exc}
        ) from exc
    sheet = workbook.worksheets[0]
    return _rows([list(r) for r in sheet.iter_rows(values_only=True)], filename)


# The downloadable template (import wizard): the header row and one sample row of each 2025
# part plus an essay; importing it as it is gives four valid items.
TEMPLATE_HEADERS = (
    "Câu", "Phần", "Dạng", "Nội dung", "A", "B", "C", "D", "Đáp án", "Lời giải",
    "Môn", "Khối", "Chủ đề", "Mức độ", "Độ khó", "Thẻ",
)  # fmt: skip
TEMPLATE_ROWS = (
    (
        "1", "I", "TN", "Nghiệm của phương trình $x^2 - 3x + 2 = 0$ là", "1 và 2", "-1 và -2",
        "0 và 3", "Vô nghiệm", "A", "Phân tích thành $(x-1)(x-2)=0$.", "TOAN", "10",
        "Phương trình bậc hai", "Biết", "0,8", "phương trình, bậc hai",
    ),
    (
        "2", "II", "DS", "Cho hàm số $y = x^2$.", "Hàm số đồng biến trên $(0; +\\infty)$.",
        "Đồ thị đi qua điểm $(1; 1)$.", "Hàm số có giá trị lớn nhất.",
        "Đồ thị nhận Oy làm trục đối xứng.",
        "a) Đ; b) Đ; c) S; d) Đ", "", "TOAN", "10", "Hàm số bậc hai", "Hiểu", "0,6", "hàm số",
    ),
    (
        "3", "III", "TLN", "Tính $\\frac{1}{4}$ dưới dạng số thập phân.", "", "", "", "", "0,25",
        "", "TOAN", "10", "Số thực", "Vận dụng", "0,5", "",
    ),
    (
        "4", "", "TL", "Trình bày cách giải phương trình bậc hai bằng công thức nghiệm.", "", "",
        "", "", "", "Tính biệt thức, xét dấu, áp dụng công thức.", "TOAN", "10",
        "Phương trình bậc hai", "Vận dụng", "", "tự luận",
    ),
)  # fmt: skip
