"""What the teacher's test-building pages show: the blueprint grid and the test's outline.

Pure reads; every write goes through services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from question_bank.api import ItemContent, ItemType, Topic

from .models import BlueprintCell, Test, TestItem, TestPart
from .scoring import default_points
from .services import CellSpec

LEVELS = ["biet", "hieu", "van_dung"]
TYPE_LABELS = {
    ItemType.SINGLE_CHOICE.value: gettext_lazy("Trắc nghiệm nhiều lựa chọn"),
    ItemType.TRUE_FALSE_CLUSTER.value: gettext_lazy("Đúng/Sai"),
    ItemType.SHORT_NUMERIC.value: gettext_lazy("Trả lời ngắn"),
    ItemType.MULTIPLE_RESPONSE.value: gettext_lazy("Nhiều đáp án"),
    ItemType.SHORT_TEXT.value: gettext_lazy("Điền từ"),
    ItemType.MATCHING.value: gettext_lazy("Ghép đôi"),
    ItemType.ORDERING.value: gettext_lazy("Sắp xếp"),
    ItemType.CLOZE.value: gettext_lazy("Điền khuyết"),
    ItemType.ESSAY.value: gettext_lazy("Tự luận"),
}
LEVEL_NAMES = {
    "biet": gettext_lazy("Biết"),
    "hieu": gettext_lazy("Hiểu"),
    "van_dung": gettext_lazy("Vận dụng"),
    "van_dung_cao": gettext_lazy("Vận dụng cao"),
}
# The 2025 format: PHẦN I multiple choice, PHẦN II true/false clusters, PHẦN III short answers.
PART_TYPES = {
    1: ItemType.SINGLE_CHOICE.value,
    2: ItemType.TRUE_FALSE_CLUSTER.value,
    3: ItemType.SHORT_NUMERIC.value,
}


def subject_code(test: Test) -> str:
    return test.subject.code if test.subject else ""


@dataclass
class Column:
    part: TestPart
    item_type: str
    level: str

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.item_type, self.item_type))

    @property
    def level_label(self) -> str:
        return str(LEVEL_NAMES.get(self.level, self.level))


@dataclass
class GridCell:
    name: str  # form field suffix: part-topic-level-type
    count: int
    points: Decimal


@dataclass
class GridRow:
    topic: Topic | None
    cells: list[GridCell] = field(default_factory=list)
    items: int = 0
    points: Decimal = Decimal(0)


@dataclass
class Grid:
    columns: list[Column]
    rows: list[GridRow]
    total_items: int
    total_points: Decimal
    column_groups: list[tuple[str, str, int]]  # (part title, type label, span)


def _key(part: int, topic: int | None, level: str, item_type: str) -> str:
    return f"{part}-{topic or 0}-{level}-{item_type}"


def _topics(test: Test) -> QuerySet[Topic]:
    if test.subject_id is None:
        return Topic.objects.none()
    return Topic.objects.filter(subject_id=test.subject_id)


def blueprint_grid(test: Test, extra: list[tuple[int, str]] | None = None) -> Grid:
    """Topics × (part, item type, level) with the count and points of each cell."""
    parts = list(test.parts.all())
    cells = list(BlueprintCell.objects.filter(part__test=test).select_related("topic"))
    pairs: list[tuple[int, str]] = []
    for part in parts:
        default = PART_TYPES.get(part.order)
        if default:
            pairs.append((part.pk, default))
    for cell in cells:
        if (cell.part_id, cell.item_type) not in pairs:
            pairs.append((cell.part_id, cell.item_type))
    for pair in extra or []:
        if pair not in pairs and pair[0] in {p.pk for p in parts}:
            pairs.append(pair)
    by_pk = {p.pk: p for p in parts}
    pairs.sort(key=lambda p: (by_pk[p[0]].order, p[1]))
    columns = [Column(by_pk[p], t, lv) for p, t in pairs for lv in LEVELS]
    topics = list(_topics(test).order_by("order", "title"))
    if test.grade:
        topics = [t for t in topics if t.grade in (None, test.grade)]
    for cell in cells:
        if cell.topic is not None and cell.topic not in topics:
            topics.append(cell.topic)
    known = {
        _key(c.part_id, c.topic_id, c.level, c.item_type): c for c in cells if c.level in LEVELS
    }
    code = subject_code(test)
    rows: list[GridRow] = []
    for topic in [None, *topics]:
        row = GridRow(topic)
        for col in columns:
            name = _key(col.part.pk, topic.pk if topic else None, col.level, col.item_type)
            stored = known.get(name)
            points = (
                Decimal(stored.points_each).normalize()
                if stored
                else default_points(col.item_type, code)
            )
            count = stored.count if stored else 0
            row.cells.append(GridCell(name, count, points))
            row.items += count
            row.points += count * points
        rows.append(row)
    groups: list[tuple[str, str, int]] = []
    for p, t in pairs:
        groups.append((by_pk[p].title, str(TYPE_LABELS.get(t, t)), len(LEVELS)))
    return Grid(
        columns,
        rows,
        sum(r.items for r in rows),
        sum((r.points for r in rows), Decimal(0)).normalize(),
        groups,
    )


def parse_grid(test: Test, data: Any) -> list[CellSpec]:
    """Cell specs from the grid form (fields c-<key> for counts, p-<key> for points).

    Errors name the cell (topic, part, level, type) so the teacher can find it.
    """
    part_ids = set(test.parts.values_list("pk", flat=True))
    topics = {t.pk: t.title for t in _topics(test)}
    specs: list[CellSpec] = []
    errors: list[str] = []
    for name in data:
        if not name.startswith("c-"):
            continue
        key = name[2:]
        bits = key.split("-", 3)
        if len(bits) != 4 or not bits[0].isdigit() or not bits[1].isdigit():
            errors.append(_("Ô không hợp lệ: %(k)s") % {"k": key})
            continue
        part, topic, level, item_type = int(bits[0]), int(bits[1]) or None, bits[2], bits[3]
        where = _("Chủ đề “%(topic)s”, %(type)s, mức %(level)s") % {
            "topic": topics.get(topic or 0, _("(mọi chủ đề)")),
            "type": TYPE_LABELS.get(item_type, item_type),
            "level": LEVEL_NAMES.get(level, level),
        }
        raw_count = (data.get(name) or "0").strip() or "0"
        raw_points = (data.get(f"p-{key}") or "").strip().replace(",", ".")
        if not raw_count.isdigit():
            errors.append(_("%(where)s: số câu phải là số nguyên ≥ 0.") % {"where": where})
            continue
        count = int(raw_count)
        if count == 0:
            continue
        try:
            points = (
                Decimal(raw_points) if raw_points else default_points(item_type, subject_code(test))
            )
        except (InvalidOperation, ValueError):
            errors.append(
                _("%(where)s: điểm “%(p)s” không hợp lệ.") % {"where": where, "p": raw_points}
            )
            continue
        if part not in part_ids:
            errors.append(_("%(where)s: phần không thuộc đề.") % {"where": where})
            continue
        specs.append(CellSpec(part, item_type, count, points, topic, level))
    if errors:
        raise ValidationError(errors)
    return specs


@dataclass
class OutlineItem:
    test_item: TestItem
    content: ItemContent
    type_label: str
    level_label: str


def outline(test: Test) -> list[tuple[TestPart, list[OutlineItem]]]:
    """The parts and their items, in two queries."""
    parts = test.parts.prefetch_related(
        Prefetch(
            "items",
            queryset=TestItem.objects.select_related("item_version__item").order_by("order"),
        )
    )
    out = []
    for part in parts:
        rows = []
        for ti in part.items.all():
            content = ItemContent.from_json(ti.item_version.content)
            rows.append(
                OutlineItem(
                    ti,
                    content,
                    str(TYPE_LABELS.get(content.type.value, content.type.value)),
                    str(LEVEL_NAMES.get(ti.item_version.item.level, ti.item_version.item.level)),
                )
            )
        out.append((part, rows))
    return out
