"""Read question files into the neutral ParseResult: `parse_file(path, fmt)`."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.utils.translation import gettext as _

from core.api import upload_kind

from ..interchange import ParseResult
from .aiken import parse_aiken
from .common import UnreadableFile, decode_text
from .docx import parse_docx
from .gift import parse_gift
from .moodlexml import parse_cloze_text, parse_moodle_xml
from .qti import parse_package, parse_qti_file
from .tabular import parse_csv, parse_xlsx

FORMATS = ("auto", "docx", "xlsx", "csv", "qti", "moodlexml", "gift", "aiken", "cloze")


def detect_format(name: str, data: bytes) -> str:
    lower = name.lower()
    if lower.endswith(".docx"):
        return "docx"
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".gift") or ".gift." in lower:
        return "gift"
    if lower.endswith(".aiken") or ".aiken." in lower:
        return "aiken"
    head = data[:4096].decode("utf-8", "replace")
    if data[:2] == b"PK" or lower.endswith(".zip"):
        if data[:2] == b"PK":
            try:
                names = zipfile.ZipFile(__import__("io").BytesIO(data)).namelist()
            except zipfile.BadZipFile:
                return "qti"
            if "word/document.xml" in names:
                return "docx"
        return "qti"
    if lower.endswith(".xml"):
        return "moodlexml" if "<quiz" in head else "qti"
    if "{1:" in head or ":MULTICHOICE" in head or ":SHORTANSWER" in head:
        return "cloze"
    if "ANSWER:" in data.decode("utf-8", "replace"):
        return "aiken"
    return "gift"


def parse_bytes(
    data: bytes, name: str, fmt: str = "auto", base_dir: str | None = None
) -> ParseResult:
    """Raises UnreadableFile when the file cannot be read at all."""
    if fmt == "auto":
        fmt = detect_format(name, data)
    if fmt in ("docx", "xlsx") and upload_kind(data) != fmt:
        # Checked by content first: a renamed file or a zip without the document part would
        # otherwise fail deep inside python-docx/openpyxl.
        reason = _("nội dung không phải gói Office Open XML của loại này")
        if fmt == "docx":
            message = _("%(f)s: không phải tệp Word .docx đọc được (%(e)s).")
        else:
            message = _("%(f)s: không phải tệp Excel .xlsx đọc được (%(e)s).")
        raise UnreadableFile(message % {"f": name, "e": reason})
    if fmt == "docx":
        return parse_docx(data, name)
    if fmt == "xlsx":
        return parse_xlsx(data, name)
    if fmt == "csv":
        return parse_csv(decode_text(data, name), name)
    if fmt == "qti":
        if data[:2] == b"PK" or name.lower().endswith(".zip"):
            return parse_package(data, name)
        return parse_qti_file(data, name, base_dir)
    if fmt == "moodlexml":
        return parse_moodle_xml(data, name)
    if fmt == "gift":
        return parse_gift(decode_text(data, name), name)
    if fmt == "aiken":
        return parse_aiken(decode_text(data, name), name)
    if fmt == "cloze":
        return parse_cloze_text(decode_text(data, name), name)
    raise UnreadableFile(_("Định dạng không được hỗ trợ: %(f)s") % {"f": fmt})


def parse_file(path: str | Path, fmt: str = "auto") -> ParseResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(
            _("Không mở được tệp %(p)s: %(e)s") % {"p": path.name, "e": exc.strerror}
        ) from exc
    return parse_bytes(data, path.name, fmt, base_dir=str(path.parent))


__all__ = ["FORMATS", "UnreadableFile", "detect_format", "parse_bytes", "parse_file"]
