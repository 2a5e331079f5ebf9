"""Diacritic-insensitive search over items with facet counts; one contract, three backends.

Every backend searches `Item.search_text`, the stem, options, solution and tags folded to
plain ASCII-ish text (core.api.fold: no diacritics, đ -> d), with the query folded the same way,
so "phuong trinh bac hai" finds "phương trình bậc hai" everywhere.

Query words match whole words. While the user is still typing (`prefix=True`: the search box's
as-you-type requests, the API's `prefix` parameter) the last word also matches the words it
begins: "phuong trinh ba" finds "bậc". That expansion is what a search costs most at a million
items (a two-letter Vietnamese syllable begins dozens of common words), so a finished query
(Enter, the search button, the API by default) does without it.

- SQLite (embedded default): every query word must occur as a word (LIKE, then a word-boundary
  regular expression); relevance = whole phrase first.
- PostgreSQL: full text on to_tsvector('simple', search_text) (GIN index), whole phrase first
  then ts_rank over a bounded candidate set;
  `unaccent` folds the query server-side too; a pg_trgm GIN index serves fuzzy lookups and
  near-duplicate candidates.
- Elasticsearch 8 (ELASTICSEARCH_URL set): `ElasticsearchBackend` below, ASCII folding analyser.

The contract at scale is the same on each: a text query's total is exact up to TOTAL_CAP, then
`total_capped`; pages end at min(TOTAL_CAP, RANK_CANDIDATES); facets count at most
FACET_SAMPLE matches (`facets_approximate`).
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
# With a text query the total is counted up to this many matches; beyond it the result says
# `total_capped` and the UI shows "hơn 10.000". Counting a million matches exactly costs a
# visit of every one of them for a number nobody pages through.
TOTAL_CAP = 10_000
# With a text query at most this many matches are ranked (PostgreSQL): the first ones the
# index yields, plus as many whole-phrase matches. Ranking reads every ranked row's vector, so
# an unbounded ranking of a common word costs one heap page per match.
RANK_CANDIDATES = 1_000


@dataclass
class SearchResult:
    total: int
    ids: list[int]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    # True when the facets counted only the first FACET_SAMPLE matches of a text query
    facets_approximate: bool = False
    # True when a text query matched more than TOTAL_CAP items: `total` is then TOTAL_CAP
    # and means "more than that"; pages end at the cap
    total_capped: bool = False


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, f"QUESTION_BANK_{name}", default))


def _reach() -> int:
    return min(_setting("TOTAL_CAP", TOTAL_CAP), _setting("RANK_CANDIDATES", RANK_CANDIDATES))


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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _grouped(facets, cursor.fetchall())


def _grouping_sets_sql(facets: tuple[str, ...], source: str) -> str:
    """Counts per value of every facet over `source` (SQL of rows with the facet columns)."""
    quoted = [connection.ops.quote_name(_COLUMNS[name]) for name in facets]
    return (
        f"SELECT {', '.join(quoted)}, GROUPING({', '.join(quoted)}), COUNT(*) "  # noqa: S608
        f"FROM ({source}) AS matches "
        f"GROUP BY GROUPING SETS ({', '.join(f'({q})' for q in quoted)})"
    )


def _grouped(facets: tuple[str, ...], rows: list[Any]) -> dict[str, list[tuple[Any, int]]]:
    """Facet counts from rows of (facet columns..., GROUPING(...), count)."""
    out: dict[str, list[tuple[Any, int]]] = {name: [] for name in facets}
    n = len(facets)
    for row in rows:
        grouping, count = row[n], row[n + 1]
        if grouping is None:  # the row of a statement that returned no groups
            continue
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
    """SQLite and any database without full text: LIKE on the folded column.

    The embedded default holds a school's bank, not millions of items, so every match is
    ranked; only the total is capped, to keep the same contract as the other backends."""

    def matches(self, qs: QuerySet[Item], terms: list[str], prefix: bool) -> QuerySet[Item]:
        for i, term in enumerate(terms):
            # LIKE first: cheap, and it leaves the regular expression (run in Python by
            # SQLite) only the rows that hold the letters at all
            qs = qs.filter(search_text__contains=term)
            qs = qs.filter(search_text__regex=_word_pattern([term], prefix and i == len(terms) - 1))
        return qs

    def search(
        self,
        qs: QuerySet[Item],
        terms: list[str],
        *,
        offset: int,
        limit: int,
        facets: tuple[str, ...],
        cap: int,
        sample: int,
        prefix: bool = False,
    ) -> SearchResult:
        matches = self.matches(qs, terms, prefix)
        counted = _count_up_to(matches, cap)
        page = self.page(matches, terms, prefix, offset=offset, limit=limit)
        sample = min(sample, cap)
        bounded = counted > sample
        return SearchResult(
            total=min(counted, cap),
            ids=page if limit else [],
            facets=facet_counts(matches, facets, limit=sample if bounded else None),
            facets_approximate=bounded and bool(facets),
            total_capped=counted > cap,
        )

    def page(
        self, matches: QuerySet[Item], terms: list[str], prefix: bool, *, offset: int, limit: int
    ) -> list[int]:
        ranked = matches.annotate(
            rank=Case(
                When(search_text__regex=_word_pattern(terms, prefix), then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("-rank", "-updated", "-pk")
        return list(ranked.values_list("pk", flat=True)[offset : offset + limit])


class PostgresBackend(DatabaseBackend):
    """Full text on the stored vector; ranks a bounded candidate set (see RANK_CANDIDATES)."""

    # the stored generated column of migration 0003 (covered by the qb_item_search GIN index)
    VECTOR = '"question_bank_item"."search_vector"'
    # The SQL is constant; the user's words travel only as query parameters.
    # The tsquery is a sub-select on purpose: PostgreSQL multiplies the frequencies of the words
    # as if they were independent, so for words that go together ("mang may tinh") it expects
    # a few dozen matches instead of 20,000, reads the GIN index alone and then filters subject
    # and grade over ~18,000 heap pages. A sub-select's value is unknown when planning, so the
    # default estimate (0.5 %) applies and it ANDs the GIN bitmap with the subject/grade index
    # first (~2,800 heap pages at 1,000,000 items).
    # A sub-select is computed once per statement; written inline, the query would be parsed
    # again for every row ranked (unaccent is only STABLE, so PostgreSQL cannot fold it).
    QUERY = "(SELECT to_tsquery('simple'::regconfig, unaccent(%s)))"
    MATCH = f"{VECTOR} @@ {QUERY}"

    @staticmethod
    def tsquery(terms: list[str], joiner: str = " & ", *, prefix: bool = False) -> str:
        # while typing, the last word may be unfinished: match it as a prefix
        return joiner.join([*terms[:-1], f"{terms[-1]}:*" if prefix else terms[-1]])

    def search(
        self,
        qs: QuerySet[Item],
        terms: list[str],
        *,
        offset: int,
        limit: int,
        facets: tuple[str, ...],
        cap: int,
        sample: int,
        prefix: bool = False,
    ) -> SearchResult:
        """The capped total, the ranked page and the facets in one statement, so the index is
        searched once (a prefix of the last word is the costly part of a search: every
        word starting with it is looked up). The first cap + 1 matches the index yields are
        kept (with their vector and facet columns); the ranking and the page are taken over
        the first RANK_CANDIDATES of them plus, when there are more matches, as many
        whole-phrase matches looked up on their own; the facets over the first `sample`."""
        query = self.tsquery(terms, prefix=prefix)
        phrase = self.tsquery(terms, " <-> ", prefix=prefix)
        size = _setting("RANK_CANDIDATES", RANK_CANDIDATES)
        sample = min(sample, cap)  # the facets count no more matches than the total does
        columns = list(dict.fromkeys(_COLUMNS[name] for name in facets))

        def found(
            where: str, text: str, *, n: int, more: tuple[str, ...] = ()
        ) -> tuple[str, list[Any]]:
            sliced = (
                qs.extra(where=[where, *more], params=[text])  # noqa: S610
                .order_by()
                .annotate(qb_vector=RawSQL(self.VECTOR, ()))  # noqa: S611
                .values("id", "updated", "qb_vector", *columns)[:n]
            )
            sql, params = sliced.query.sql_with_params()
            return sql, list(params)

        matches, params = found(self.MATCH, query, n=cap + 1)
        candidates = f"(SELECT id, updated, qb_vector FROM qb_matches LIMIT {int(size)})"  # noqa: S608
        if len(terms) > 1:
            # When the matches outrun the candidates, the whole-phrase matches join them: taken
            # from the matches already in hand past the first candidates (up to the cap), or,
            # past the cap, looked up in the index (less those in hand). Each arm runs only
            # when its one-time filter holds. The arms never overlap, so they are appended
            # (UNION ALL): deduplicating would sort every candidate's vector.
            among = (
                "(SELECT id, updated, qb_vector FROM "  # noqa: S608
                f"(SELECT id, updated, qb_vector FROM qb_matches OFFSET {int(size)}) AS rest "
                f"WHERE (SELECT n FROM qb_total) > {int(size)} "
                f"AND qb_vector @@ {self.QUERY} LIMIT {int(size)})"
            )
            gate = f"(SELECT n FROM qb_total) > {int(cap)}"  # noqa: S608
            phrased, phrase_params = found(self.MATCH, phrase, n=size, more=(gate,))
            candidates += (
                f" UNION ALL {among} UNION ALL (SELECT id, updated, qb_vector FROM ({phrased}) "  # noqa: S608
                "AS p WHERE p.id NOT IN (SELECT id FROM qb_matches))"
            )
            params += [phrase, *phrase_params]
        vector = "qb_vector"
        order = f"ts_rank({vector}, {self.QUERY}) DESC, "
        order_params = [query]
        if len(terms) > 1:  # whole phrase first (one word is always its own phrase)
            order = f"({vector} @@ {self.QUERY})::int DESC, " + order
            order_params.insert(0, phrase)
        order += "updated DESC, id DESC"
        params += [*order_params, limit, offset]
        if facets:
            first = f"SELECT * FROM qb_matches LIMIT {int(sample)}"  # noqa: S608
            grouped = _grouping_sets_sql(facets, first)
        else:
            grouped = "SELECT NULL WHERE false"
        sql = (
            f"WITH qb_matches AS MATERIALIZED ({matches}), "  # noqa: S608
            "qb_total AS (SELECT count(*) AS n FROM qb_matches), "
            f"qb_candidates AS ({candidates}) "
            "SELECT t.n, ARRAY(SELECT id FROM qb_candidates "
            f"ORDER BY {order} LIMIT %s OFFSET %s), f.* "
            f"FROM qb_total AS t LEFT JOIN ({grouped}) AS f ON true"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        counted, ids = rows[0][0], rows[0][1]
        bounded = counted > sample
        return SearchResult(
            total=min(counted, cap),
            ids=list(ids) if limit else [],
            facets=_grouped(facets, [row[2:] for row in rows]) if facets else {},
            facets_approximate=bounded and bool(facets),
            total_capped=counted > cap,
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
        self,
        ids_allowed: QuerySet[Item],
        query: str,
        filters: dict[str, Any],
        limit: int,
        offset: int = 0,
        prefix: bool = False,
    ) -> SearchResult:
        must: list[dict[str, Any]] = []
        if words(query):
            kind = "match_bool_prefix" if prefix else "match"
            must.append({kind: {"text": {"query": " ".join(words(query)), "operator": "and"}}})
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
            from_=offset,
            # the same capped total as the database backends ("gte" = more than the cap)
            track_total_hits=_setting("TOTAL_CAP", TOTAL_CAP),
        )
        hits_total = response["hits"]["total"]
        return SearchResult(
            total_capped=hits_total["relation"] == "gte",
            total=hits_total["value"],
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
    prefix: bool = False,
) -> SearchResult:
    """Search within `queryset` (already narrowed to what the user may see). The words of
    `query` match whole words; with `prefix` (search-as-you-type) the last one also matches the
    words it begins.

    `visibility`, when given, must be the filter `queryset` was made with (over the item's own
    columns, as `permissions.visibility` returns it): without a text query the facets and the
    total are then summed from the count table instead of counted over the items. With a text
    query the total is exact up to TOTAL_CAP (beyond it `total_capped` is set, `total` is the
    cap and pages stop there), the facets count at most FACET_SAMPLE matches
    (`facets_approximate` says when that cut anything off), and the backend ranks the matches
    (PostgreSQL: at most RANK_CANDIDATES of them, whole-phrase matches first).
    The three bounds are settings `QUESTION_BANK_TOTAL_CAP`, `QUESTION_BANK_FACET_SAMPLE` and
    `QUESTION_BANK_RANK_CANDIDATES`."""
    filters = filters or {}
    if words(query):
        # pages of a text query end at the cap and at the ranked candidates (every backend)
        limit = max(0, min(limit, _reach() - offset))
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchBackend(settings.ELASTICSEARCH_URL).search(
            queryset, query, filters, limit, offset, prefix=prefix
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
    terms = words(query)
    if not terms:
        ordered = qs.order_by("-updated", "-pk")
        # the page and the total in one statement (a window count over all items)
        rows = list(
            ordered.annotate(full_count=Window(Count("pk"))).values_list("pk", "full_count")[
                offset : offset + limit
            ]
        )
        total = rows[0][1] if rows else (qs.count() if offset else 0)
        return SearchResult(
            total=total, ids=[pk for pk, _n in rows], facets=facet_counts(qs, facets)
        )
    return backend().search(
        qs,
        terms,
        offset=offset,
        limit=limit,
        facets=facets,
        cap=_setting("TOTAL_CAP", TOTAL_CAP),
        sample=_setting("FACET_SAMPLE", FACET_SAMPLE),
        prefix=prefix,
    )


def _word_pattern(terms: list[str], prefix: bool) -> str:
    """The words in a row as whole words (separated as PostgreSQL's parser separates them),
    the last one only begun when `prefix`."""
    body = r"\W+".join(re.escape(t) for t in terms)
    return rf"(?<![^\W_]){body}" + ("" if prefix else r"(?![^\W_])")


def _count_up_to(matches: QuerySet[Item], cap: int) -> int:
    """The number of matches, counting no further than cap + 1 (so "more than cap" shows)."""
    return matches.order_by().values("pk")[: cap + 1].count()
