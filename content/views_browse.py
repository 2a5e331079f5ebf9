"""Finding materials: the repository search page, an item's preview and its downloads."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from provenance import api as provenance

from . import browse as finding
from . import downloads, services, signing, slides
from .lessonplan import LessonPlanData, write_docx, write_pdf
from .models import ContentPage, LessonPlanPage
from .views import refused

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Uploaded files shown in the platform's origin: never HTML or SVG, which could run script.
STORED = {"original", "slides", "video", "captions"}
INLINE_TYPES = {"application/pdf", "text/vtt", "image/png", "image/jpeg", "image/webp"}


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 1


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = finding.clean_filters(request.GET)
    result = finding.browse(request.user, q, filters, _page_number(request.GET.get("page")))
    keep = {k: v for k, v in filters.items() if v}
    context = {
        "q": q,
        "filters": filters,
        "result": result,
        "facets": [
            (name, finding.FACET_TITLES[name], result.facets[name]) for name in finding.FACETS
        ],
        "rows": [
            (item, finding.TYPE_LABELS.get(finding.type_key(item), "")) for item in result.items
        ],
        "query": {"q": q, **keep},
    }
    # A history restore asks for the whole page again; other HTMX requests swap the results.
    partial = request.headers.get("HX-Request") and not (
        request.headers.get("HX-Boosted") or request.headers.get("HX-History-Restore-Request")
    )
    template = "content/browse/_results.html" if partial else "content/browse/search.html"
    return render(request, template, context)


def _visible(request: HttpRequest, page_id: int) -> ContentPage:
    found = finding.visible_items(request.user).filter(pk=page_id).first()
    if found is None:
        raise Http404
    page: Any = found.specific
    return page


def _provenance(page: ContentPage) -> dict[str, Any]:
    code = signing.code_for(page)
    publication = provenance.latest(code, signing.KIND)
    return {
        "code": code,
        "signed": publication is not None,
        "flagged": bool(publication and publication.flagged_at),
        "url": reverse("provenance:item", args=[code]),
    }


def _use_url(page: ContentPage) -> str:
    # The LMS owns courses; it may not be installed in every deployment.
    try:
        return reverse("lms:use_content", args=[page.pk])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def item_page(request: HttpRequest, page_id: int) -> HttpResponse:
    page = _visible(request, page_id)
    kind = finding.type_key(page)
    showable = [w for w in context_files(page) if _inline_type(_stored_name(page, w))]
    context: dict[str, Any] = {
        "page": page,
        "kind": kind,
        "kind_label": finding.TYPE_LABELS.get(kind, ""),
        "provenance": _provenance(page),
        "downloads": downloads.choices(page),
        "use_url": _use_url(page),
        "curriculum": f"GDPT2018.{page.subject.code}.{page.grade}",
        "showable": showable,
        # A PPTX deck is shown through its converted PDF when there is one (content.slides).
        "slides_preview": (
            slides.preview(page.slides)
            if "slides" in downloads.choices(page) and "slides" not in showable
            else None
        ),
    }
    return render(request, "content/browse/item.html", context)


def context_files(page: ContentPage) -> list[str]:
    return [w for w in downloads.choices(page) if w in STORED]


def _stored_name(page: ContentPage, what: str) -> str:
    return str(downloads.stored_document(page, what).file.name.rsplit("/", 1)[-1])


def _inline_type(name: str) -> bool:
    mime = mimetypes.guess_type(name)[0] or ""
    return mime in INLINE_TYPES or mime.startswith(("video/", "audio/"))


def _filename(page: ContentPage, extension: str) -> str:
    return f"{slugify(page.title, allow_unicode=False) or 'hoc-lieu'}-{page.pk}.{extension}"


@xframe_options_sameorigin  # the preview frames PDFs of its own item
@login_required
@require_GET
def download(request: HttpRequest, page_id: int, what: str) -> HttpResponseBase:
    """A file of a visible published item; `?inline=1` shows it in the preview instead."""
    page = _visible(request, page_id)
    if what not in downloads.choices(page):
        raise Http404
    verdict = signing.check_delivery(page, actor=request.user)
    if not verdict.valid:
        return refused(request, page, verdict)
    # Only stored files of a safe type are shown inline (in the preview); the rest are downloads.
    inline = (
        request.GET.get("inline") == "1"
        and what in STORED
        and _inline_type(_stored_name(page, what))
    )
    if not inline:
        services.record_download(page, what, user=request.user)
    if isinstance(page, LessonPlanPage):
        data = LessonPlanData.from_page(page)
        body, mime = (
            (write_docx(data), DOCX) if what == "docx" else (write_pdf(data), "application/pdf")
        )
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = str(
            content_disposition_header(True, _filename(page, what))
        )
        return response
    if what == "zip":
        stream = StreamingHttpResponse(
            downloads.package_zip(page),
            content_type="application/zip",
        )
        stream["Content-Disposition"] = str(
            content_disposition_header(True, _filename(page, "zip"))
        )
        return stream
    document = downloads.stored_document(page, what)
    name = _stored_name(page, what)
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    file_response = FileResponse(
        document.file.open("rb"), as_attachment=not inline, filename=name, content_type=mime
    )
    file_response["X-Content-Type-Options"] = "nosniff"
    return file_response
