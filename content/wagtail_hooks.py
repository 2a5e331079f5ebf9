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
