"""Candidates from an Excel sheet: checked completely first, stored all or nothing.

Columns (first row, any order, case and diacritics as written): "Họ và tên" (required),
"Số báo danh", "Lớp", "Ngày sinh" (dd/mm/yyyy or a date cell), "Mã định danh" (links the
candidate to the student's account, which must exist).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.api import User, fold

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


def parse_candidates(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The people of the sheet, or ValidationError listing every problem with its line."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise ValidationError(
            _("Tệp %(f)s không đọc được như một bảng Excel (.xlsx).") % {"f": filename}
        ) from exc
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise ValidationError(_("Tệp %(f)s không có dữ liệu.") % {"f": filename})
    header = [COLUMNS.get(fold(str(h or "")).strip()) for h in rows[0]]
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
        where = _("Tệp %(f)s, dòng %(n)s") % {"f": filename, "n": line}
        name = " ".join(str(values.get("full_name") or "").split())
        if not name:
            problems.append(_("%(w)s: thiếu họ và tên.") % {"w": where})
        number = str(values.get("number") or "").strip()
        if number:
            if number in seen:
                problems.append(
                    _("%(w)s: số báo danh %(n)s trùng với dòng %(o)s.")
                    % {"w": where, "n": number, "o": seen[number]}
                )
            seen[number] = line
        try:
            born = _date(values.get("date_of_birth"))
        except ValueError:
            problems.append(
                _("%(w)s: ngày sinh “%(v)s” không đúng dạng ngày/tháng/năm.")
                % {"w": where, "v": values.get("date_of_birth")}
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
            person["_line"] = where
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
