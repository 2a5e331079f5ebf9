"""Item pages: the item with its versions and statistics, the editor with live preview,
picture upload and the on-demand near-duplicate check."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api import Subject

from . import permissions, services
from .charts import statistics_chart
from .duplicates import duplicates_of
from .editor import CHOICE_IDS, SOURCE_IDS, TF_IDS, initial_data, read_form
from .interchange import ItemContent
from .models import (
    Item,
    ItemTypeChoice,
    ItemVersion,
    Level,
    LevelScheme,
    Scope,
    Stimulus,
    Topic,
)
from .sanitize import clean_content


def _stimuli(user: Any) -> QuerySet[Stimulus]:
    """Shared stimuli an author may attach: their own and those of items they can see."""
    return Stimulus.objects.filter(
        Q(author=user) | Q(items__in=permissions.visible_items(user))
    ).distinct()


def _editor_context(request: HttpRequest, item: Item | None, data: dict[str, Any]) -> dict:
    return {
        "item": item,
        "f": data,
        "types": ItemTypeChoice.choices,
        "subjects": Subject.objects.order_by("name").only("pk", "name"),
        "topics": Topic.objects.select_related("subject").only(
            "pk", "title", "grade", "subject__name"
        ),
        "stimuli": _stimuli(request.user).only("pk", "title"),
        "levels": Level.choices,
        "schemes": LevelScheme.choices,
        "scopes": Scope.choices,
        "choice_rows": [
            {
                "id": i,
                "text": data.get(f"choice_{i}", ""),
                "single": data.get("key_single") == i,
                "multi": i in data.get("key_multi", []),
            }
            for i in CHOICE_IDS
        ],
        "tf_rows": [
            {"id": i, "text": data.get(f"stmt_{i}", ""), "value": data.get(f"tf_{i}", "")}
            for i in TF_IDS
        ],
        "source_rows": [
            {"id": i, "text": data.get(f"source_{i}", ""), "match": data.get(f"match_{i}", "")}
            for i in SOURCE_IDS
        ],
        "target_rows": [{"id": i, "text": data.get(f"target_{i}", "")} for i in CHOICE_IDS],
        "errors": {},
    }


def _editor(request: HttpRequest, item: Item | None) -> HttpResponse:
    if request.method == "POST":
        form = read_form(request.POST, _stimuli(request.user))
        if form.is_valid and form.content is not None:
            try:
                saved = services.save_item(
                    request.user,
                    item,
                    form.content,
                    scope=form.scope,
                    new_stimulus=form.new_stimulus,
                    **form.meta,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add("form", message)
            else:
                return redirect("question_bank:item", item_id=saved.pk)
        context = _editor_context(request, item, form.data)
        context["errors"] = form.errors
        return render(request, "question_bank/editor.html", context, status=400)
    return render(
        request, "question_bank/editor.html", _editor_context(request, item, initial_data(item))
    )


@login_required
def item_new(request: HttpRequest) -> HttpResponse:
    if not permissions.can_author(request.user):
        raise PermissionDenied
    return _editor(request, None)


def _item_for(request: HttpRequest, item_id: int) -> Item:
    return get_object_or_404(
        permissions.visible_items(request.user).select_related(
            "subject", "topic", "stimulus", "current_version", "author"
        ),
        pk=item_id,
    )


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_for(request, item_id)
    if not permissions.can_edit(request.user, item):
        raise PermissionDenied
    return _editor(request, item)


@login_required
@require_POST
def item_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (HTMX): the item as a student sees it, the key marked, and
    the problems still to fix. Nothing is stored."""
    form = read_form(request.POST, _stimuli(request.user))
    content = clean_content(form.content) if form.content else None
    return render(
        request,
        "question_bank/_preview.html",
        {"content": content, "errors": form.errors, "stimulus": form.meta.get("stimulus")},
    )


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_for(request, item_id)
    versions = list(
        ItemVersion.objects.filter(item=item)
        .select_related("statistics", "created_by")
        .order_by("-number")
    )
    rows = []
    for version in versions:
        stats = getattr(version, "statistics", None)
        rows.append({"version": version, "stats": stats, "chart": statistics_chart(stats)})
    current = item.current_version
    return render(
        request,
        "question_bank/item.html",
        {
            "item": item,
            "content": ItemContent.from_json(current.content) if current else None,
            "versions": rows,
            "can_edit": permissions.can_edit(request.user, item),
            "can_submit": item.status in ("draft", "rejected")
            and permissions.can_edit(request.user, item),
            "reviews": item.reviews.select_related("actor").order_by("-at")[:20],
        },
    )


@login_required
def item_duplicates(request: HttpRequest, item_id: int) -> HttpResponse:
    """On-demand near-duplicate check (HTMX fragment): similar items the user may see, side by
    side with this one."""
    item = _item_for(request, item_id)
    found = duplicates_of(item, permissions.visible_items(request.user))
    others = Item.objects.filter(pk__in=[o.pk for o, _s in found]).select_related(
        "current_version", "subject"
    )
    by_id = {o.pk: o for o in others}
    return render(
        request,
        "question_bank/_duplicates.html",
        {"item": item, "pairs": [(by_id[o.pk], round(s * 100)) for o, s in found]},
    )


@login_required
@require_POST
def item_submit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_for(request, item_id)
    try:
        services.submit_item(request.user, item)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    return redirect("question_bank:item", item_id=item.pk)


@login_required
@require_POST
def image_upload(request: HttpRequest) -> JsonResponse:
    if not permissions.can_author(request.user):
        raise PermissionDenied
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Chưa chọn ảnh.")}, status=400)
    try:
        url = services.store_image(request.user, upload.read(), upload.name or "")
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"url": url})
