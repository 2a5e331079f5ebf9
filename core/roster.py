"""Reading roster files exported from the sector database (CSV or XLSX) and planning the import.

Reading and validation never write; `services.commit_roster` applies a plan in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import NATIONAL_ID_RE, Enrolment, Gender, Organisation, SchoolClass, SchoolYear, User
from .vietnamese import fold

COLUMNS = {
    "national_id": (
        "ma dinh danh",
        "ma dinh danh ca nhan",
        "ma hoc sinh",
        "identifier",
        "so dinh danh",
    ),
    "full_name": ("ho va ten", "ho ten", "ho ten hoc sinh", "full name", "name"),
    "date_of_birth": ("ngay sinh", "date of birth", "dob", "birth date"),
    "gender": ("gioi tinh", "gender", "sex"),
    "class_name": ("lop", "ten lop", "class"),
}
COLUMN_LABELS = {
    "national_id": "Mã định danh",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "class_name": "Lớp",
}
GENDERS = {
    "nam": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "nu": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
CLASS_RE = re.compile(r"^(?P<grade>1[0-2]|[1-9])[A-ZĐa-zđ][A-Za-z0-9Đđ.\-]{0,9}$")
NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
NOT_A_TABLE = gettext_lazy("Tệp %(file)s không phải CSV hay Excel .xlsx hợp lệ.")


class RosterFileError(Exception):
    """The file as a whole cannot be read (wrong type, no header, too big)."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class RosterRow:
    row: int
    national_id: str
    full_name: str
    date_of_birth: dt.date | None
    gender: str
    class_name: str


@dataclass
class PlannedRow:
    row: RosterRow
    action: str  # "create" | "update" | "unchanged"
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class RosterPlan:
    school: Organisation
    school_year: SchoolYear
    rows: list[PlannedRow]
    problems: list[Problem]
    new_classes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        result = {"create": 0, "update": 0, "unchanged": 0}
        for r in self.rows:
            result[r.action] += 1
        return result

    def summary(self) -> dict[str, Any]:
        return {
            "rows": len(self.rows),
            **self.counts(),
            "new_classes": self.new_classes,
            "problems": [p.as_dict() for p in self.problems],
        }


def _read_table(filename: str, content: bytes, max_rows: int) -> list[tuple[int, list[Any]]]:
    """Rows as (1-based row number in the file, cells)."""
    lower = filename.lower()
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(filename, content, max_rows)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith(".xls"):
        raise RosterFileError(
            _("Tệp %(file)s là Excel 97-2003 (.xls); hãy lưu lại dạng .xlsx hoặc CSV.")
            % {"file": filename}
        )
    if "." in lower and not lower.endswith(TEXT_SUFFIXES):
        raise RosterFileError(NOT_A_TABLE % {"file": filename})
    return _read_csv(filename, content, max_rows)


def _read_xlsx(filename: str, content: bytes, max_rows: int) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise RosterFileError(NOT_A_TABLE % {"file": filename}) from exc
    try:
        ws = wb.worksheets[0]
        # Read-only mode trusts the sheet's stored size, which some exporters write wrong
        # (e.g. "A1:A1"); it would silently cut columns and rows. Read what is really there.
        ws.reset_dimensions()
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if number > max_rows + 20:
                raise RosterFileError(_("Tệp có quá %(n)s dòng.") % {"n": max_rows})
            rows.append((number, list(values)))
        return rows
    finally:
        wb.close()


