"""Formula-injection protection for every CSV and Excel export (one helper for all apps).

A cell whose text starts with =, +, -, @, tab or CR is run as a formula by spreadsheet programs
(a learner named "=HYPERLINK(...)" or "@SUM(...)"), so such text gets a leading apostrophe and
stays text. Plain numbers written as text ("-1,5", "+3") are left alone: they run nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file of a workbook, ready for a download or a stored export."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
