"""Documents of published materials are checked against their signed manifest when served."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail import hooks

from . import signing, views


@hooks.register("before_serve_document")
def refuse_tampered_document(document: Any, request: HttpRequest) -> HttpResponse | None:
    actor = request.user if request.user.is_authenticated else None
    for page in signing.live_pages_with(document):
        verdict = signing.check_delivery(page, actor=actor)
        if not verdict.valid:
            return views.refused(request, page, verdict)
    return None


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def convert_pptx_slides(request: HttpRequest, page: Any) -> None:
    """An e-lecture saved with PPTX slides: ask for their PDF (converted after commit)."""
    from .models import ELecturePage
    from .services import request_slides_pdf

    specific = page.specific if hasattr(page, "specific") else page
    if isinstance(specific, ELecturePage) and specific.slides is not None:
        request_slides_pdf(specific.slides)
