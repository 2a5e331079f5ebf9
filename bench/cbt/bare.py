"""The baseline's protocol: POST /bench/upsert/ with one answer (see bare_urls.py)."""

from __future__ import annotations

import random
from typing import Any

from bench.cbt.loadgen import Call, Candidate
from bench.cbt.protocol import address


class BareUpsert:
    def start(self, c: Candidate) -> Call:
        raise NotImplementedError

    def started(self, c: Candidate, body: Any) -> None:
        raise NotImplementedError

    def save(self, c: Candidate, answers: list[tuple[int, int, Any]]) -> Call:
        # The bare view takes one answer; the baseline never has more than one pending.
        position, seq, response = answers[-1]
        return Call(
            "POST",
            "/bench/upsert/",
            {"candidate": c.index, "position": position, "seq": seq, "response": response},
        )

    def acks(self, c: Candidate, body: Any) -> list[tuple[int, int]]:
        return [(int(body["position"]), int(body["seq"]))]

    def submit(self, c: Candidate) -> Call:
        raise NotImplementedError

    def submitted(self, c: Candidate, body: Any) -> None:
        raise NotImplementedError

    def response(self, c: Candidate, position: int, rng: random.Random) -> Any:
        return rng.choice("ABCD")


def candidates(n: int, positions: int = 40) -> list[Candidate]:
    return [
        Candidate(
            index=i,
            headers=address(i),
            started=True,
            positions=list(range(1, positions + 1)),
        )
        for i in range(n)
    ]
