"""HTTP API of the question bank: parse input, call a service or a permission-filtered query."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from core.api import Subject

from . import permissions, services
from .importers import FORMATS, UnreadableFile, parse_bytes
from .interchange import ItemContent
from .models import Item
from .sanitize import html_to_text
from .search import search_items

router = Router(tags=["question_bank"])


class ItemOut(Schema):
    id: int
    type: str
    status: str
    scope: str
    subject: str | None
    grade: int | None
    level: str
    tags: list[str]
    version_id: int | None
    version: int | None
    stem_text: str


class ItemDetailOut(ItemOut):
    content: dict[str, Any]
    content_hash: str


class SearchOut(Schema):
    total: int
    items: list[ItemOut]
    facets: dict[str, list[tuple[Any, int]]]


class ItemIn(Schema):
    content: dict[str, Any]
    subject: str | None = None
    grade: int | None = None
    level: str = ""
    tags: list[str] = []


class CommentIn(Schema):
    comment: str = ""


class ImportOut(Schema):
    imported: int
    skipped: int
    errors: list[dict[str, str]]
    items: list[dict[str, Any]]
    warnings: list[dict[str, str]]


def _out(item: Item) -> dict[str, Any]:
    version = item.current_version
    return {
        "id": item.pk,
        "type": item.type,
        "status": item.status,
        "scope": item.scope,
        "subject": item.subject.code if item.subject else None,
        "grade": item.grade,
        "level": item.level,
        "tags": item.tags,
        "version_id": version.pk if version else None,
        "version": version.number if version else None,
        "stem_text": html_to_text(version.content["stem_html"])[:300] if version else "",
    }


def _visible(request: Any, item_id: int) -> Item:
    return get_object_or_404(permissions.visible_items(request.user), pk=item_id)


@router.get("/items", response=SearchOut, summary="Search items I can see, with facet counts")
def list_items(
    request: Any,
    q: str = "",
    subject: str = "",
    grade: int | None = None,
    level: str = "",
    type: str = "",
    status: str = "",
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    filters = {"subject": subject, "grade": grade, "level": level, "type": type, "status": status}
    result = search_items(
        permissions.visible_items(request.user), q, filters, limit=min(limit, 100), offset=offset
    )
    by_id = Item.objects.select_related("subject", "current_version").in_bulk(result.ids)
    return {
        "total": result.total,
        "items": [_out(by_id[i]) for i in result.ids if i in by_id],
        "facets": result.facets,
    }


@router.get("/items/{item_id}", response=ItemDetailOut, summary="An item with its current version")
def get_item(request: Any, item_id: int) -> dict[str, Any]:
    item = _visible(request, item_id)
    if item.current_version is None:
        raise Http404
    return {
        **_out(item),
        "content": item.current_version.content,
        "content_hash": item.current_version.content_hash,
    }


def _subject(code: str | None) -> Subject | None:
    return get_object_or_404(Subject, code=code) if code else None


@router.post("/items", response={201: ItemOut}, summary="Create an item (a draft)")
def create_item(request: Any, payload: ItemIn) -> tuple[int, dict[str, Any]]:
    item = services.create_item(
        request.user,
        ItemContent.from_json(payload.content),
        school=permissions.home_school(request.user),
        subject=_subject(payload.subject),
        grade=payload.grade,
        level=payload.level,
        tags=payload.tags,
    )
    return 201, _out(item)


@router.put("/items/{item_id}", response=ItemOut, summary="Save an edit as a new version")
def revise_item(request: Any, item_id: int, payload: ItemIn) -> dict[str, Any]:
    item = _visible(request, item_id)
    services.revise_item(
        request.user,
        item,
        ItemContent.from_json(payload.content),
        subject=_subject(payload.subject),
        grade=payload.grade,
        level=payload.level,
        tags=payload.tags,
    )
    return _out(item)


@router.post("/items/{item_id}/{action}", response=ItemOut, summary="Review workflow step")
def transition(request: Any, item_id: int, action: str, payload: CommentIn) -> dict[str, Any]:
    item = _visible(request, item_id)
    if action == "submit":
        services.submit_item(request.user, item)
    elif action == "approve":
        services.approve_item(request.user, item, payload.comment)
    elif action == "reject":
        services.reject_item(request.user, item, payload.comment)
    elif action == "publish":
        services.publish_item(request.user, item)
    elif action == "retire":
        services.retire_item(request.user, item, payload.comment)
    else:
        raise Http404
    return _out(item)


@router.get("/review-queue", response=list[ItemOut], summary="Items waiting for me to review")
def review_queue(request: Any) -> list[dict[str, Any]]:
    items = permissions.reviewable_items(request.user).select_related("subject", "current_version")
    return [_out(i) for i in items[:200]]


@router.post("/import", response={200: ImportOut, 400: ImportOut}, summary="Import a file")
def import_file(
    request: Any,
    file: File[UploadedFile],
    format: Form[str] = "auto",
    bank: Form[str] = "",
    dry_run: Form[bool] = True,
    all_or_nothing: Form[bool] = False,
) -> tuple[int, dict[str, Any]]:
    if format not in FORMATS:
        raise Http404
    try:
        result = parse_bytes(file.read(), file.name or "upload", format)
    except UnreadableFile as exc:
        empty = {"imported": 0, "skipped": 0, "items": [], "warnings": []}
        return 400, {**empty, "errors": [{"location": file.name or "", "message": str(exc)}]}
    report = services.import_parsed(
        request.user,
        result,
        bank=bank,
        school=permissions.home_school(request.user),
        dry_run=dry_run,
        mode=services.ImportMode.ALL_OR_NOTHING if all_or_nothing else services.ImportMode.SKIP_BAD,
    )
    return 200, report.as_dict()
