"""The audit-log search page for administrators (read-only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import audit_search
from .http import AuthedRequest

PAGE_SIZE = 50


@login_required
@require_GET
def audit_log(request: AuthedRequest) -> HttpResponse:
    if not audit_search.can_search(request.user):
        raise Http404
    filters, errors = audit_search.parse_filters(request.GET)
    events = audit_search.search(request.user, filters).select_related("actor")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "filters": filters,
            "errors": errors,
            "page": page,
            "schools": audit_search.schools_for(request.user),
            "query": query.urlencode(),
        },
    )
