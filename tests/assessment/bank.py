"""Approved items in the question bank for assessment tests (written through the ORM for speed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from question_bank.api import Choice, ItemContent, ItemType, content_hash
from question_bank.models import Item, ItemVersion, Stimulus, Topic
from question_bank.sanitize import search_text


def single_choice(key: str = "B", *, fixed_last: bool = False, stem: str = "") -> ItemContent:
    choices = [Choice(c, f"<p>Phương án {c}</p>") for c in "ABCD"]
    if fixed_last:
        choices[-1] = Choice("D", "<p>Cả ba phương án trên</p>", fixed=True)
    return ItemContent(
        type=ItemType.SINGLE_CHOICE,
        stem_html=stem or "<p>Cho $y=\\frac{1}{2}x^{2}$. Chọn đáp án đúng.</p>",
        choices=choices,
        key=key,
        solution_html="<p>LỜI GIẢI BÍ MẬT</p>",
    )


def true_false() -> ItemContent:
    return ItemContent(
        type=ItemType.TRUE_FALSE_CLUSTER,
        stem_html="<p>Cho hàm số $f(x)=x^2-4$.</p>",
        choices=[Choice(s, f"<p>Mệnh đề {s}</p>") for s in "abcd"],
        key={"a": True, "b": False, "c": True, "d": False},
    )


def short_numeric(key: str = "-1,5") -> ItemContent:
    return ItemContent(type=ItemType.SHORT_NUMERIC, stem_html="<p>Tính x.</p>", key=key)


def make_item(
    content: ItemContent,
    *,
    subject: Any = None,
    topic: Topic | None = None,
    level: str = "biet",
    status: str = "approved",
    stimulus: Stimulus | None = None,
    grade: int | None = 10,
    scope: str = "department",
) -> ItemVersion:
    item = Item.objects.create(
        type=content.type.value,
        subject=subject,
        topic=topic,
        level=level,
        status=status,
        stimulus=stimulus,
        grade=grade,
        search_text=search_text(content),
        scope=scope,
    )
    version = ItemVersion.objects.create(
        item=item,
        number=1,
        type=content.type.value,
        content=content.to_json(),
        content_hash=content_hash(content),
    )
    Item.objects.filter(pk=item.pk).update(current_version=version)
    item.current_version = version
    return version


def points(value: str) -> Decimal:
    return Decimal(value)


def new_version(previous: ItemVersion, content: ItemContent) -> ItemVersion:
    """The next version of the same question (a key correction, say)."""
    version = ItemVersion.objects.create(
        item=previous.item,
        number=previous.number + 1,
        type=content.type.value,
        content=content.to_json(),
        content_hash=content_hash(content),
    )
    Item.objects.filter(pk=previous.item_id).update(current_version=version)
    return version
