"""CSV and Excel exports of a course's progress (the class dashboard's table)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from .dashboards import ClassRow


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
        row.full_name,
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
    sheet.append([title])
    sheet.append(_header())
    for row in rows:
        sheet.append(_values(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
