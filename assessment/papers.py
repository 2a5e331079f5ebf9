"""Printed papers of a test's versions: .docx and PDF per version, an answer sheet (PDF) and one
answer-key table (.xlsx) for all versions.

Formulas are written as readable Unicode text (see mathtext); images stored in the bank are
embedded in both formats.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from core.api import safe_cell, workbook_bytes
from question_bank.api import ItemAsset, ItemContent, ItemType, ItemVersion

from .mathtext import formulas_to_text
from .models import Test, TestVersion
from .shuffle import LETTERS

ASSET_PREFIX = "/question-bank/assets/"
_IMG_RE = re.compile(r"<img\b[^>]*?src=\"([^\"]+)\"[^>]*>", re.I)
_BREAK_RE = re.compile(r"<br\s*/?>|</p>|</li>|</div>|</tr>", re.I)
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass
class PaperItem:
    position: int
    part: str
    content: ItemContent
    choice_order: list[str]
    points: str


def key_text(key: Any) -> str:
    """A key as a teacher reads it in the key table: A / ĐSĐS / -1,5 / 1B 2A."""
    if key is None:
        return ""
    if isinstance(key, bool):
        return "Đ" if key else "S"
    if isinstance(key, dict):
        return " ".join(f"{k}{key_text(v)}" for k, v in key.items())
    if isinstance(key, list):
        return "; ".join(key_text(k) for k in key)
    return str(key)


def load_items(version: TestVersion) -> list[PaperItem]:
    ids = [row["item_version"] for row in version.layout]
    contents = {
        pk: ItemContent.from_json(content)
        for pk, content in ItemVersion.objects.filter(pk__in=ids).values_list("pk", "content")
    }
    return [
        PaperItem(
            row["position"],
            row["part"],
            contents[row["item_version"]],
            row["choice_order"],
            row["points"],
        )
        for row in version.layout
    ]


def _pieces(rich: str) -> list[tuple[str, str]]:
    """("text", ...) and ("img", src) pieces of an item's HTML, formulas made readable."""
    out: list[tuple[str, str]] = []
    pos = 0
    for match in _IMG_RE.finditer(rich):
        out.append(("text", _plain(rich[pos : match.start()])))
        out.append(("img", match.group(1)))
        pos = match.end()
    out.append(("text", _plain(rich[pos:])))
    return [p for p in out if p[1].strip()]


def _plain(fragment: str) -> str:
    text = _TAG_RE.sub("", _BREAK_RE.sub("\n", fragment))
    return formulas_to_text(html.unescape(text)).strip()


def _asset_bytes(src: str) -> bytes | None:
    if not src.startswith(ASSET_PREFIX):
        return None
    sha = src[len(ASSET_PREFIX) :].strip("/")
    data = ItemAsset.objects.filter(sha256=sha).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None


def _options(item: PaperItem) -> list[tuple[str, str]]:
    by_id = {c.id: c for c in item.content.choices}
    if item.content.type is ItemType.TRUE_FALSE_CLUSTER:
        return [(c.id + ")", c.html) for c in item.content.choices]
    return [(LETTERS[i] + ".", by_id[cid].html) for i, cid in enumerate(item.choice_order)]


@dataclass
class Header:
    school: str
    exam: str
    subject: str
    minutes: int
    code: str
    title: str


def header_for(test: Test, version: TestVersion) -> Header:
    return Header(
        school=test.school.name if test.school else "",
        exam=test.exam_name or test.title,
        subject=test.subject.name if test.subject else "",
        minutes=test.duration_minutes,
        code=version.code,
        title=test.title,
    )


# --- Word ----------------------------------------------------------------------------------


