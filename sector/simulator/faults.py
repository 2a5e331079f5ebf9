"""Fault injection: what the sector platform does to us on a bad day."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    latency_ms: int = 0  # added to every API request
    error_rate: float = 0.0  # HTTP 500 before doing anything
    timeout_rate: float = 0.0  # do the work, then hang for timeout_s (client gives up)
    timeout_s: float = 30.0
    drop_rate: float = 0.0  # do the work, then cut the connection mid-response
    duplicate_rate: float = 0.0  # apply the same write twice, as a replaying proxy would
    seed: int | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def update(self, changes: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, value)
        if "seed" in changes:
            self.rng = random.Random(self.seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
