"""Finding published materials: Vietnamese diacritic-insensitive text search plus facets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet

from core.api import fold

from .models import ContentPage

FACETS = ("subject", "grade", "type", "school", "licence")


@dataclass
class SearchResult:
    items: list[ContentPage]
    total: int
    facets: dict[str, dict[str, int]]


def _filtered(q: str, filters: dict[str, Any]) -> QuerySet[ContentPage]:
    qs = ContentPage.objects.live()
    for word in fold(q).split():
        qs = qs.filter(search_folded__contains=word)
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if name == "type":
            qs = qs.filter(content_type__model=value)
        elif name in {"subject", "school"}:
            qs = qs.filter(**{f"{name}__code": value})
        else:
            qs = qs.filter(**{name: value})
    return qs


def search(q: str = "", *, limit: int = 20, offset: int = 0, **filters: Any) -> SearchResult:
    """Published materials matching every word of `q` (accents ignored) and every filter.

    Each facet is counted with the other filters applied, so picking a subject still shows
    how many items each school has in it.
    """
    qs = _filtered(q, filters)
    facets: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        others = {k: v for k, v in filters.items() if k != facet}
        base = _filtered(q, others)
        key = {
            "subject": "subject__code",
            "school": "school__code",
            "type": "content_type",
            "grade": "grade",
            "licence": "licence",
        }[facet]
        counts = base.order_by().values(key).annotate(n=Count("pk"))
        if facet == "type":
            models = {ct.pk: ct.model for ct in ContentType.objects.filter(app_label="content")}
            facets[facet] = {models[row[key]]: row["n"] for row in counts}
        else:
            facets[facet] = {str(row[key]): row["n"] for row in counts}
    ordered: Any = qs.order_by("-last_published_at", "pk")  # a Wagtail PageQuerySet
    items = list(ordered.specific()[offset : offset + limit])
    return SearchResult(items=items, total=qs.count(), facets=facets)
