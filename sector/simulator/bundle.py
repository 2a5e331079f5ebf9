"""Seeding the simulator's roster from a OneRoster CSV bundle."""

from __future__ import annotations

from pathlib import Path

from ..oneroster_csv import read_bundle
from .store import Store


def load_bundle(store: Store, path: str | Path) -> dict[str, int]:
    counts = {}
    for collection, items in read_bundle(path).items():
        store.upsert_many(collection, items)
        counts[collection] = len(items)
    return counts