def _read_csv(filename: str, content: bytes, max_rows: int) -> list[tuple[int, list[Any]]]:
    # Excel's "Unicode text" export is UTF-16 with a BOM; older tools write Windows-1258.
    encodings = ("utf-16",) if content[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
    for encoding in (*encodings, "utf-8-sig", "cp1258", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(
            _("Không nhận ra bảng mã của tệp %(file)s (hãy lưu dạng CSV UTF-8).")
            % {"file": filename}
        )
    if "\x00" in text:
        raise RosterFileError(NOT_A_TABLE % {"file": filename})
    # Windows-1258 and macOS write tones as combining marks; compare names in one form.
    text = unicodedata.normalize("NFC", text)
    rows = []
    delimiter = _delimiter(text[:8192])
    for number, values in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if number > max_rows + 20:
            raise RosterFileError(_("Tệp có quá %(n)s dòng.") % {"n": max_rows})
        rows.append((number, values))
    return rows


def _delimiter(sample: str) -> str:
    """The delimiter that splits some early line into the most known column names.

    csv.Sniffer guesses from line shapes and is thrown off by the one-cell title lines that
    sector exports put above the header; the header itself is the reliable clue.
    """
    known = {name for names in COLUMNS.values() for name in names}
    best, best_score = ",", 0
    for delimiter in (",", ";", "\t", "|"):
        lines = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:15]
        score = max((sum(_header_name(c) in known for c in line) for line in lines), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]]:
    """Sector exports often start with title lines; the header is the first row naming columns."""
    for index, (_number, cells) in enumerate(rows[:15]):
        folded = [_header_name(c) for c in cells]
        mapping: dict[str, int] = {}
        for key, names in COLUMNS.items():
            for col, name in enumerate(folded):
                if name in names:
                    mapping[key] = col
                    break
        if "national_id" in mapping and "full_name" in mapping:
            missing = [COLUMN_LABELS[k] for k in COLUMNS if k not in mapping]
            if missing:
                raise RosterFileError(
                    _("Thiếu cột: %(columns)s.") % {"columns": ", ".join(missing)}
                )
            return index, mapping
    raise RosterFileError(
        _("Không tìm thấy dòng tiêu đề với các cột: %(columns)s.")
        % {"columns": ", ".join(COLUMN_LABELS.values())}
    )


def _header_name(cell: Any) -> str:
    # "Ngày sinh (dd/mm/yyyy)", "Mã định\ndanh:" and "HỌ VÀ TÊN" all name their column.
    text = re.sub(r"\(.*?\)", " ", fold(str(cell or "")))
    return " ".join(text.split()).rstrip(":").strip()


