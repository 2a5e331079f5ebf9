"""Helpers shared by the importers."""

from __future__ import annotations

import html
import re

from django.utils.translation import gettext as _

from ..interchange import ImportProblem, ItemContent, ItemType


class UnreadableFile(Exception):
    """The file could not be read at all (not the format, corrupt, malformed XML or package)."""


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def paragraphs_html(text: str) -> str:
    """Plain text to HTML paragraphs, one per non-empty line."""
    lines = [ln.strip() for ln in text.strip().splitlines()]
    return "".join(f"<p>{esc(ln)}</p>" for ln in lines if ln)


def problem(location: str, message: str) -> ImportProblem:
    return ImportProblem(location=location, message=message)


def decode_text(data: bytes, location: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Moodle's legacy files are."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("%(loc)s: không đọc được bảng mã của tệp.") % {"loc": location})


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else f"O{index + 1}"


TAG_RE = re.compile(r"<[^>]+>")


def plain(html_text: str) -> str:
    return " ".join(html.unescape(TAG_RE.sub(" ", html_text)).split())


def unsupported(location: str, what: str) -> ImportProblem:
    return problem(
        location,
        _("Dạng câu hỏi “%(what)s” chưa được hỗ trợ; câu này không được nhập.") % {"what": what},
    )


def describe_key(content: ItemContent) -> object:
    """The key as the CLI contract prints it."""
    if content.type == ItemType.ESSAY:
        return None
    return content.key
