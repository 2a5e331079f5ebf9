"""Candidates from an Excel sheet: checked completely first, stored all or nothing.

Columns (first row, any order, case and diacritics as written): "Họ và tên" (required),
"Số báo danh", "Lớp", "Ngày sinh" (dd/mm/yyyy or a date cell), "Mã định danh" (links the
candidate to the student's account, which must exist). Every error names its line and column.

The bytes are checked before openpyxl sees them: a real .xlsx (a zip holding a workbook) within
the size limits, so a renamed file or a zip bomb is refused with a reason.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.api import User, fold, safe_row, workbook_bytes, zip_problem

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Unpacked, a sheet of MAX_ROWS candidates stays far below this.
MAX_UNPACKED = 50 * 1024 * 1024
TEMPLATE_HEADER = ["Số báo danh", "Họ và tên", "Lớp", "Ngày sinh", "Mã định danh"]

COLUMNS = {
    "ho va ten": "full_name",
    "so bao danh": "number",
    "lop": "class_name",
    "ngay sinh": "date_of_birth",
    "ma dinh danh": "national_id",
}


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.strptime(str(value).strip(), "%d/%m/%Y").date()


def xlsx_problem(data: bytes, filename: str) -> str | None:
    """Why the bytes are not an acceptable .xlsx upload (Vietnamese), or None."""
    if len(data) > MAX_BYTES:
        return _("Tệp %(f)s lớn hơn giới hạn %(mb)s MB.") % {
            "f": filename,
            "mb": MAX_BYTES // (1024 * 1024),
        }
    not_xlsx = _("Tệp %(f)s không phải bảng tính Excel (.xlsx).") % {"f": filename}
    if not data.startswith(b"PK\x03\x04"):
        return not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = zip_problem(archive, max_entries=200, max_total=MAX_UNPACKED)
            if problem:
                return _("Tệp %(f)s: %(p)s") % {"f": filename, "p": problem}
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return not_xlsx
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return not_xlsx
    return None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def template_xlsx() -> bytes:
    """An empty sheet with the columns the importer reads, and one example line."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Thí sinh")
    # Our own fixed rows, escaped all the same: every writer goes through safe_row.
    ws.append(safe_row(TEMPLATE_HEADER))
    ws.append(safe_row(["", "Nguyễn Văn An", "12A1", "05/09/2008", ""]))
    for column, width in zip("ABCDE", (14, 30, 10, 14, 18), strict=True):
        ws.column_dimensions[column].width = width
    return workbook_bytes(wb)


def parse_candidates(
    data: bytes, filename: str, *, taken: set[str] | None = None
) -> list[dict[str, Any]]:
    """The people of the sheet, or ValidationError listing every problem with its line and
    column. `taken`: candidate numbers the exam already has."""
    from openpyxl import load_workbook

    problem = xlsx_problem(data, filename)
    if problem:
        raise ValidationError(problem)
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise ValidationError(
            _("Tệp %(f)s không đọc được như một bảng Excel (.xlsx).") % {"f": filename}
        ) from exc
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            raise ValidationError(
                _("Tệp %(f)s có hơn %(max)s dòng thí sinh.") % {"f": filename, "max": MAX_ROWS}
            )
    if not rows:
        raise ValidationError(_("Tệp %(f)s không có dữ liệu.") % {"f": filename})
    header = [COLUMNS.get(fold(str(h or "")).strip()) for h in rows[0]]
    column = {key: column_letter(i) for i, key in reversed(list(enumerate(header))) if key}
    if "full_name" not in header:
        raise ValidationError(_("Tệp %(f)s, dòng 1: thiếu cột “Họ và tên”.") % {"f": filename})
    problems: list[str] = []
    people: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    ids: dict[int, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        values = {k: v for k, v in zip(header, row, strict=False) if k}
        if all(v in (None, "") for v in values.values()):
            continue

        def where(key: str, line: int = line) -> str:
            return _("Tệp %(f)s, dòng %(n)s, cột %(c)s") % {
                "f": filename,
                "n": line,
                "c": column.get(key, "?"),
            }

        name = " ".join(str(values.get("full_name") or "").split())
        if not name:
            problems.append(_("%(w)s: thiếu họ và tên.") % {"w": where("full_name")})
        elif len(name) > 150:
            problems.append(_("%(w)s: họ và tên dài quá 150 ký tự.") % {"w": where("full_name")})
        number = str(values.get("number") or "").strip()
        if number:
            if len(number) > 16:
                problems.append(_("%(w)s: số báo danh dài quá 16 ký tự.") % {"w": where("number")})
            if number in seen:
                problems.append(
                    _("%(w)s: số báo danh %(n)s trùng với dòng %(o)s.")
                    % {"w": where("number"), "n": number, "o": seen[number]}
                )
            seen[number] = line
            if taken and number in taken:
                problems.append(
                    _("%(w)s: số báo danh %(n)s đã có trong kỳ thi.")
                    % {"w": where("number"), "n": number}
                )
        if len(str(values.get("class_name") or "").strip()) > 32:
            problems.append(_("%(w)s: tên lớp dài quá 32 ký tự.") % {"w": where("class_name")})
        try:
            born = _date(values.get("date_of_birth"))
        except ValueError:
            problems.append(
                _("%(w)s: ngày sinh “%(v)s” không đúng dạng ngày/tháng/năm.")
                % {"w": where("date_of_birth"), "v": values.get("date_of_birth")}
            )
            born = None
        person: dict[str, Any] = {
            "full_name": name,
            "number": number,
            "class_name": str(values.get("class_name") or "").strip(),
            "date_of_birth": born,
        }
        nid = str(values.get("national_id") or "").strip()
        if nid:
            ids[len(people)] = nid
            person["_line"] = where("national_id")
        people.append(person)
    users = {u.national_id: u for u in User.objects.filter(national_id__in=set(ids.values()))}
    for index, nid in ids.items():
        person = people[index]
        if nid not in users:
            problems.append(
                _("%(w)s: không có học sinh với mã định danh %(id)s.")
                % {"w": person["_line"], "id": nid}
            )
        person["user"] = users.get(nid)
        del person["_line"]
    if problems:
        raise ValidationError(problems)
    if not people:
        raise ValidationError(_("Tệp %(f)s không có dòng thí sinh nào.") % {"f": filename})
    return people
