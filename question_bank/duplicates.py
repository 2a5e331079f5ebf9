"""Near-duplicate detection: Jaccard similarity of word 2-shingles of the folded text.

Candidates come from the indexed search text (items sharing the two rarest-looking, i.e.
longest, words), so the check stays cheap on a bank of millions of items.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet

from .interchange import ItemContent
from .models import Item
from .sanitize import search_text

THRESHOLD = 0.7
CANDIDATES = 200


def shingles(text: str, size: int = 2) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def similarity(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def similar_items(
    content: ItemContent, queryset: QuerySet[Item] | None = None, threshold: float = THRESHOLD
) -> list[tuple[Item, float]]:
    """Existing items at least `threshold` similar to `content`, most similar first."""
    text = search_text(content)
    words = sorted(set(re.findall(r"\w+", text)), key=len, reverse=True)[:2]
    if not words:
        return []
    qs = queryset if queryset is not None else Item.objects.all()
    qs = qs.filter(type=content.type.value)
    for word in words:
        qs = qs.filter(search_text__contains=word)
    found = []
    for item in qs.only("pk", "search_text", "type")[:CANDIDATES]:
        score = similarity(text, item.search_text)
        if score >= threshold:
            found.append((item, score))
    return sorted(found, key=lambda pair: -pair[1])


def duplicates_of(
    item: Item, queryset: QuerySet[Item] | None = None, threshold: float = THRESHOLD
) -> list[tuple[Item, float]]:
    """Items similar to `item`'s current version (the item itself left out)."""
    if item.current_version is None:
        return []
    qs = (queryset if queryset is not None else Item.objects.all()).exclude(pk=item.pk)
    return similar_items(item.current_version.item_content, qs, threshold)
