"""Diacritic-insensitive search over items with facet counts; one contract, three backends.

Every backend searches `Item.search_text`, the stem, options, solution and tags folded to
plain ASCII-ish text (core.api.fold: no diacritics, đ -> d), with the query folded the same way,
so "phuong trinh bac hai" finds "phương trình bậc hai" everywhere.

- SQLite (embedded default): every query word must occur (LIKE); relevance = whole phrase first.
- PostgreSQL: full text on to_tsvector('simple', search_text) (GIN index), the last word as a
  prefix for search-as-you-type, ranked by ts_rank; `unaccent` folds the query server-side too;
  a pg_trgm GIN index serves fuzzy lookups and near-duplicate candidates.
- Elasticsearch 8 (ELASTICSEARCH_URL set): `ElasticsearchBackend` below, ASCII folding analyser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When, Window
from django.db.models.expressions import RawSQL

from core.api import Subject, fold

from .models import FacetCount, Item

FACETS = ("subject", "grade", "topic", "level", "type", "difficulty", "status", "author", "school")
FILTERS = {
    "subject": "subject__code",
    "grade": "grade",
    "topic": "topic_id",
    "level": "level",
    "type": "type",
    "difficulty": "difficulty",
    "status": "status",
    "author": "author_id",
    "school": "school_id",
    "bank": "bank",
}
# the item's own columns, for one-statement facet counts
_COLUMNS = {
    "subject": "subject_id",
    "grade": "grade",
    "topic": "topic_id",
    "level": "level",
    "type": "type",
    "difficulty": "difficulty",
    "status": "status",
    "author": "author_id",
    "school": "school_id",
}
_FACET_FIELDS = {
    "subject": "subject__code",
    "topic": "topic_id",
    "author": "author_id",
    "school": "school_id",
}


# With a text query the facets count at most this many matches (any of them, not the best
# ranked: picking those would cost the full ranking the limit avoids).
FACET_SAMPLE = 5000


@dataclass
class SearchResult:
    total: int
    ids: list[int]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    # True when the facets counted only the first FACET_SAMPLE matches of a text query
    facets_approximate: bool = False


def words(query: str) -> list[str]:
    return re.findall(r"\w+", fold(query))


def apply_filters(qs: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
    """Filter items, or rows of the facet count table (same column names)."""
    for name, value in filters.items():
        if value in (None, "", []):
            continue
        if name not in FILTERS:
            raise ValueError(name)
        if name == "subject":
            # resolve codes to ids first: the search then filters on the item's own column
            # (which the PostgreSQL GIN index covers) instead of joining core_subject
            codes = value if isinstance(value, list) else [value]
            ids = list(Subject.objects.filter(code__in=codes).values_list("pk", flat=True))
            if not ids:
                return qs.none()
            qs = qs.filter(subject_id__in=ids) if len(ids) > 1 else qs.filter(subject_id=ids[0])
            continue
        lookup = FILTERS[name]
        qs = qs.filter(**({f"{lookup}__in": value} if isinstance(value, list) else {lookup: value}))
    return qs


def facet_counts(
    qs: QuerySet[Any], facets: tuple[str, ...] = FACETS, *, limit: int | None = None
) -> dict[str, list[tuple[Any, int]]]:
    """Counts per facet value over the items of `qs` (or over the first `limit` of them), or,
    when `qs` is a query on the facet count table, the sums of its tallies."""
    if not facets:
        return {}
    tallies = qs.model is FacetCount
    if connection.vendor == "postgresql":
        return _facet_counts_grouping_sets(qs, facets, limit=limit, tallies=tallies)
    if limit is not None:
        qs = Item.objects.filter(pk__in=qs.order_by().values("pk")[:limit])
    measure = Sum("n") if tallies else Count("pk")
    out: dict[str, list[tuple[Any, int]]] = {}
    for name in facets:
        column = _FACET_FIELDS.get(name, name)
        rows = qs.order_by().values_list(column).annotate(c=measure).order_by("-c", column)
        out[name] = [(value, c) for value, c in rows if value not in (None, "") and c]
    return out


def _facet_counts_grouping_sets(
    qs: QuerySet[Any], facets: tuple[str, ...], *, limit: int | None, tallies: bool
) -> dict[str, list[tuple[Any, int]]]:
    """Every facet in one statement and one pass over the matches (GROUPING SETS)."""
    columns = [_COLUMNS[name] for name in facets]
    inner_qs = qs.order_by().values(*columns, *(["n"] if tallies else []))
    if limit is not None:
        inner_qs = inner_qs[:limit]
    inner, params = inner_qs.query.sql_with_params()
    quoted = [connection.ops.quote_name(c) for c in columns]
    measure = "SUM(n)" if tallies else "COUNT(*)"
    sql = (
        f"SELECT {', '.join(quoted)}, GROUPING({', '.join(quoted)}), {measure} "  # noqa: S608
        f"FROM ({inner}) AS matches "
        f"GROUP BY GROUPING SETS ({', '.join(f'({q})' for q in quoted)})"
    )
    out: dict[str, list[tuple[Any, int]]] = {name: [] for name in facets}
    n = len(facets)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            grouping, count = row[n], row[n + 1]
            # GROUPING(a, b, c) sets the bit of each column NOT grouped in this row
            index = next(i for i in range(n) if not grouping & (1 << (n - 1 - i)))
            value = row[index]
            if value not in (None, "") and count:
                out[facets[index]].append((value, int(count)))
    if out.get("subject"):
        codes = dict(
            Subject.objects.filter(pk__in=[v for v, _n in out["subject"]]).values_list("pk", "code")
        )
        out["subject"] = [(codes.get(v, v), c) for v, c in out["subject"]]
    for values in out.values():
        values.sort(key=lambda pair: (-pair[1], str(pair[0])))
    return out


class DatabaseBackend:
    """SQLite and any database without full text: LIKE on the folded column."""

    def match(self, qs: QuerySet[Item], query: str) -> QuerySet[Item]:
        terms = words(query)
        for term in terms:
            qs = qs.filter(search_text__contains=term)
        if not terms:
            return qs.order_by("-updated", "-pk")
        phrase = " ".join(terms)
        return qs.annotate(
            rank=Case(
                When(search_text__contains=phrase, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("-rank", "-updated", "-pk")


class PostgresBackend(DatabaseBackend):
    # the stored generated column of migration 0003 (covered by the qb_item_search GIN index)
    VECTOR = '"question_bank_item"."search_vector"'

    def match(self, qs: QuerySet[Item], query: str) -> QuerySet[Item]:
        terms = words(query)
        if not terms:
            return qs.order_by("-updated", "-pk")
        # the last word may still be being typed: match it as a prefix
        tsquery = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
        condition = f"{self.VECTOR} @@ to_tsquery('simple'::regconfig, unaccent(%s))"
        rank = f"ts_rank({self.VECTOR}, to_tsquery('simple'::regconfig, unaccent(%s)))"
        # The SQL is constant; the user's words travel only as query parameters.
        return (
            qs.extra(where=[condition], params=[tsquery])  # noqa: S610
            .annotate(rank=RawSQL(rank, (tsquery,)))  # noqa: S611
            .order_by("-rank", "-updated", "-pk")
        )


class ElasticsearchBackend:
    """Elasticsearch 8 with an ASCII-folding analyser; same contract as the others.

    Used when ELASTICSEARCH_URL is set. No Elasticsearch server runs on the build machine, so
    this class is not exercised by the test suite; `index_items` must be run after imports.
    """

    INDEX = "question_bank_items"
    MAPPING: dict[str, Any] = {
        "settings": {
            "analysis": {
                "analyzer": {
                    "folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}
                }
            }
        },
        "mappings": {
            "properties": {
                "text": {"type": "text", "analyzer": "folded"},
                **{name: {"type": "keyword"} for name in FACETS},
            }
        },
    }

    def __init__(self, url: str) -> None:
        from elasticsearch import Elasticsearch

        self.client = Elasticsearch(url)

    def index_items(self, items: QuerySet[Item]) -> None:
        from elasticsearch.helpers import bulk

        if not self.client.indices.exists(index=self.INDEX):
            self.client.indices.create(index=self.INDEX, **self.MAPPING)
        bulk(
            self.client,
            (
                {
                    "_index": self.INDEX,
                    "_id": item.pk,
                    "text": item.search_text,
                    **{name: _facet_value(item, name) for name in FACETS},
                }
                for item in items.select_related("subject").iterator()
            ),
        )

    def search(
        self, ids_allowed: QuerySet[Item], query: str, filters: dict[str, Any], limit: int
    ) -> SearchResult:
        must: list[dict[str, Any]] = []
        if words(query):
            must.append(
                {
                    "match_bool_prefix": {
                        "text": {"query": " ".join(words(query)), "operator": "and"}
                    }
                }
            )
        term_filters = [
            {"terms" if isinstance(v, list) else "term": {k: v}}
            for k, v in filters.items()
            if v not in (None, "", [])
        ]
        allowed = list(ids_allowed.values_list("pk", flat=True)[:65536])
        response = self.client.search(
            index=self.INDEX,
            query={"bool": {"must": must, "filter": [*term_filters, {"ids": {"values": allowed}}]}},
            aggs={name: {"terms": {"field": name, "size": 50}} for name in FACETS},
            size=limit,
        )
        return SearchResult(
            total=response["hits"]["total"]["value"],
            ids=[int(hit["_id"]) for hit in response["hits"]["hits"]],
            facets={
                name: [(b["key"], b["doc_count"]) for b in agg["buckets"]]
                for name, agg in response["aggregations"].items()
            },
        )


def _facet_value(item: Item, name: str) -> Any:
    if name == "subject":
        return item.subject.code if item.subject else None
    value = getattr(item, _FACET_FIELDS.get(name, name))
    return str(value) if value is not None else None


def backend() -> DatabaseBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else DatabaseBackend()


def search_visible(
    user: Any, query: str = "", filters: dict[str, Any] | None = None, **kw: Any
) -> SearchResult:
    """Search what `user` may see; facets without a text query come from the count table."""
    from .permissions import visibility

    q = visibility(user)
    return search_items(Item.objects.filter(q), query, filters, visibility=q, **kw)


def search_items(
    queryset: QuerySet[Item],
    query: str = "",
    filters: dict[str, Any] | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    facets: tuple[str, ...] = FACETS,
    visibility: Q | None = None,
) -> SearchResult:
    """Search within `queryset` (already narrowed to what the user may see).

    `visibility`, when given, must be the filter `queryset` was made with (over the item's own
    columns, as `permissions.visibility` returns it): without a text query the facets and the
    total are then summed from the count table instead of counted over the items. With a text
    query the facets count at most FACET_SAMPLE matches (`facets_approximate` says when that
    cut anything off); the total stays exact."""
    filters = filters or {}
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchBackend(settings.ELASTICSEARCH_URL).search(
            queryset, query, filters, limit
        )
    qs = apply_filters(queryset, filters)
    if qs.query.is_empty():
        return SearchResult(total=0, ids=[], facets={name: [] for name in facets})
    if visibility is not None and not words(query):
        tallies = apply_filters(FacetCount.objects.filter(visibility, n__gt=0), filters)
        page = list(
            qs.order_by("-updated", "-pk").values_list("pk", flat=True)[offset : offset + limit]
        )
        return SearchResult(
            total=tallies.aggregate(t=Sum("n"))["t"] or 0,
            ids=page,
            facets=facet_counts(tallies, facets),
        )
    qs = backend().match(qs, query)
    # the page and the total in one statement (a window count over all matches)
    page = list(
        qs.annotate(full_count=Window(Count("pk"))).values_list("pk", "full_count")[
            offset : offset + limit
        ]
    )
    total = page[0][1] if page else (qs.count() if offset else 0)
    sample = getattr(settings, "QUESTION_BANK_FACET_SAMPLE", FACET_SAMPLE)
    bounded = bool(words(query)) and total > sample
    return SearchResult(
        total=total,
        ids=[pk for pk, _count in page],
        facets=facet_counts(qs, facets, limit=sample if bounded else None),
        facets_approximate=bounded and bool(facets),
    )
