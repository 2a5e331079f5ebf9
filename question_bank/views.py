"""Web pages of the question bank: browser with search-as-you-type, review queue, assets."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import permissions, services
from .models import Item, ItemAsset, Level
from .search import search_visible


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    filters = {
        "subject": request.GET.get("subject", ""),
        "grade": request.GET.get("grade") or None,
        "level": request.GET.get("level", ""),
        "type": request.GET.get("type", ""),
    }
    prefix = request.GET.get("prefix") == "1"  # an as-you-type request
    result = search_visible(request.user, q, filters, limit=50, prefix=prefix)
    items = Item.objects.select_related("subject", "current_version").in_bulk(result.ids)
    context = {
        "q": q,
        "filters": filters,
        "total": result.total,
        "total_capped": result.total_capped,
        "items": [items[i] for i in result.ids if i in items],
        "facets": result.facets,
        "facets_approximate": result.facets_approximate,
        "levels": Level.choices,
    }
    template = (
        "question_bank/_results.html"
        if request.headers.get("HX-Request")
        else ("question_bank/browse.html")
    )
    return render(request, template, context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    items = permissions.reviewable_items(request.user).select_related("subject", "current_version")
    return render(request, "question_bank/review_queue.html", {"items": items[:100]})


@login_required
@require_POST
def review(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(permissions.visible_items(request.user), pk=item_id)
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("decision") == "approve":
            services.approve_item(request.user, item, comment)
        else:
            services.reject_item(request.user, item, comment)
    except (PermissionDenied, ValidationError) as exc:
        items = permissions.reviewable_items(request.user)
        return render(
            request,
            "question_bank/review_queue.html",
            {"items": items[:100], "error": exc, "error_item": item.pk},
            # a refusal is 403, like elsewhere; a bad decision (no comment) is 400
            status=403 if isinstance(exc, PermissionDenied) else 400,
        )
    return redirect("question_bank:review_queue")


@login_required
def asset(request: HttpRequest, sha256: str) -> HttpResponse:
    stored = get_object_or_404(ItemAsset, sha256=sha256)
    response = HttpResponse(bytes(stored.data), content_type=stored.mime)
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
