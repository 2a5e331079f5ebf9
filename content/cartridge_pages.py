"""What an IMS Common Cartridge becomes in the repository: one page per web content file and
one page for its web links. Read-only: services.import_cartridge stores the plan.

- an HTML file → an e-lecture whose text is the file's body (cleaned to Wagtail rich text);
- a document or picture (PDF, Word, PowerPoint, image…) → a document page with that file;
- the web links → one e-lecture listing them.

Anything that cannot be taken over is a problem located in the cartridge (its file).
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import lxml.html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from core.api import check_upload

from .document_forms import DOCUMENT_KINDS
from .packages.cartridge import Cartridge, read_cartridge
from .packages.report import Problem

HTML_SUFFIXES = (".html", ".htm")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_HTML_BYTES = 2 * 1024 * 1024
# Elements whose text is not content (kept by a sanitiser that only drops the tags).
_DROPPED = ("script", "style", "noscript", "template", "iframe", "object", "embed")


@dataclass
class PlannedPage:
    kind: str  # "web", "file" or "links"
    title: str
    source: str  # the file in the cartridge ("" for the links page)
    body: str = ""  # rich text (web, links)
    data: bytes = b""  # the file (file)


@dataclass
class CartridgePlan:
    title: str
    pages: list[PlannedPage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def plan_cartridge(path: str | Path) -> CartridgePlan:
    """The pages the cartridge at `path` gives; ValidationError when it gives none (the
    located problems say why). Raises UnreadablePackage when the file cannot be opened."""
    path = Path(path)
    cartridge = read_cartridge(path)
    plan = CartridgePlan(
        title=cartridge.title or path.stem,
        problems=list(cartridge.report.problems),
        skipped=dict(cartridge.skipped),
    )
    if cartridge.web_content:
        with zipfile.ZipFile(path) as archive:
            for name in cartridge.web_content:
                page = _file_page(archive, cartridge, name, plan.problems)
                if page is not None:
                    plan.pages.append(page)
    if cartridge.links:
        items = "".join(
            f'<li><a href="{escape(link.url)}">{escape(link.title or link.url)}</a></li>'
            for link in cartridge.links
        )
        plan.pages.append(
            PlannedPage(
                kind="links",
                title=_("Liên kết: %(title)s") % {"title": plan.title},
                source="",
                body=EditorHTMLConverter().to_database_format(f"<ul>{items}</ul>"),
            )
        )
    if not plan.pages:
        located = [f"{p.path or '-'}: {p.reason}" for p in plan.problems]
        raise ValidationError(
            [_("Gói không có nội dung web hay liên kết nào lấy được vào kho học liệu."), *located]
        )
    return plan


def _file_page(
    archive: zipfile.ZipFile, cartridge: Cartridge, name: str, problems: list[Problem]
) -> PlannedPage | None:
    entry = archive.getinfo(cartridge.report.sources[name])
    stem = posixpath.splitext(posixpath.basename(name))[0]
    if name.lower().endswith(HTML_SUFFIXES):
        if entry.file_size > MAX_HTML_BYTES:
            problems.append(Problem(name, _("Trang web quá lớn (trên 2 MB), không lấy vào.")))
            return None
        title, body = _html(archive.read(entry))
        if not body.strip():
            problems.append(Problem(name, _("Trang web không có nội dung, không lấy vào.")))
            return None
        return PlannedPage(kind="web", title=title or stem, source=name, body=body)
    if entry.file_size > MAX_FILE_BYTES:
        problems.append(Problem(name, _("Tệp lớn hơn 50 MB, không lấy vào.")))
        return None
    data = archive.read(entry)
    try:
        check_upload(
            data, name=posixpath.basename(name), allowed=DOCUMENT_KINDS, max_bytes=MAX_FILE_BYTES
        )
    except ValidationError as exc:
        problems.extend(Problem(name, message) for message in exc.messages)
        return None
    return PlannedPage(kind="file", title=stem.replace("_", " "), source=name, data=data)


def _html(raw: bytes) -> tuple[str, str]:
    """The page title and its body as Wagtail rich text (only the allowed tags survive)."""
    try:
        document = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError):
        return "", ""
    title = (document.findtext(".//title") or "").strip()
    for element in list(document.iter(*_DROPPED)):
        if isinstance(element, lxml.html.HtmlElement):
            element.drop_tree()
    body = document.find("body")
    if body is None:
        return title, ""
    inner = (body.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in body
    )
    heading = body.findtext(".//h1") or body.findtext(".//h2") or ""
    return (title or heading.strip())[:255], EditorHTMLConverter().to_database_format(inner)
