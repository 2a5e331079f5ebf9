"""The precomputed facet counts (`FacetCount`): one row per combination of facet columns.

Counting facets over a million items costs a scan of every match; summing this table costs a
scan of the few thousand combinations the visible items fall into. The services that change an
item call `tracking(item)` (or `added(item_id)`) inside their own transaction, so the table is
exact whenever the items are. The before and after states are read from the database, never
from the caller's object, which may already carry unsaved changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from .models import FacetCount, Item

COLUMNS = (
    "bank",
    "scope",
    "school_id",
    "author_id",
    "subject_id",
    "grade",
    "topic_id",
    "level",
    "type",
    "status",
    "difficulty",
)


def _key(row: dict[str, Any]) -> str:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return str(value)

    return "|".join(text(row[c]) for c in COLUMNS)


def _row(item_id: int) -> dict[str, Any] | None:
    # select_for_update: two writers of one item queue up, so neither moves a stale tally
    return Item.objects.select_for_update().filter(pk=item_id).values(*COLUMNS).first()


def _bump(row: dict[str, Any], delta: int) -> None:
    key = _key(row)
    if FacetCount.objects.filter(key=key).update(n=F("n") + delta):
        return
    try:
        with transaction.atomic():
            FacetCount.objects.create(key=key, n=delta, **row)
    except IntegrityError:  # another writer created the row first
        FacetCount.objects.filter(key=key).update(n=F("n") + delta)


def added(item_id: int) -> None:
    row = _row(item_id)
    if row is not None:
        _bump(row, 1)


@contextmanager
def tracking(item: Item) -> Iterator[None]:
    """Move the item's tally from its state before the block to its state after it."""
    before = _row(item.pk)
    yield
    after = _row(item.pk)
    if before is not None and after is not None and _key(before) == _key(after):
        return
    if before is not None:
        _bump(before, -1)
    if after is not None:
        _bump(after, 1)


@transaction.atomic
def rebuild() -> int:
    """Recompute the table from the items (after a bulk load that bypassed the services).
    Returns the number of rows written."""
    FacetCount.objects.all().delete()
    rows = []
    for row in Item.objects.order_by().values(*COLUMNS).annotate(total=Count("pk")).iterator():
        n = row.pop("total")
        rows.append(FacetCount(key=_key(row), n=n, **row))
    FacetCount.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
