"""Deterministic shuffling of a test into a version (mã đề), independent of the database.

Within each part, items are cut into blocks: consecutive items sharing a stimulus group form one
block. Blocks holding a fixed-position item keep their slot; the other blocks are shuffled into
the remaining slots. Options of single-choice and multiple-response items are shuffled except
those marked "do not shuffle", which keep their place. True/false statements (a-d) and short
answers are never reordered. The same seed and code always give the same version.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from question_bank.api import ItemContent, ItemType

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SHUFFLED_OPTION_TYPES = frozenset({ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE})


@dataclass(frozen=True)
class Slot:
    test_item: int
    item_version: int
    content: ItemContent
    points: Decimal
    fixed: bool = False
    group: str = ""


@dataclass(frozen=True)
class PartPlan:
    title: str
    slots: list[Slot]
    shuffle_items: bool = True
    shuffle_options: bool = True


def version_rng(seed: str | int, code: str) -> random.Random:
    # String seeds are hashed with SHA-512 by random.seed: stable across runs and machines.
    return random.Random(f"{seed}:{code}")


def _blocks(slots: list[Slot]) -> list[list[Slot]]:
    blocks: list[list[Slot]] = []
    for slot in slots:
        if blocks and slot.group and blocks[-1][0].group == slot.group:
            blocks[-1].append(slot)
        else:
            blocks.append([slot])
    return blocks


def order_items(slots: list[Slot], rng: random.Random, shuffle: bool = True) -> list[Slot]:
    if not shuffle:
        return slots
    blocks = _blocks(slots)
    movable_idx = [i for i, b in enumerate(blocks) if not any(s.fixed for s in b)]
    movable = [blocks[i] for i in movable_idx]
    rng.shuffle(movable)
    result = list(blocks)
    for i, block in zip(movable_idx, movable, strict=True):
        result[i] = block
    return [slot for block in result for slot in block]


def order_options(content: ItemContent, rng: random.Random, shuffle: bool = True) -> list[str]:
    """The option ids in display order; fixed options keep their position."""
    ids = [c.id for c in content.choices]
    if not shuffle or content.type not in SHUFFLED_OPTION_TYPES:
        return ids
    free = [i for i, c in enumerate(content.choices) if not c.fixed]
    moved = [ids[i] for i in free]
    rng.shuffle(moved)
    result = list(ids)
    for i, option in zip(free, moved, strict=True):
        result[i] = option
    return result


def relabel_key(content: ItemContent, choice_order: list[str]) -> Any:
    """The key in the import_questions encoding, with options named by their new letter."""
    if content.type not in SHUFFLED_OPTION_TYPES:
        return content.key
    label = {option: LETTERS[i] for i, option in enumerate(choice_order)}
    if content.type is ItemType.SINGLE_CHOICE:
        return label.get(content.key, content.key)
    return sorted(label[k] for k in content.key or [] if k in label)


def build_layout(parts: list[PartPlan], rng: random.Random) -> list[dict[str, Any]]:
    layout: list[dict[str, Any]] = []
    for part in parts:
        for slot in order_items(part.slots, rng, part.shuffle_items):
            choice_order = order_options(slot.content, rng, part.shuffle_options)
            layout.append(
                {
                    "position": len(layout) + 1,
                    "part": part.title,
                    "test_item": slot.test_item,
                    "item_version": slot.item_version,
                    "choice_order": choice_order,
                    "key": relabel_key(slot.content, choice_order),
                    "points": str(slot.points),
                }
            )
    return layout


def version_codes(count: int, first: int = 101) -> list[str]:
    return [str(first + i) for i in range(count)]