def _cell(cells: list[Any], index: int) -> Any:
    value = cells[index] if index < len(cells) else None
    return value.strip() if isinstance(value, str) else value


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_roster(
    filename: str, content: bytes, *, max_rows: int = 20_000
) -> tuple[list[RosterRow], list[Problem]]:
    """Parse and validate every row; never stops at the first problem."""
    table = _read_table(filename, content, max_rows)
    header_index, cols = _find_header(table)
    rows: list[RosterRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    today = dt.date.today()
    for number, cells in table[header_index + 1 :]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        row_problems: list[Problem] = []

        def bad(
            key: str, message: str, number: int = number, sink: list[Problem] = row_problems
        ) -> None:
            sink.append(Problem(number, COLUMN_LABELS[key], message))

        raw_id = _cell(cells, cols["national_id"])
        numeric = (isinstance(raw_id, int) and not isinstance(raw_id, bool)) or (
            isinstance(raw_id, float) and raw_id.is_integer()
        )
        if numeric:
            # A numeric Excel cell has lost the leading zeros of the province code (001-096):
            # one or two of them, never more, so only 10- and 11-digit numbers are recovered.
            digits = str(int(raw_id))
            national_id = digits.zfill(12) if len(digits) in (10, 11) else digits
        else:
            national_id = str(raw_id or "").replace(" ", "")
        if not national_id:
            bad("national_id", _("Thiếu mã định danh."))
        elif not re.match(NATIONAL_ID_RE, national_id):
            bad(
                "national_id",
                _("Mã định danh “%(value)s” phải gồm đúng 12 chữ số.") % {"value": national_id},
            )
        elif national_id in seen:
            bad(
                "national_id",
                _("Mã định danh %(value)s trùng với dòng %(row)s.")
                % {"value": national_id, "row": seen[national_id]},
            )
        else:
            seen[national_id] = number

        full_name = " ".join(
            unicodedata.normalize("NFC", str(_cell(cells, cols["full_name"]) or "")).split()
        )
        if not full_name:
            bad("full_name", _("Thiếu họ và tên."))
        elif len(full_name) > 150 or not NAME_RE.match(full_name):
            bad("full_name", _("Họ và tên “%(value)s” không hợp lệ.") % {"value": full_name[:60]})

        raw_dob = _cell(cells, cols["date_of_birth"])
        dob = _parse_date(raw_dob)
        if raw_dob in (None, ""):
            bad("date_of_birth", _("Thiếu ngày sinh."))
        elif dob is None:
            bad(
                "date_of_birth",
                _("Ngày sinh “%(value)s” không đúng dạng ngày/tháng/năm.") % {"value": raw_dob},
            )
        elif not (3 <= (today.year - dob.year) <= 30):
            bad(
                "date_of_birth",
                _("Ngày sinh %(value)s không hợp lý cho học sinh.")
                % {"value": dob.strftime("%d/%m/%Y")},
            )

        raw_gender = fold(str(_cell(cells, cols["gender"]) or ""))
        gender = GENDERS.get(raw_gender, "")
        if not gender:
            bad(
                "gender",
                _("Giới tính “%(value)s” phải là Nam hoặc Nữ.")
                % {"value": _cell(cells, cols["gender"]) or ""},
            )

        class_name = str(_cell(cells, cols["class_name"]) or "").replace(" ", "").upper()
        if not class_name:
            bad("class_name", _("Thiếu tên lớp."))
        elif not CLASS_RE.match(class_name):
            bad(
                "class_name",
                _("Tên lớp “%(value)s” không hợp lệ (ví dụ: 10A1).") % {"value": class_name},
            )

        problems.extend(row_problems)
        if not row_problems:
            rows.append(RosterRow(number, national_id, full_name, dob, gender, class_name))
    if not rows and not problems:
        raise RosterFileError(_("Tệp không có dòng dữ liệu nào."))
    return rows, problems


def plan_roster(
    school: Organisation,
    school_year: SchoolYear,
    filename: str,
    content: bytes,
    *,
    max_rows: int = 20_000,
) -> RosterPlan:
    """What importing this file into `school` would do. Reads the database, writes nothing."""
    rows, problems = read_roster(filename, content, max_rows=max_rows)
    class_grade = {}
    for r in rows:
        match = CLASS_RE.match(r.class_name)
        assert match is not None  # validated by read_roster
        grade = int(match.group("grade"))
        if grade not in school.grades:
            problems.append(
                Problem(
                    r.row,
                    COLUMN_LABELS["class_name"],
                    _("Lớp %(cls)s (khối %(grade)s) không thuộc cấp học của trường %(school)s.")
                    % {"cls": r.class_name, "grade": grade, "school": school.name},
                )
            )
        class_grade[r.class_name] = grade
    existing_classes = {
        c.name: c for c in SchoolClass.objects.filter(school=school, school_year=school_year)
    }
    users = {
        u.national_id: u for u in User.objects.filter(national_id__in=[r.national_id for r in rows])
    }
    enrolments: dict[int, list[tuple[str, int]]] = {}
    for user_id, cls_name, school_id in Enrolment.objects.filter(
        student__in=users.values(), school_class__school_year=school_year
    ).values_list("student_id", "school_class__name", "school_class__school_id"):
        enrolments.setdefault(user_id, []).append((cls_name, school_id))

    planned: list[PlannedRow] = []
    for r in rows:
        user = users.get(r.national_id)
        if user is None:
            planned.append(PlannedRow(r, "create"))
            continue
        changes: dict[str, tuple[Any, Any]] = {}
        for attr in ("full_name", "date_of_birth", "gender"):
            old, new = getattr(user, attr), getattr(r, attr)
            if old != new:
                changes[attr] = (old, new)
        current = enrolments.get(user.pk, [])
        elsewhere = [c for c, s in current if s != school.pk]
        if elsewhere:
            problems.append(
                Problem(
                    r.row,
                    COLUMN_LABELS["national_id"],
                    _(
                        "Học sinh %(id)s đang học lớp %(cls)s ở trường khác trong năm học này; "
                        "cần làm thủ tục chuyển trường trước."
                    )
                    % {"id": r.national_id, "cls": elsewhere[0]},
                )
            )
            continue
        here = [c for c, _s in current]
        if here != [r.class_name]:
            changes["class_name"] = (", ".join(here) or None, r.class_name)
        planned.append(PlannedRow(r, "update" if changes else "unchanged", changes))
    new_classes = sorted(
        {r.class_name for r in rows} - set(existing_classes),
        key=lambda n: (class_grade.get(n, 0), n),
    )
    problems.sort(key=lambda p: (p.row, p.column))
    return RosterPlan(school, school_year, planned, problems, new_classes)
