"""The exams delivery protocol (docs/exams.md) as the load generator speaks it.

Candidates are seeded and signed in through exams.seeding.seed_exam (so the run measures the
start burst, not 3,000 password hashes); each request carries the candidate's bearer token in
X-Exam-Token:

    POST /api/v1/exams/attempts/{id}/start    {"access_code": "…"}            → state
    PUT  /api/v1/exams/attempts/{id}/answers  {"answers": [{position, seq, response}]} → acks
    POST /api/v1/exams/attempts/{id}/submit                                    → state, receipt
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bench.cbt.loadgen import Call, Candidate

API = "/api/v1/exams"


@dataclass
class Context:
    exam_id: int
    attempts: list[int]  # attempt id by candidate index


def seed(n: int) -> tuple[list[Candidate], Context]:
    from exams.models import Attempt
    from exams.seeding import seed_exam

    seeded = seed_exam(candidates=n, sign_in=True, duration_minutes=90)
    layouts = dict(Attempt.objects.filter(candidate__exam=seeded.exam).values_list("pk", "layout"))
    candidates = []
    for i, s in enumerate(seeded.candidates):
        c = Candidate(index=i, headers={"X-Exam-Token": s.token, **address(i)})
        c.info = {"attempt": s.attempt, "access_code": s.access_code}
        c.positions = [int(row["position"]) for row in layouts[s.attempt]]
        candidates.append(c)
    return candidates, Context(seeded.exam.pk, [s.attempt for s in seeded.candidates])


def stored(context: Context) -> dict[tuple[int, int], int]:
    """(candidate index, position) → the stored sequence number."""
    from exams.models import Answer

    index = {attempt: i for i, attempt in enumerate(context.attempts)}
    rows = Answer.objects.filter(attempt_id__in=context.attempts).values_list(
        "attempt_id", "position", "seq"
    )
    return {(index[a], int(p)): int(s) for a, p, s in rows.iterator(chunk_size=5000)}


def submitted(context: Context) -> int:
    from exams.models import Attempt

    return Attempt.objects.filter(pk__in=context.attempts, state=Attempt.State.SUBMITTED).count()


def address(i: int) -> dict[str, str]:
    """Each candidate is its own machine behind the (trusted) proxy: X-Forwarded-For 10.x.y.z.

    Without it every request would come from 127.0.0.1 and share one per-address rate limit.
    """
    return {"X-Forwarded-For": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}


class Delivery:
    def __init__(self, context: Context) -> None:
        self.context = context

    def start(self, c: Candidate) -> Call:
        return Call(
            "POST",
            f"{API}/attempts/{c.info['attempt']}/start",
            {"access_code": c.info["access_code"]},
        )

    def started(self, c: Candidate, body: Any) -> None:
        c.started = body.get("state") == "in_progress"

    def save(self, c: Candidate, answers: list[tuple[int, int, Any]]) -> Call:
        return Call(
            "PUT",
            f"{API}/attempts/{c.info['attempt']}/answers",
            {"answers": [{"position": p, "seq": s, "response": r} for p, s, r in answers]},
        )

    def acks(self, c: Candidate, body: Any) -> list[tuple[int, int]]:
        # saved=false means the server already holds this seq or a newer one: still safe.
        return [(int(a["position"]), int(a["seq"])) for a in body.get("acks", [])]

    def submit(self, c: Candidate) -> Call:
        return Call("POST", f"{API}/attempts/{c.info['attempt']}/submit")

    def submitted(self, c: Candidate, body: Any) -> None:
        c.submitted = body.get("state") == "submitted"

    def response(self, c: Candidate, position: int, rng: random.Random) -> Any:
        return rng.choice("ABCD")
