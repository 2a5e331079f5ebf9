"""CSV and Excel exports of a course's progress (the class dashboard's table)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.api import safe_cell as api_safe_cell
from core.api import workbook_bytes

from .dashboards import ClassRow

# One escaping rule for every export (core/spreadsheets.py); kept under this name for callers.
safe_cell = api_safe_cell


def _header() -> list[str]:
    return [
        _("Học sinh"),
        _("Hoạt động đã hoàn thành"),
        _("Tỉ lệ hoàn thành (%)"),
        _("Thời gian học (phút)"),
        _("Điểm trung bình"),
    ]


def _values(row: ClassRow) -> list[object]:
    return [
        safe_cell(row.full_name),
        row.completed,
        row.percent,
        row.minutes,
        float(row.average_score) if row.average_score is not None else None,
    ]


def progress_csv(rows: list[ClassRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    for row in rows:
        writer.writerow(["" if v is None else v for v in _values(row)])
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: Excel reads UTF-8 Vietnamese


def progress_xlsx(rows: list[ClassRow], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Tiến độ")[:31]
    sheet.append([safe_cell(title)])
    sheet.append(_header())
    for row in rows:
        sheet.append(_values(row))
    return workbook_bytes(book)
