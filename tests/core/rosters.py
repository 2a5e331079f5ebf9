"""Roster files in the layout the sector database (CSDL ngành) exports, built in the tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook

HEADER = ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"]
TITLE = [
    ["SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ HỒ CHÍ MINH"],
    ["DANH SÁCH HỌC SINH NĂM HỌC 2026-2027"],
    [],
]

# Three pupils of an upper-secondary school, as (id, name, born, gender, class).
GOOD_ROWS: list[tuple[Any, ...]] = [
    ("079210000001", "Nguyễn Văn An", "05/09/2011", "Nam", "10A1"),
    ("079310000002", "Trần Thị Bích Ngọc", "12/01/2011", "Nữ", "10A1"),
    ("001210000003", "Lê Hoàng Đức", "30/12/2010", "Nam", "11A2"),
]


def numbered(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [[i, *row] for i, row in enumerate(rows, start=1)]


def csv_bytes(
    rows: list[tuple[Any, ...]],
    *,
    title: bool = True,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerows(TITLE)
    writer.writerow(HEADER)
    writer.writerows(numbered(rows))
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[tuple[Any, ...]], *, title: bool = True) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách"
    if title:
        for line in TITLE:
            ws.append(line)
    ws.append(HEADER)
    for row in numbered(rows):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def with_wrong_dimension(xlsx: bytes) -> bytes:
    """The same workbook claiming its sheet is only cell A1, as some exporters write."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
            target.writestr(item, data)
    return out.getvalue()


def date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()