def version_docx(header: Header, items: list[PaperItem]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    official = _("ĐỀ CHÍNH THỨC")
    subject_label = _("Môn")
    duration = _("Thời gian làm bài: %(m)s phút, không kể thời gian phát đề") % {
        "m": header.minutes
    }
    left.text = f"{header.school}\n{official}"
    right.text = f"{header.exam}\n{subject_label}: {header.subject}\n{duration}"
    code = doc.add_paragraph()
    code.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    code.add_run(_("Mã đề") + f": {header.code}").bold = True
    doc.add_paragraph(_("Họ và tên thí sinh") + ": " + "." * 60)
    doc.add_paragraph(_("Số báo danh") + ": " + "." * 30)
    part = None
    for item in items:
        if item.part != part:
            part = item.part
            doc.add_paragraph().add_run(part).bold = True
        para = doc.add_paragraph()
        para.add_run(_("Câu") + f" {item.position}. ").bold = True
        for kind, value in _pieces(item.content.stem_html):
            if kind == "text":
                para.add_run(value)
            else:
                data = _asset_bytes(value)
                if data:
                    doc.add_paragraph().add_run().add_picture(io.BytesIO(data), width=Cm(8))
        for label, option_html in _options(item):
            doc.add_paragraph(
                f"{label} {_plain(option_html)}", style=None
            ).paragraph_format.left_indent = Cm(1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 1.5cm 1.5cm 1.8cm 1.5cm;
        @bottom-center { content: "Mã đề " string(code) " - Trang " counter(page) "/"
                         counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Serif", "Times New Roman", serif; font-size: 11.5pt; }
.head { display: flex; justify-content: space-between; text-align: center; }
.code { string-set: code content(); font-weight: bold; border: 1px solid #000; padding: 2pt 8pt; }
.part { font-weight: bold; margin-top: 10pt; }
.item { margin: 6pt 0; break-inside: avoid; }
.opts { margin-left: 1cm; }
img { max-width: 8cm; }
.lines p { margin: 4pt 0; }
table.sheet { border-collapse: collapse; margin: 6pt 0; }
table.sheet td, table.sheet th { border: 1px solid #000; padding: 2pt 5pt; text-align: center; }
"""


def _html_text(fragment: str) -> str:
    """Item HTML for the PDF: formulas as text, assets resolved by the url fetcher."""
    return formulas_to_text(fragment)


def version_html(header: Header, items: list[PaperItem], *, inline_css: bool = True) -> str:
    e = html.escape
    allowed = _("Thời gian làm bài: %(m)s phút, không kể thời gian phát đề") % {"m": header.minutes}
    parts: list[str] = [
        f"<div class='head'><div><b>{e(header.school)}</b><br>{e(_('ĐỀ CHÍNH THỨC'))}</div>"
        f"<div><b>{e(header.exam)}</b><br>{e(_('Môn'))}: {e(header.subject)}<br>"
        f"{e(allowed)}</div></div><p style='text-align:right'>{e(_('Mã đề'))}: "
        f"<span class='code'>{e(header.code)}</span></p>"
        f"<div class='lines'><p>{e(_('Họ và tên thí sinh'))}: {'.' * 70}</p>"
        f"<p>{e(_('Số báo danh'))}: {'.' * 40}</p></div>"
    ]
    part = None
    for item in items:
        if item.part != part:
            part = item.part
            parts.append(f"<div class='part'>{e(part)}</div>")
        options = "".join(
            f"<div><b>{e(label)}</b> {_html_text(option)}</div>" for label, option in _options(item)
        )
        parts.append(
            f"<div class='item'><b>{e(_('Câu'))} {item.position}.</b> "
            f"{_html_text(item.content.stem_html)}<div class='opts'>{options}</div></div>"
        )
    return _page(header.title, "".join(parts), inline_css=inline_css)


def _page(title: str, body: str, *, inline_css: bool = True) -> str:
    style = f"<style>{_CSS}</style>" if inline_css else ""
    return (
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title>{style}</head><body>{body}</body></html>"
    )


def _fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    from weasyprint import default_url_fetcher

    if ASSET_PREFIX in url:
        sha = url.split(ASSET_PREFIX, 1)[1].strip("/")
        asset = ItemAsset.objects.filter(sha256=sha).first()
        if asset is not None:
            return {"string": bytes(asset.data), "mime_type": asset.mime}
    if url.startswith(("http://", "https://")):
        # Printed papers never fetch from the network: a missing image stays missing.
        raise ValueError(url)
    return default_url_fetcher(url, *args, **kwargs)


def to_pdf(document: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=document, base_url="file:///", url_fetcher=_fetcher).write_pdf()


def answer_sheet_html(test: Test, layout: list[dict[str, Any]], *, inline_css: bool = True) -> str:
    """One answer sheet for every version: rows follow the positions, which all versions share."""
    e = html.escape
    title = _("PHIẾU TRẢ LỜI")
    body = [
        f"<h2 style='text-align:center'>{e(title)}</h2>"
        f"<p>{e(test.exam_name or test.title)} — {e(_('Môn'))}: "
        f"{e(test.subject.name if test.subject else '')}</p>"
        f"<div class='lines'><p>{e(_('Họ và tên thí sinh'))}: {'.' * 60}</p>"
        f"<p>{e(_('Số báo danh'))}: {'.' * 30} {e(_('Mã đề'))}: ☐☐☐</p></div>"
    ]
    contents = {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(
            pk__in=[r["item_version"] for r in layout]
        ).values_list("pk", "content")
    }
    part = None
    rows: list[str] = []

    def flush() -> None:
        if rows:
            body.append("<table class='sheet'>" + "".join(rows) + "</table>")
            rows.clear()

    for row in layout:
        if row["part"] != part:
            flush()
            part = row["part"]
            body.append(f"<div class='part'>{e(part)}</div>")
        content = contents[row["item_version"]]
        if content.type is ItemType.TRUE_FALSE_CLUSTER:
            cells = "".join(f"<td>{c.id}) Đ ○ S ○</td>" for c in content.choices)
        elif content.type in {ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE}:
            cells = "".join(f"<td>○ {LETTERS[i]}</td>" for i in range(len(content.choices)))
        elif content.type is ItemType.SHORT_NUMERIC:
            cells = "<td>☐</td>" * 4
        else:
            cells = "<td style='width:12cm'>&nbsp;</td>"
        rows.append(f"<tr><th>{e(_('Câu'))} {row['position']}</th>{cells}</tr>")
    flush()
    return _page(_("Phiếu trả lời"), "".join(body), inline_css=inline_css)


# --- Excel ---------------------------------------------------------------------------------


def key_table_xlsx(test: Test, versions: Iterable[TestVersion]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    versions = list(versions)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Đáp án")
    ws.append([safe_cell(test.title)])
    ws.append([_("Câu"), *[v.code for v in versions]])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    positions = max((len(v.layout) for v in versions), default=0)
    for i in range(positions):
        ws.append(
            [i + 1, *[key_text(v.layout[i]["key"]) if i < len(v.layout) else "" for v in versions]]
        )
    detail = wb.create_sheet(_("Chi tiết"))
    detail.append([_("Mã đề"), _("Câu"), _("Phần"), _("Phiên bản câu hỏi"), _("Đáp án"), _("Điểm")])
    for v in versions:
        for row in v.layout:
            detail.append(
                [
                    v.code,
                    row["position"],
                    row["part"],
                    row["item_version"],
                    key_text(row["key"]),
                    row["points"],
                ]
            )
    return workbook_bytes(wb)


# --- Writing every file: PDFs rendered in worker processes ----------------------------------
#
# WeasyPrint takes most of the time and holds the GIL, so PDFs are rendered by a pool of
# processes (one per CPU) while this process writes the .docx files. Everything a worker needs
# is prepared here first: the HTML of each version (built once) and the bytes of every image it
# shows, so workers never touch the database. Each worker parses the stylesheet and sets up
# fonts once and reuses them for every document it renders.

_worker_assets: dict[str, tuple[bytes, str]] = {}
_worker_style: Any = None


def _assets_for(documents: Iterable[str]) -> dict[str, tuple[bytes, str]]:
    shas = {
        src[len(ASSET_PREFIX) :].strip("/")
        for document in documents
        for src in _IMG_RE.findall(document)
        if src.startswith(ASSET_PREFIX)
    }
    if not shas:
        return {}
    return {
        sha: (bytes(data), mime)
        for sha, data, mime in ItemAsset.objects.filter(sha256__in=shas).values_list(
            "sha256", "data", "mime"
        )
    }


def _init_worker(assets: dict[str, tuple[bytes, str]]) -> None:
    import logging

    global _worker_assets, _worker_style
    _worker_assets = assets
    _worker_style = None
    # WeasyPrint reports every layout step at INFO; a pool of workers would flood the console.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _worker_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    from weasyprint import default_url_fetcher

    if ASSET_PREFIX in url:
        found = _worker_assets.get(url.split(ASSET_PREFIX, 1)[1].strip("/"))
        if found is not None:
            return {"string": found[0], "mime_type": found[1]}
        raise ValueError(url)
    if url.startswith(("http://", "https://")):
        raise ValueError(url)
    return default_url_fetcher(url, *args, **kwargs)


def _render_to_file(job: tuple[str, str]) -> str:
    """In a worker: one HTML document (without its <style>) to one PDF file."""
    global _worker_style
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    document, path = job
    if _worker_style is None:
        fonts = FontConfiguration()
        _worker_style = (CSS(string=_CSS, font_config=fonts), fonts)
    style, fonts = _worker_style
    HTML(string=document, base_url="file:///", url_fetcher=_worker_fetcher).write_pdf(
        path, stylesheets=[style], font_config=fonts
    )
    return path


def _pdf_pool_size(jobs: int) -> int:
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(jobs, cpus or 1))


def render_pdfs(
    jobs: list[tuple[str, str]], *, meanwhile: Callable[[], None] | None = None
) -> None:
    """Render (html, path) jobs, in parallel when there are several CPUs and documents;
    `meanwhile` runs in this process while the workers render."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    assets = _assets_for(document for document, _path in jobs)
    workers = _pdf_pool_size(len(jobs))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile:
            meanwhile()
        _init_worker(assets)
        for job in jobs:
            _render_to_file(job)
        return
    # Fork: the workers start at once (all forked from this thread, before the pool's own
    # thread starts) with settings and code already loaded; they never use the database.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(assets,)
    ) as pool:
        futures = [pool.submit(_render_to_file, job) for job in jobs]
        if meanwhile:
            meanwhile()
        for future in futures:
            future.result()


def write_papers(test: Test, versions: list[TestVersion], out_dir: Path) -> list[Path]:
    """Every file of the test's versions into out_dir; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    jobs: list[tuple[str, str]] = []
    docx_jobs: list[tuple[Header, list[PaperItem], Path]] = []
    for version in versions:
        header = header_for(test, version)
        items = load_items(version)
        base = out_dir / f"de_{test.pk}_ma_{version.code}"
        docx_path = base.with_suffix(".docx")
        pdf_path = base.with_suffix(".pdf")
        docx_jobs.append((header, items, docx_path))
        jobs.append((version_html(header, items, inline_css=False), str(pdf_path)))
        written += [docx_path, pdf_path]
    if versions:
        sheet = out_dir / f"de_{test.pk}_phieu_tra_loi.pdf"
        html_sheet = answer_sheet_html(test, versions[0].layout, inline_css=False)
        jobs.append((html_sheet, str(sheet)))
        written.append(sheet)

    def write_docx() -> None:
        for header, items, path in docx_jobs:
            path.write_bytes(version_docx(header, items))

    # The workers render the PDFs while this process writes the Word files.
    render_pdfs(jobs, meanwhile=write_docx)
    key = out_dir / f"de_{test.pk}_dap_an.xlsx"
    key.write_bytes(key_table_xlsx(test, versions))
    written.append(key)
    return written
