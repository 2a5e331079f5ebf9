"""Start and submit on the event loop (exams/fastpath.py) against the Django endpoints.

As tests/exams/test_fastpath.py: every scenario runs on two fresh attempts of the same room, one
through Django's test client, one through the production ASGI application over httpx; statuses,
JSON bodies (times compared as durations), the attempts' stored state and their audit rows must
be the same. PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from celery.exceptions import Retry
from channels.layers import get_channel_layer
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from exams import fastpath, services
from exams.live import room_group
from exams.models import Answer, Attempt, Candidate, Room, Session
from exams.seeding import SeededCandidate, SeededExam, seed_exam
from tests import aio
from tests.exams.twopaths import API, Step, through_asgi, through_django

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the fast path runs on PostgreSQL only"
    ),
]
# (method, route, JSON body or raw bytes or None, extra headers as META names)


@pytest.fixture
def exam(settings: Any) -> SeededExam:
    settings.EXAMS_FAST_ANSWERS = True
    return seed_exam(candidates=4, room_size=4, questions=5, versions=1, code="FD", sign_in=True)


def _comparable(body: Any) -> Any:
    """Clock readings differ between the two runs: keep what they mean."""
    if not isinstance(body, dict) or "server_now" not in body:
        return body
    out = {k: v for k, v in body.items() if k not in {"id", "seconds_left"}}
    out["server_now"] = "…"
    out["deadline"] = body["deadline"] is not None
    out["minutes_left"] = round(body["seconds_left"] / 60)
    out["receipt"] = body["receipt"] is not None
    return out


def _stored(attempt: int) -> dict[str, Any]:
    a = Attempt.objects.get(pk=attempt)
    audit = []
    for row in (
        AuditEvent.objects.filter(object_type="exams.attempt", object_id=str(attempt))
        .exclude(action="exams.attempt.sign_in")
        .order_by("id")
        .values("action", "actor_label", "after", "ip", "object_repr")
    ):
        after = row["after"] or {}
        audit.append(
            {
                "action": row["action"],
                "actor_label": row["actor_label"],
                "ip": row["ip"],
                "object_repr": bool(row["object_repr"]),
                "after": sorted(after),
                "by": after.get("by"),
                "audit_ip": after.get("ip"),
            }
        )
    receipt_ok = (
        a.receipt == services.receipts.digest(services.receipt_document(a)) if a.receipt else None
    )
    return {
        "state": a.state,
        "locked": a.locked,
        "code_failures": a.code_failures,
        "started": a.started is not None,
        "time": (
            round((a.deadline - a.started).total_seconds() / 60)
            if a.deadline and a.started
            else None
        ),
        "paused": a.paused_at is not None,
        "submitted_by": a.submitted_by,
        "submitted_at_deadline": a.submitted == a.deadline if a.submitted else None,
        "receipt_ok": receipt_ok,
        "score": a.score,
        "audit": audit,
    }


def _both(
    exam: SeededExam,
    steps: list[Step],
    prepare: Callable[[SeededCandidate], None] | None = None,
) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    results, stored = [], []
    for index, run in ((0, through_django), (1, through_asgi)):
        c = exam.candidates[index]
        if prepare:
            prepare(c)
        filled = [
            (m, r, {**b, "access_code": c.access_code} if b == {"access_code": "OK"} else b, h)
            for m, r, b, h in steps
        ]
        results.append([(s, _comparable(b)) for s, b in run(c.attempt, c.token, filled)])
        stored.append(_stored(c.attempt))
    assert results[0] == results[1]
    assert stored[0] == stored[1]
    return results[1], stored[1]


START: Step = ("POST", "start", {"access_code": "OK"}, {})
SUBMIT: Step = ("POST", "submit", None, {})


def _room(attempt: int) -> Any:
    return Room.objects.filter(candidates__attempt=attempt)


def _started(c: SeededCandidate) -> None:
    services.start_attempt(c.attempt, c.token, access_code=c.access_code)


def test_start_and_start_again_match_django(exam: SeededExam) -> None:
    wrong_after_start: Step = ("POST", "start", {"access_code": "000000x"}, {})
    results, stored = _both(exam, [START, START, wrong_after_start])
    assert [s for s, _b in results] == [200, 200, 200]
    assert results[0][1]["state"] == "in_progress"
    assert results[0][1]["minutes_left"] == 60
    assert stored["audit"][0]["action"] == "exams.attempt.start"
    assert [a["action"] for a in stored["audit"]] == ["exams.attempt.start"]
    assert stored["audit"][0]["after"] == ["deadline", "ip"]


async def _not_django(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 599, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _fast_only(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The production application with Django cut off: only the fast path can answer."""
    from config.asgi import application

    monkeypatch.setattr(application.application_mapping["http"], "app", _not_django)
    return application


