"""The answer-save fast path (exams/fastpath.py) against the Django endpoint it stands in for.

Every scenario runs twice on fresh attempts, once through Django's test client and once through
the production ASGI application (config.asgi, which puts FastExams in front of Django) over
httpx; status, JSON body and stored rows must be the same. PostgreSQL only: the fast path uses
psycopg's async pool and is off on SQLite (the CI's PostgreSQL leg runs these).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from exams import fastpath, services
from exams.models import Answer, Attempt
from exams.seeding import SeededExam, seed_exam
from tests import aio
from tests.exams.twopaths import API, through_asgi, through_django

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the fast path runs on PostgreSQL only"
    ),
]
Step = tuple[str, Any, dict[str, str]]  # (method, JSON body or raw bytes, extra headers)


@pytest.fixture
def exam(settings: Any) -> SeededExam:
    settings.EXAMS_FAST_ANSWERS = True
    return seed_exam(candidates=4, room_size=4, questions=5, versions=1, code="FP", sign_in=True)


def _one(position: int, seq: int) -> dict[str, Any]:
    return {"answers": [{"position": position, "response": "A", "seq": seq}]}


def _start(seeded: SeededExam, index: int) -> tuple[int, str]:
    c = seeded.candidates[index]
    services.start_attempt(c.attempt, c.token, access_code=c.access_code)
    return c.attempt, c.token


def _django(attempt: int, token: str, steps: list[Step]) -> list[tuple[int, Any]]:
    return through_django(attempt, token, [(m, "answers", b, h) for m, b, h in steps])


def _asgi(attempt: int, token: str, steps: list[Step]) -> list[tuple[int, Any]]:
    return through_asgi(attempt, token, [(m, "answers", b, h) for m, b, h in steps])


def _no_digits(body: dict[str, Any]) -> dict[str, Any]:
    return {k: re.sub(r"\d+", "N", v) for k, v in body.items()}


def _fast_layer(application: Any) -> fastpath.FastExams:
    layer = application.application_mapping["http"]
    assert isinstance(layer, fastpath.FastExams)
    return layer


def _both(exam: SeededExam, steps: list[Step], prepare: Callable[[int], None] | None = None):
    results, stored = [], []
    for index, run in ((0, _django), (1, _asgi)):
        attempt, token = _start(exam, index)
        if prepare:
            prepare(attempt)
        # Retry-After counts down, so the second run may say one second less.
        results.append(
            [(s, _no_digits(b)) if s == 429 else (s, b) for s, b in run(attempt, token, steps)]
        )
        stored.append(
            sorted(Answer.objects.filter(attempt_id=attempt).values_list("position", "seq"))
        )
    assert results[0] == results[1]
    assert stored[0] == stored[1]
    return results[1], stored[1]


def test_production_asgi_puts_the_fast_path_in_front_of_django(exam: SeededExam) -> None:
    from config.asgi import application

    assert fastpath.enabled()
    assert isinstance(_fast_layer(application), fastpath.FastExams)


def test_saves_resends_and_stale_seqs_match_django(exam: SeededExam) -> None:
    one = {"position": 1, "response": "A", "seq": 1}
    steps: list[Step] = [
        ("PUT", {"answers": [one, {"position": 2, "response": ["A", "C"], "seq": 1}]}, {}),
        ("PUT", {"answers": [one]}, {}),  # the same resend: acknowledged, not saved again
        ("PUT", {"answers": [{"position": 1, "response": "B", "seq": 3}]}, {}),
        ("PUT", {"answers": [{"position": 1, "response": "C", "seq": 2}]}, {}),  # older
        ("PUT", {"answers": [{"position": 3, "response": "D", "seq": 1}] * 2}, {}),
    ]
    results, stored = _both(exam, steps)
    assert [status for status, _ in results] == [200] * 5
    assert results[0][1]["acks"] == [
        {"position": 1, "seq": 1, "saved": True},
        {"position": 2, "seq": 1, "saved": True},
    ]
    assert results[1][1]["acks"] == [{"position": 1, "seq": 1, "saved": False}]
    assert results[3][1]["acks"] == [{"position": 1, "seq": 2, "saved": False}]
    assert stored == [(1, 3), (2, 1), (3, 1)]


def test_refusals_match_django(exam: SeededExam) -> None:
    steps: list[Step] = [
        ("PUT", {"answers": [{"position": 6, "response": "A", "seq": 1}]}, {}),
        ("PUT", {"answers": [{"position": 0, "response": "A", "seq": 1}]}, {}),
        ("PUT", {"answers": [{"position": 1, "response": "A"}]}, {}),  # no seq
        ("PUT", b"{not json", {}),
        ("PUT", b"", {}),
        ("PUT", {"answers": "none"}, {}),
        ("PUT", _one(1, 1), {"HTTP_X_EXAM_TOKEN": ""}),
        ("PUT", _one(1, 1), {"HTTP_X_EXAM_TOKEN": "x"}),
    ]
    results, stored = _both(exam, steps)
    assert [(s, b.get("code")) for s, b in results if b.get("code")] == [
        (422, "bad_answer"),
        (422, "bad_answer"),
        (401, "unauthenticated"),
        (409, "taken_over"),
    ]
    assert results[3] == (400, {"detail": results[3][1]["detail"]})
    assert "JSON" in results[3][1]["detail"]
    assert [s for s, _ in results[4:6]] == [422, 422]
    assert stored == []


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda a: Attempt.objects.filter(pk=a).update(paused_at=timezone.now()), 423, "paused"),
        (lambda a: Attempt.objects.filter(pk=a).update(locked=True), 423, "locked"),
        (lambda a: services.submit_attempt(a, by="server"), 410, "submitted"),
        (
            lambda a: Attempt.objects.filter(pk=a).update(
                deadline=timezone.now() - dt.timedelta(seconds=services.GRACE_SECONDS + 5)
            ),
            410,
            "time_over",
        ),
    ],
)
def test_closed_attempts_are_refused_like_django(exam: SeededExam, change, status, code) -> None:
    steps: list[Step] = [("PUT", {"answers": [{"position": 1, "response": "A", "seq": 1}]}, {})]
    results, stored = _both(exam, steps, prepare=change)
    assert results[0][0] == status
    assert results[0][1]["code"] == code
    assert stored == []


def test_messages_follow_the_language_switch(exam: SeededExam) -> None:
    steps: list[Step] = [
        ("PUT", _one(9, 1), {}),
        ("PUT", _one(9, 1), {"HTTP_COOKIE": "django_language=en"}),
    ]
    results, _stored = _both(exam, steps)
    assert results[0][1]["detail"] == "Câu 9 không có trong bài."
    assert results[1][1]["detail"] == "Question 9 is not in this test."


def test_the_answer_rate_limit_is_shared_and_enforced(exam: SeededExam, settings: Any) -> None:
    # An hour's window: the three requests cannot straddle a window boundary in practice.
    answers = r"^/api/v1/exams/attempts/\d+/answers$"
    settings.RATE_LIMITS = [("answers", "PUT", answers, "path", 2, 3600)]
    steps: list[Step] = [("PUT", _one(1, n), {}) for n in (1, 2, 3)]
    results, stored = _both(exam, steps)
    assert [s for s, _ in results] == [200, 200, 429]
    assert stored == [(1, 2)]


def test_a_host_outside_allowed_hosts_is_refused(exam: SeededExam, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["thi.example.vn"]
    from config.asgi import application

    attempt, token = _start(exam, 0)

    async def go() -> int:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as c:
            r = await c.put(
                f"{API}/{attempt}/answers", json=_one(1, 1), headers={"X-Exam-Token": token}
            )
        await _fast_layer(application).aclose()
        return r.status_code

    assert aio.run(go()) == 400
    assert not Answer.objects.filter(attempt_id=attempt).exists()


def test_other_requests_still_reach_django(exam: SeededExam) -> None:
    from config.asgi import application

    attempt, token = _start(exam, 0)

    async def go() -> int:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            r = await client.get(f"{API}/{attempt}/state", headers={"X-Exam-Token": token})
        return r.status_code

    assert aio.run(go()) == 200


def test_saves_arriving_together_are_written_together_each_with_its_own_answer(
    exam: SeededExam,
) -> None:
    """Concurrent saves share transactions (core.batching); a refused one is answered alone, in
    its own language, and the others are still written; a candidate's two saves both count."""
    from config.asgi import application

    started = [_start(exam, i) for i in range(4)]
    (a0, t0), (a1, _t1), (a2, t2), (a3, t3) = started
    layer = _fast_layer(application)
    sizes: list[int] = []
    write_together = layer._write_together

    async def counted(saves: list[Any]) -> dict[int, Exception]:
        sizes.append(len(saves))
        return await write_together(saves)

    requests = [
        (a0, t0, _one(1, 1), {}),
        (a1, "x", _one(1, 1), {}),  # another device's token
        (a2, t2, _one(1, 1), {}),
        (a2, t2, {"answers": [{"position": 1, "response": "B", "seq": 2}]}, {}),
        (a3, t3, _one(9, 1), {"cookie": "django_language=en"}),
        (a0, t0, _one(9, 1), {}),
        (a3, t3, _one(2, 1), {}),
    ]

    async def go() -> list[tuple[int, Any]]:
        transport = httpx.ASGITransport(app=application)
        layer._write_together = counted
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                responses = await asyncio.gather(
                    *(
                        c.put(
                            f"{API}/{attempt}/answers",
                            json=body,
                            headers={"X-Exam-Token": token, **headers},
                        )
                        for attempt, token, body, headers in requests
                    )
                )
        finally:
            del layer._write_together
            await layer.aclose()
        return [(r.status_code, r.json()) for r in responses]

    results = aio.run(go())
    assert [s for s, _b in results] == [200, 409, 200, 200, 422, 422, 200]
    assert results[0][1] == {"acks": [{"position": 1, "seq": 1, "saved": True}]}
    assert results[1][1]["code"] == "taken_over"
    assert results[3][1] == {"acks": [{"position": 1, "seq": 2, "saved": True}]}
    assert results[4][1]["detail"] == "Question 9 is not in this test."
    assert results[5][1]["detail"] == "Câu 9 không có trong bài."
    assert max(sizes) > 1  # some went together
    stored = {
        a: sorted(Answer.objects.filter(attempt_id=a).values_list("position", "seq", "response"))
        for a, _t in started
    }
    assert stored == {a0: [(1, 1, "A")], a1: [], a2: [(1, 2, "B")], a3: [(2, 1, "A")]}
