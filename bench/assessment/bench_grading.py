"""Grade 10,000 attempts × 40 items (goal ≤ 10 s).

Run: .venv/bin/python bench/assessment/bench_grading.py
Pure scoring of the 2025 mix per attempt: 24 single choice (0.25), 4 true/false clusters (1.0),
6 short numeric answers (0.5), 6 multiple response (0.25) — totals kept as exact fractions and
rounded to 0.25 once per attempt, as submit_attempt does.
"""

from __future__ import annotations

import os
import random
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from assessment.scoring import round_total, score_fraction  # noqa: E402
from question_bank.api import Choice, ItemContent, ItemType  # noqa: E402

ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "10000"))


def items() -> list[tuple[ItemContent, Decimal]]:
    out = []
    for i in range(24):
        out.append(
            (
                ItemContent(
                    type=ItemType.SINGLE_CHOICE,
                    stem_html="",
                    key="ABCD"[i % 4],
                    choices=[Choice(c, c) for c in "ABCD"],
                ),
                Decimal("0.25"),
            )
        )
    for _ in range(4):
        out.append(
            (
                ItemContent(
                    type=ItemType.TRUE_FALSE_CLUSTER,
                    stem_html="",
                    choices=[Choice(s, s) for s in "abcd"],
                    key={"a": True, "b": False, "c": True, "d": False},
                ),
                Decimal(1),
            )
        )
    for i in range(6):
        out.append(
            (ItemContent(type=ItemType.SHORT_NUMERIC, stem_html="", key=f"-{i},5"), Decimal("0.5"))
        )
    for _ in range(6):
        out.append(
            (
                ItemContent(
                    type=ItemType.MULTIPLE_RESPONSE,
                    stem_html="",
                    key=["A", "C"],
                    choices=[Choice(c, c) for c in "ABCD"],
                ),
                Decimal("0.25"),
            )
        )
    return out


def response(content: ItemContent, rng: random.Random) -> object:
    if content.type is ItemType.SINGLE_CHOICE:
        return rng.choice("ABCD")
    if content.type is ItemType.TRUE_FALSE_CLUSTER:
        return {s: rng.random() < 0.5 for s in "abcd"}
    if content.type is ItemType.SHORT_NUMERIC:
        return rng.choice([content.key, str(content.key).replace(",", "."), "12", ""])
    return [c for c in "ABCD" if rng.random() < 0.5]


def main() -> None:
    test = items()
    rng = random.Random(1)
    attempts = [[response(c, rng) for c, _p in test] for _ in range(ATTEMPTS)]
    start = time.perf_counter()
    grand = Fraction(0)
    for answers in attempts:
        total = Fraction(0)
        for (content, points), answer in zip(test, answers, strict=True):
            total += score_fraction(content, answer, points)
        round_total(total, "0.25")
        grand += total
    elapsed = time.perf_counter() - start
    print(
        f"graded {ATTEMPTS} attempts × {len(test)} items in {elapsed:.2f} s "
        f"(mean raw score {float(grand) / ATTEMPTS:.3f})"
    )


if __name__ == "__main__":
    main()