def test_a_repeated_start_returns_the_same_deadline(
    exam: SeededExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = exam.candidates[1]
    steps = [(m, r, {"access_code": c.access_code}, h) for m, r, _b, h in (START, START)]
    application = _fast_only(monkeypatch)

    async def go() -> list[str]:
        transport = httpx.ASGITransport(app=application)
        out = []
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for _m, route, body, _h in steps:
                r = await client.post(
                    f"{API}/{c.attempt}/{route}", json=body, headers={"X-Exam-Token": c.token}
                )
                out.append(r.json()["deadline"])
        await application.application_mapping["http"].aclose()
        return out

    first, second = aio.run(go())
    assert first == second == Attempt.objects.get(pk=c.attempt).deadline.isoformat()


def test_wrong_codes_are_counted_then_refused_like_django(exam: SeededExam) -> None:
    wrong: Step = ("POST", "start", {"access_code": "nope"}, {})
    accented: Step = ("POST", "start", {"access_code": "mã đề"}, {})
    steps = [accented] + [wrong] * (services.MAX_CODE_FAILURES - 1) + [START]
    results, stored = _both(exam, steps)
    assert [b["code"] for _s, b in results] == ["bad_code"] * 5 + ["too_many_codes"]
    assert [s for s, _b in results] == [403] * 5 + [423]
    assert results[0][1]["detail"] == "Mã vào phòng không đúng."
    assert stored["code_failures"] == 5
    assert stored["state"] == "ready"
    assert stored["audit"] == []


@pytest.mark.parametrize(
    ("prepare", "status", "code"),
    [
        (lambda c: _room(c.attempt).update(released=None), 403, "not_released"),
        (lambda c: _room(c.attempt).update(locked=True), 423, "locked"),
        (lambda c: Attempt.objects.filter(pk=c.attempt).update(locked=True), 423, "locked"),
        (lambda c: _room(c.attempt).update(ip_subnets="10.9.0.0/16"), 403, "ip_denied"),
        (lambda c: _room(c.attempt).update(seb_config_key="ab" * 32), 403, "seb_required"),
        (
            lambda c: Session.objects.filter(candidates__attempt=c.attempt).update(
                ends=timezone.now() - dt.timedelta(minutes=1)
            ),
            403,
            "session_over",
        ),
        (lambda c: Candidate.objects.filter(attempt=c.attempt).update(room=None), 403, "no_room"),
    ],
)
def test_start_refusals_match_django(exam: SeededExam, prepare, status, code) -> None:
    results, stored = _both(exam, [START], prepare)
    assert results[0][0] == status
    assert results[0][1]["code"] == code
    assert stored["state"] == "ready"
    assert stored["audit"] == []


def test_start_from_an_allowed_network_behind_the_proxy(exam: SeededExam, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    behind: Step = ("POST", "start", {"access_code": "OK"}, {"HTTP_X_FORWARDED_FOR": "10.9.1.2"})
    results, stored = _both(
        exam, [behind], lambda c: _room(c.attempt).update(ip_subnets="10.9.0.0/16")
    )
    assert results[0][0] == 200
    assert stored["audit"][0]["audit_ip"] == "10.9.1.2"
    assert stored["audit"][0]["ip"] == "10.9.1.2"


def test_tokens_and_unknown_attempts_are_refused_like_django(exam: SeededExam) -> None:
    steps: list[Step] = [
        ("POST", "start", {"access_code": "OK"}, {"HTTP_X_EXAM_TOKEN": ""}),
        ("POST", "start", {"access_code": "OK"}, {"HTTP_X_EXAM_TOKEN": "taken-over"}),
        ("POST", "submit", None, {"HTTP_X_EXAM_TOKEN": ""}),
        ("POST", "submit", None, {"HTTP_X_EXAM_TOKEN": "taken-over"}),
        ("POST", "start", b"{not json", {}),
        ("POST", "start", b"", {}),
        ("POST", "start", {"code": 1}, {}),
    ]
    results, stored = _both(exam, steps)
    assert [(s, b.get("code")) for s, b in results[:4]] == [
        (401, "unauthenticated"),
        (409, "taken_over"),
        (401, "unauthenticated"),
        (409, "taken_over"),
    ]
    assert [s for s, _b in results[4:]] == [400, 422, 422]
    assert stored["state"] == "ready"
    missing: list[Step] = [
        ("POST", "start", {"access_code": "1"}, {}),
        ("POST", "submit", None, {}),
        ("PUT", "answers", {"answers": [{"position": 1, "response": "A", "seq": 1}]}, {}),
    ]
    assert (
        through_django(999999, "x", missing)
        == through_asgi(999999, "x", missing)
        == [(404, {"detail": "Không tìm thấy.", "code": "not_found"})] * 3
    )


def test_start_in_a_paused_room_and_with_extra_time(exam: SeededExam) -> None:
    def prepare(c: SeededCandidate) -> None:
        _room(c.attempt).update(paused_at=timezone.now())
        Attempt.objects.filter(pk=c.attempt).update(extra_seconds=600)

    results, stored = _both(exam, [START], prepare)
    assert results[0][1]["paused"] is True
    assert results[0][1]["minutes_left"] == 70
    assert stored["paused"]
    assert stored["time"] == 70


def test_start_of_an_expired_attempt_submits_it_like_django(exam: SeededExam) -> None:
    def prepare(c: SeededCandidate) -> None:
        _started(c)
        past = timezone.now() - dt.timedelta(seconds=services.GRACE_SECONDS + 60)
        Attempt.objects.filter(pk=c.attempt).update(deadline=past)

    results, stored = _both(exam, [START], prepare)
    assert results[0][0] == 200
    assert results[0][1]["state"] == "submitted"
    assert stored["submitted_by"] == "server"
    assert stored["submitted_at_deadline"] is True
    assert [a["action"] for a in stored["audit"]] == ["exams.attempt.start", "exams.attempt.submit"]


def _answer(position: int, response: Any) -> Step:
    body = {"answers": [{"position": position, "response": response, "seq": 1}]}
    return ("PUT", "answers", body, {})


def test_submit_and_submit_again_match_django(exam: SeededExam) -> None:
    steps = [START, _answer(1, "A"), _answer(2, ["B", "C"]), SUBMIT, SUBMIT, _answer(3, "D")]
    results, stored = _both(exam, steps)
    assert [s for s, _b in results] == [200, 200, 200, 200, 200, 410]
    assert results[3][1]["state"] == "submitted"
    assert results[3][1]["receipt"]
    assert stored["receipt_ok"] is True
    assert stored["submitted_by"] == "candidate"
    assert stored["score"] is not None  # graded after commit (Celery eager in tests)
    submits = [a for a in stored["audit"] if a["action"] == "exams.attempt.submit"]
    assert len(submits) == 1
    assert submits[0]["by"] == "candidate"


def test_a_repeated_submit_returns_the_same_receipt(
    exam: SeededExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = exam.candidates[1]
    _started(c)
    Answer.objects.create(attempt_id=c.attempt, position=1, response="B", seq=1)
    application = _fast_only(monkeypatch)

    async def go() -> list[str]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            out = [
                (
                    await client.post(
                        f"{API}/{c.attempt}/submit", headers={"X-Exam-Token": c.token}
                    )
                ).json()["receipt"]
                for _ in range(2)
            ]
        await application.application_mapping["http"].aclose()
        return out

    first, second = aio.run(go())
    attempt = Attempt.objects.get(pk=c.attempt)
    assert first == second == attempt.receipt
    assert attempt.receipt == services.receipts.digest(services.receipt_document(attempt))


def _started_then(**changes: Any) -> Callable[[SeededCandidate], None]:
    def prepare(c: SeededCandidate) -> None:
        _started(c)
        Attempt.objects.filter(pk=c.attempt).update(**changes)

    return prepare


@pytest.mark.parametrize(
    ("prepare", "status", "code"),
    [
        (None, 409, "not_started"),
        (_started_then(deadline=timezone.now() - dt.timedelta(seconds=3)), 200, None),
        (_started_then(paused_at=timezone.now()), 200, None),
        (_started_then(locked=True), 200, None),
    ],
    ids=["not-started", "after-deadline", "paused", "locked"],
)
def test_submit_cases_match_django(exam: SeededExam, prepare, status, code) -> None:
    results, stored = _both(exam, [SUBMIT], prepare)
    assert results[0][0] == status
    assert results[0][1].get("code") == code
    if status == 200:
        assert stored["state"] == "submitted"
        assert not stored["paused"]


def test_start_and_submit_tell_the_proctor_console(exam: SeededExam) -> None:
    c = exam.candidates[1]
    room = _room(c.attempt).get()
    from config.asgi import application

    async def go() -> list[str]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(room_group(room.pk), channel)
        transport = httpx.ASGITransport(app=application)
        headers = {"X-Exam-Token": c.token}
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            body = {"access_code": c.access_code}
            assert (
                await client.post(f"{API}/{c.attempt}/start", json=body, headers=headers)
            ).is_success
            assert (await client.post(f"{API}/{c.attempt}/submit", headers=headers)).is_success
        events = [(await asyncio.wait_for(layer.receive(channel), 5))["event"] for _ in range(2)]
        await layer.group_discard(room_group(room.pk), channel)
        await application.application_mapping["http"].aclose()
        return events

    assert aio.run(go()) == ["start", "submit"]


def test_a_start_that_loses_the_race_writes_nothing(
    exam: SeededExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another start commits between the fast path's read and its UPDATE: the attempt keeps the
    winner's deadline, and no second start is audited or pushed."""
    import psycopg

    from core.api import asyncdb

    c = exam.candidates[1]
    decide = services.plan_start

    def racing(row: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        plan = decide(row, *args, **kwargs)
        with psycopg.connect(asyncdb.conninfo(), autocommit=True) as other:
            other.execute(
                "UPDATE exams_attempt SET state = 'in_progress', started = now(), "
                "deadline = now() + interval '7 minutes' WHERE id = %s",
                [c.attempt],
            )
        return plan

    monkeypatch.setattr(services, "plan_start", racing)
    application = _fast_only(monkeypatch)

    async def go() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            r = await client.post(
                f"{API}/{c.attempt}/start",
                json={"access_code": c.access_code},
                headers={"X-Exam-Token": c.token},
            )
        await application.application_mapping["http"].aclose()
        assert r.status_code == 200
        return r.json()

    body = aio.run(go())
    assert body["state"] == "in_progress"
    assert 6 * 60 <= body["seconds_left"] <= 7 * 60
    assert not AuditEvent.objects.filter(
        object_id=str(c.attempt), action="exams.attempt.start"
    ).exists()


def test_submissions_arriving_together_are_graded_from_few_messages(exam: SeededExam) -> None:
    """The grading of a submit burst is queued in few broker messages (exams.tasks.grade_attempts),
    and every submitted attempt is graded."""
    from config.asgi import application

    attempts = []
    for c in exam.candidates:
        services.start_attempt(c.attempt, c.token, access_code=c.access_code)
        services.save_answers(c.attempt, c.token, [{"position": 1, "response": "A", "seq": 1}])
        attempts.append((c.attempt, c.token))
    messages: list[list[int]] = []
    send = fastpath._grades.handle

    async def counted(ids: list[int]) -> Any:
        messages.append(list(ids))
        return await send(ids)

    async def go() -> list[int]:
        fastpath._grades.handle = counted
        try:
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                responses = await asyncio.gather(
                    *(c.post(f"{API}/{a}/submit", headers={"X-Exam-Token": t}) for a, t in attempts)
                )
        finally:
            fastpath._grades.handle = send
            await application.application_mapping["http"].aclose()
        return [r.status_code for r in responses]

    assert aio.run(go()) == [200] * len(attempts)
    assert sorted(i for m in messages for i in m) == sorted(a for a, _t in attempts)
    assert len(messages) < len(attempts)
    assert not Attempt.objects.filter(pk__in=[a for a, _t in attempts], score=None).exists()


def test_grading_a_batch_retries_only_what_a_lost_connection_stopped(
    exam: SeededExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from exams import tasks

    ids = []
    for c in exam.candidates[:3]:
        services.start_attempt(c.attempt, c.token, access_code=c.access_code)
        services.submit_attempt(c.attempt, by="server")
        ids.append(c.attempt)
    Attempt.objects.filter(pk__in=ids).update(score=None)
    real, broken = services.grade_attempt, ids[1]

    def grade(attempt_id: int) -> Any:
        if attempt_id == broken:  # the database connection dropped during this one
            raise OperationalError("server closed the connection unexpectedly")
        return real(attempt_id)

    monkeypatch.setattr(services, "grade_attempt", grade)
    with pytest.raises(Retry) as retry:  # eager tasks propagate (test settings)
        tasks.grade_attempts.apply(args=[ids])
    assert retry.value.sig.args == ([broken],)
    graded = dict(Attempt.objects.filter(pk__in=ids).values_list("pk", "score"))
    assert graded[ids[0]] is not None
    assert graded[ids[2]] is not None
    assert graded[broken] is None
