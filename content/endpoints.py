"""HTTP API of the content repository: search what the caller may see, with facet counts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from ninja import Router, Schema

from . import browse as finding

router = Router(tags=["content"])


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class ContentItemOut(Schema):
    id: int
    title: str
    type: str
    subject: str
    grade: int
    topic: str
    lesson: str
    licence: str
    school: str
    author: str
    published_at: str | None
    url: str


class ContentSearchOut(Schema):
    total: int
    page: int
    pages: int
    page_size: int
    items: list[ContentItemOut]
    facets: dict[str, list[FacetValueOut]]


def _out(page: Any) -> dict[str, Any]:
    return {
        "id": page.pk,
        "title": page.title,
        "type": finding.type_key(page),
        "subject": page.subject.code,
        "grade": page.grade,
        "topic": page.topic,
        "lesson": page.lesson,
        "licence": page.licence,
        "school": page.school.code,
        "author": page.author.full_name or page.author.username,
        "published_at": page.last_published_at.isoformat() if page.last_published_at else None,
        "url": reverse("content:item", args=[page.pk]),
    }


@router.get(
    "/search",
    response=ContentSearchOut,
    summary="Search published materials I may see (accents optional), with facet counts",
)
def search(
    request: Any,
    q: str = "",
    subject: str = "",
    grade: str = "",
    topic: str = "",
    type: str = "",
    licence: str = "",
    school: str = "",
    page: int = 1,
) -> dict[str, Any]:
    raw = {"subject": subject, "grade": grade, "topic": topic, "type": type}
    filters = finding.clean_filters({**raw, "licence": licence, "school": school})
    result = finding.browse(request.user, q.strip(), filters, page)
    return {
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "page_size": finding.PAGE_SIZE,
        "items": [_out(item) for item in result.items],
        "facets": {name: [vars(v) for v in values] for name, values in result.facets.items()},
    }
