"""The public surface of `question_bank` for other apps. Other apps import only this module."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .interchange import (
    Asset,
    Choice,
    Gap,
    ImportProblem,
    ItemContent,
    ItemMeta,
    ItemType,
    ParsedItem,
    ParseResult,
    Part,
)
from .interchange import Stimulus as StimulusData
from .models import (
    Item,
    ItemAsset,
    ItemStatistics,
    ItemVersion,
    Level,
    LevelScheme,
    Scope,
    Status,
    Stimulus,
    Topic,
)
from .permissions import visible_items
from .services import (
    approve_item,
    content_hash,
    create_item,
    publish_item,
    record_item_statistics,
    submit_item,
)
from .signing import code_for as version_code
from .signing import sign_current_version
from .validation import numeric_equal, numeric_value, short_numeric_value

APPROVED_STATUSES = (Status.APPROVED, Status.PUBLISHED)


def get_item_version(version_id: int) -> ItemVersion:
    """The exact version a test or attempt points at (raises ItemVersion.DoesNotExist)."""
    return ItemVersion.objects.select_related("item").get(pk=version_id)


def item_content(version: ItemVersion) -> ItemContent:
    return ItemContent.from_json(version.content)


def approved_items(
    *,
    subject: Any = None,
    grade: int | None = None,
    topic: Any = None,
    level: str | None = None,
    type: str | None = None,
    user: Any = None,
) -> QuerySet[Item]:
    """Approved or published items (current versions), optionally filtered; with `user`, only
    those the user may see. `subject` and `topic` take an object, an id, or (subject) a code."""
    qs = visible_items(user) if user is not None else Item.objects.all()
    qs = qs.filter(status__in=APPROVED_STATUSES, current_version__isnull=False)
    if subject is not None:
        if isinstance(subject, str):
            qs = qs.filter(subject__code=subject)
        else:
            qs = qs.filter(subject=subject)
    if grade is not None:
        qs = qs.filter(grade=grade)
    if topic is not None:
        qs = qs.filter(topic=topic)
    if level:
        qs = qs.filter(level=level)
    if type:
        qs = qs.filter(type=type)
    return qs.select_related("current_version", "stimulus")


def search_approved_items(
    user: Any,
    query: str = "",
    filters: dict[str, Any] | None = None,
    *,
    limit: int = 20,
    prefix: bool = False,
) -> list[Item]:
    """For assessment's test builder: approved or published items the user may see, matching
    the words of `query` (diacritics optional; with `prefix`, the last word as typed so far)
    and `filters` (keys of search.FILTERS)."""
    from .search import search_items

    result = search_items(
        approved_items(user=user), query, filters, limit=limit, facets=(), prefix=prefix
    )
    found = Item.objects.select_related("current_version", "topic").in_bulk(result.ids)
    return [found[i] for i in result.ids if i in found]


__all__ = [
    "APPROVED_STATUSES",
    "Asset",
    "Choice",
    "Gap",
    "ImportProblem",
    "Item",
    "ItemAsset",
    "ItemContent",
    "ItemMeta",
    "ItemStatistics",
    "ItemType",
    "ItemVersion",
    "Level",
    "LevelScheme",
    "ParseResult",
    "ParsedItem",
    "Part",
    "Scope",
    "Status",
    "Stimulus",
    "StimulusData",
    "Topic",
    "approve_item",
    "approved_items",
    "content_hash",
    "create_item",
    "get_item_version",
    "item_content",
    "numeric_equal",
    "numeric_value",
    "publish_item",
    "record_item_statistics",
    "search_approved_items",
    "short_numeric_value",
    "sign_current_version",
    "submit_item",
    "version_code",
    "visible_items",
]
