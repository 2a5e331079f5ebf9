"""Browsing the repository: what a person may see, and search with facets over it.

A person sees the published items of the department-wide library and of the libraries of the
schools they belong to (any role, at the school or above it). Text search folds Vietnamese
diacritics the same way as the question bank (core.api.fold). This is the one search of the
repository: the search page, the JSON API and content.api.search all use browse().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Left, Length
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from core.api import fold, permissions

from .models import (
    ContentPage,
    DocumentPage,
    ELecturePage,
    LessonPlanPage,
    LibraryPage,
    Licence,
    PackagePage,
)
from .packages.report import PackageKind

PAGE_SIZE = 20
FACETS = ("subject", "grade", "topic", "type", "licence", "school")
FACET_TITLES = {
    "subject": _("Môn học"),
    "grade": _("Khối lớp"),
    "topic": _("Chủ đề"),
    "type": _("Loại học liệu"),
    "licence": _("Giấy phép"),
    "school": _("Trường"),
}
# Content types as a person thinks of them: packages split by their standard.
TYPE_LABELS = {
    "lessonplan": _("Kế hoạch bài dạy"),
    "electure": _("Bài giảng điện tử"),
    "document": _("Tài liệu / sách giáo khoa số"),
    PackageKind.SCORM12: _("Gói SCORM 1.2"),
    PackageKind.SCORM2004: _("Gói SCORM 2004"),
    PackageKind.H5P: _("Gói H5P"),
    PackageKind.CMI5: _("Gói cmi5"),
}
_PAGE_TYPES = {"lessonplan": LessonPlanPage, "electure": ELecturePage, "document": DocumentPage}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class BrowseResult:
    items: list[ContentPage]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def visible_items(user: Any) -> QuerySet[ContentPage]:
    """Published items in libraries the person may open (none for anonymous visitors)."""
    live = ContentPage.objects.live()
    if not getattr(user, "is_authenticated", False):
        return live.none()
    if user.is_superuser:
        return live
    roles = list(permissions.role_paths(user))
    libraries = LibraryPage.objects.filter(
        Q(school__isnull=True) | permissions.path_q(user, roles, "school__path")
    ).values("path")
    # Items are direct children of their library: the parent's path is the item's path minus
    # one tree step, so one subquery covers any number of libraries.
    parent = Left("path", Length("path") - Page.steplen)
    return live.alias(library_path=parent).filter(library_path__in=libraries)


def can_see(user: Any, page_id: int) -> bool:
    return visible_items(user).filter(pk=page_id).exists()


def type_key(page: ContentPage) -> str:
    """The facet value of an item (specific page expected)."""
    if isinstance(page, PackagePage):
        return str(page.package.kind)
    for key, model in _PAGE_TYPES.items():
        if isinstance(page, model):
            return key
    return ""


def _content_types() -> dict[type, int]:
    types = ContentType.objects.get_for_models(*_PAGE_TYPES.values(), PackagePage)
    return {model: ct.pk for model, ct in types.items()}


def _filtered(
    base: QuerySet[ContentPage], q: str, filters: dict[str, str], types: dict[type, int]
) -> QuerySet[ContentPage]:
    qs = base
    for word in fold(q).split():
        qs = qs.filter(search_folded__contains=word)
    for name, value in filters.items():
        if not value:
            continue
        if name == "type":
            if value in _PAGE_TYPES:
                qs = qs.filter(content_type_id=types[_PAGE_TYPES[value]])
            else:
                qs = qs.filter(content_type_id=types[PackagePage], packagepage__package__kind=value)
        elif name in {"subject", "school"}:
            qs = qs.filter(**{f"{name}__code": value})
        else:
            qs = qs.filter(**{name: value})
    return qs


def clean_filters(raw: Any) -> dict[str, str]:
    """Only known facets; an unknown value simply finds nothing."""
    filters = {name: str(raw.get(name) or "").strip() for name in FACETS}
    if filters["grade"] and not filters["grade"].isdigit():
        filters["grade"] = "0"
    return filters


def browse(
    user: Any, q: str = "", filters: dict[str, str] | None = None, page: int = 1
) -> BrowseResult:
    """Visible published items matching every word of `q` and every filter, one page of them.

    Each facet is counted with the other filters applied, so picking a subject still shows how
    many items each school has in it.
    """
    filters = filters or {}
    types = _content_types()
    base = visible_items(user)
    qs = _filtered(base, q, filters, types)
    total = qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    ordered: Any = qs.order_by("-last_published_at", "pk")  # a Wagtail PageQuerySet
    items = list(ordered.specific()[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    # The specific pages come from one query per type; their relations are fetched in bulk.
    prefetch_related_objects(items, "subject", "school", "author", "thumbnail__renditions")
    prefetch_related_objects([i for i in items if isinstance(i, PackagePage)], "package")
    facets = {
        name: _facet(name, _filtered(base, q, _without(filters, name), types), filters, types)
        for name in FACETS
    }
    return BrowseResult(items=items, total=total, page=page, pages=pages, facets=facets)


def _without(filters: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in filters.items() if k != name}


def _facet(
    name: str, qs: QuerySet[ContentPage], filters: dict[str, str], types: dict[type, int]
) -> list[FacetValue]:
    qs = qs.order_by()
    chosen = filters.get(name, "")
    if name == "type":
        by_ct = {
            pk: key for key, model in _PAGE_TYPES.items() for m, pk in types.items() if m is model
        }
        rows = qs.values("content_type_id", "packagepage__package__kind").annotate(n=Count("pk"))
        counts: dict[str, int] = {}
        for row in rows:
            key = row["packagepage__package__kind"] or by_ct.get(row["content_type_id"], "")
            if key:
                counts[key] = counts.get(key, 0) + row["n"]
        labels = {k: str(v) for k, v in TYPE_LABELS.items()}
    elif name in {"subject", "school"}:
        rows = qs.values(f"{name}__code", f"{name}__name").annotate(n=Count("pk"))
        counts = {row[f"{name}__code"]: row["n"] for row in rows}
        labels = {row[f"{name}__code"]: row[f"{name}__name"] for row in rows}
    elif name == "licence":
        rows = qs.values("licence").annotate(n=Count("pk"))
        counts = {row["licence"]: row["n"] for row in rows}
        labels = {k: str(v) for k, v in Licence.choices}
    else:  # grade, topic
        rows = (
            qs.exclude(**{name: ""} if name == "topic" else {}).values(name).annotate(n=Count("pk"))
        )
        counts = {str(row[name]): row["n"] for row in rows}
        labels = {k: (str(_("Khối %(n)s")) % {"n": k} if name == "grade" else k) for k in counts}
    values = [
        FacetValue(key, labels.get(key, key), n, selected=key == chosen)
        for key, n in counts.items()
    ]
    values.sort(key=lambda v: (-v.count, v.label))
    return values
