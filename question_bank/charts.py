"""A small server-rendered SVG bar chart of one version's statistics: how often each option
was chosen (the key highlighted by the template), with the facility p and discrimination shown
as numbers next to it. Pure geometry: attributes only, no inline styles (CSP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 240
HEIGHT = 100
BASELINE = 80


@dataclass
class Bar:
    label: str
    count: int
    percent: int
    x: int
    y: int
    width: int
    height: int
    label_x: int


def statistics_chart(stats: Any) -> list[Bar]:
    """Bars for the distractor counts of an `ItemStatistics` row (empty without data)."""
    counts = dict(getattr(stats, "distractors", None) or {})
    if not counts:
        return []
    total = sum(int(n) for n in counts.values()) or 1
    top = max(int(n) for n in counts.values()) or 1
    slot = WIDTH // len(counts)
    width = max(4, slot - 8)
    bars = []
    for i, (label, n) in enumerate(sorted(counts.items())):
        height = round(int(n) / top * (BASELINE - 10))
        x = i * slot + (slot - width) // 2
        bars.append(
            Bar(
                label=str(label),
                count=int(n),
                percent=round(int(n) * 100 / total),
                x=x,
                y=BASELINE - height,
                width=width,
                height=height,
                label_x=x + width // 2,
            )
        )
    return bars
