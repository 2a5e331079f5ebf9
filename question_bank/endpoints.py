"""HTTP API of the question bank: parse input, call a service or a permission-filtered query."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from core.api import Subject

from . import permissions, services
from .duplicates import duplicates_of
from .importers import FORMATS, UnreadableFile, parse_bytes
from .interchange import ItemContent
from .models import ImportJob, Item
from .sanitize import html_to_text
from .search import search_visible

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
    # true when, for a text query, the facets counted only a sample of the matches
    facets_approximate: bool = False
    # true when a text query matched more than the cap (10,000 by default): `total` is then the
    # cap and means "more than that", and pages end there
    total_capped: bool = False


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
    prefix: bool = Query(
        False,
        description="Search-as-you-type: the last word of q also matches the words it begins.",
    ),
) -> dict[str, Any]:
    filters = {"subject": subject, "grade": grade, "level": level, "type": type, "status": status}
    result = search_visible(
        request.user, q, filters, limit=min(limit, 100), offset=offset, prefix=prefix
    )
    by_id = Item.objects.select_related("subject", "current_version").in_bulk(result.ids)
    return {
        "total": result.total,
        "items": [_out(by_id[i]) for i in result.ids if i in by_id],
        "facets": result.facets,
        "facets_approximate": result.facets_approximate,
        "total_capped": result.total_capped,
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


def _content(data: dict[str, Any]) -> ItemContent:
    """The posted content, or a 422 naming the problem (a malformed body is not a 500)."""
    try:
        return ItemContent.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(
            _("Nội dung câu hỏi không hợp lệ: %(e)s") % {"e": exc or type(exc).__name__}
        ) from exc


@router.post("/items", response={201: ItemOut}, summary="Create an item (a draft)")
def create_item(request: Any, payload: ItemIn) -> tuple[int, dict[str, Any]]:
    if not permissions.can_author(request.user):
        raise PermissionDenied
    item = services.create_item(
        request.user,
        _content(payload.content),
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
        _content(payload.content),
        subject=_subject(payload.subject),
        grade=payload.grade,
        level=payload.level,
        tags=payload.tags,
    )
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
    if not permissions.can_author(request.user):
        raise PermissionDenied
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


class StatisticsOut(Schema):
    responses: int
    facility: float | None
    point_biserial: float | None
    discrimination_27: float | None
    distractors: dict[str, int]


class VersionOut(Schema):
    id: int
    number: int
    content_hash: str
    created: str
    statistics: StatisticsOut | None


@router.get(
    "/items/{item_id}/versions",
    response=list[VersionOut],
    summary="Every version of an item with its statistics",
)
def item_versions(request: Any, item_id: int) -> list[dict[str, Any]]:
    item = _visible(request, item_id)
    out = []
    for version in item.versions.select_related("statistics").order_by("number"):
        stats = getattr(version, "statistics", None)
        out.append(
            {
                "id": version.pk,
                "number": version.number,
                "content_hash": version.content_hash,
                "created": version.created.isoformat(),
                "statistics": None
                if stats is None
                else {
                    "responses": stats.responses,
                    "facility": stats.facility,
                    "point_biserial": stats.point_biserial,
                    "discrimination_27": stats.discrimination_27,
                    "distractors": stats.distractors,
                },
            }
        )
    return out


class DuplicateOut(Schema):
    id: int
    similarity: float
    stem_text: str


@router.get(
    "/items/{item_id}/duplicates",
    response=list[DuplicateOut],
    summary="Near-duplicates of an item among the items I can see",
)
def item_duplicates(request: Any, item_id: int) -> list[dict[str, Any]]:
    item = _visible(request, item_id)
    found = duplicates_of(item, permissions.visible_items(request.user))
    stems = {
        i.pk: html_to_text(i.current_version.content["stem_html"])[:300]
        for i in Item.objects.filter(pk__in=[o.pk for o, _s in found]).select_related(
            "current_version"
        )
        if i.current_version
    }
    return [
        {"id": o.pk, "similarity": round(s, 3), "stem_text": stems.get(o.pk, "")} for o, s in found
    ]


class ImportJobOut(Schema):
    id: int
    name: str
    state: str
    total: int
    done: int
    all_or_nothing: bool
    preview: list[dict[str, Any]]
    report: dict[str, Any]


def _job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "name": job.name,
        "state": job.state,
        "total": job.total,
        "done": services.import_progress(job.pk)["done"],
        "all_or_nothing": job.all_or_nothing,
        "preview": job.preview,
        "report": job.report,
    }


@router.post(
    "/imports",
    response={201: ImportJobOut, 400: dict[str, str]},
    summary="Upload a file for the import wizard (preview only; nothing imported yet)",
)
def create_import(
    request: Any,
    file: File[UploadedFile],
    format: Form[str] = "auto",
    bank: Form[str] = "",
    all_or_nothing: Form[bool] = False,
) -> tuple[int, dict[str, Any]]:
    if not permissions.can_author(request.user):
        raise HttpError(403, "")
    if format not in FORMATS:
        raise Http404
    try:
        job = services.upload_import(
            request.user,
            file.read(),
            file.name or "upload",
            fmt=format,
            bank=bank,
            all_or_nothing=all_or_nothing,
        )
    except ValidationError as exc:
        return 400, {"detail": " ".join(exc.messages)}
    return 201, _job_out(job)


@router.get("/imports/{job_id}", response=ImportJobOut, summary="An import job: state, progress")
def get_import(request: Any, job_id: int) -> dict[str, Any]:
    return _job_out(get_object_or_404(ImportJob, pk=job_id, owner=request.user))


@router.post(
    "/imports/{job_id}/commit",
    response=ImportJobOut,
    summary="Import a previewed file (big files continue in the background)",
)
def commit_import(request: Any, job_id: int) -> dict[str, Any]:
    job = get_object_or_404(ImportJob, pk=job_id, owner=request.user)
    return _job_out(services.commit_import(request.user, job))


# Registered last: its {action} segment would otherwise catch /items/{id}/versions and
# /items/{id}/duplicates.
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
