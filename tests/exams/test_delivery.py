"""The candidate's path over HTTP: sign in, enter with the code, save with seq, submit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import Answer, Attempt
from exams.seeding import SeededExam

API = "/api/v1/exams"


def _signed_in(seeded: SeededExam, index: int = 0) -> tuple[Client, int, dict[str, str]]:
    c = seeded.candidates[index]
    client = Client()
    r = client.post(
        f"{API}/sign-in",
        {"exam": "GK1", "number": c.number, "password": c.password},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["attempt"] == c.attempt
    return client, c.attempt, {"HTTP_X_EXAM_TOKEN": body["token"]}


def _start(client: Client, attempt: int, headers: dict[str, str], code: str) -> dict:
    r = client.post(
        f"{API}/attempts/{attempt}/start",
        {"access_code": code},
        content_type="application/json",
        **headers,
    )
    return {"status": r.status_code, **r.json()}


def _save(client: Client, attempt: int, headers: dict[str, str], answers: list[dict]) -> dict:
    r = client.put(
        f"{API}/attempts/{attempt}/answers",
        {"answers": answers},
        content_type="application/json",
        **headers,
    )
    return {"status": r.status_code, **r.json()}


def test_sign_in_rejects_a_wrong_password(seeded: SeededExam) -> None:
    c = seeded.candidates[0]
    r = Client().post(
        f"{API}/sign-in",
        {"exam": "GK1", "number": c.number, "password": "WRONG"},
        content_type="application/json",
    )
    assert r.status_code == 401
    assert r.json()["code"] == "bad_credentials"


def test_full_path_and_receipt(seeded: SeededExam) -> None:
    client, attempt, headers = _signed_in(seeded)
    code = seeded.candidates[0].access_code
    started = _start(client, attempt, headers, code)
    assert started["status"] == 200
    assert started["state"] == "in_progress"
    assert 3590 <= started["seconds_left"] <= 3600
    data = client.get(f"{API}/attempts/{attempt}", **headers).json()
    assert len(data["questions"]) == 5
    assert "key" not in json.dumps(data["questions"])
    acks = _save(
        client,
        attempt,
        headers,
        [{"position": 1, "response": "A", "seq": 1}, {"position": 2, "response": "C", "seq": 1}],
    )
    assert acks["acks"] == [
        {"position": 1, "seq": 1, "saved": True},
        {"position": 2, "seq": 1, "saved": True},
    ]
    r = client.post(f"{API}/attempts/{attempt}/submit", **headers)
    assert r.status_code == 200
    receipt = r.json()["receipt"]
    doc = client.get(f"{API}/attempts/{attempt}/receipt", **headers).json()
    assert doc["receipt"] == receipt
    assert hashlib.sha256(doc["canonical"].encode()).hexdigest() == receipt
    assert json.loads(doc["canonical"])["answers"] == [
        {"position": 1, "response": "A"},
        {"position": 2, "response": "C"},
    ]
    # Submitting again changes nothing; saving after submission is refused.
    assert client.post(f"{API}/attempts/{attempt}/submit", **headers).json()["receipt"] == receipt
    late = _save(client, attempt, headers, [{"position": 1, "response": "B", "seq": 2}])
    assert late["status"] == 410
    assert late["code"] == "submitted"


def test_older_seq_never_overwrites_and_resend_is_idempotent(seeded: SeededExam) -> None:
    client, attempt, headers = _signed_in(seeded)
    _start(client, attempt, headers, seeded.candidates[0].access_code)
    _save(client, attempt, headers, [{"position": 3, "response": "B", "seq": 5}])
    stale = _save(client, attempt, headers, [{"position": 3, "response": "A", "seq": 4}])
    assert stale["acks"] == [{"position": 3, "seq": 4, "saved": False}]
    again = _save(client, attempt, headers, [{"position": 3, "response": "B", "seq": 5}])
    assert again["acks"] == [{"position": 3, "seq": 5, "saved": False}]
    # Within one batch the highest seq of a position wins.
    _save(
        client,
        attempt,
        headers,
        [{"position": 4, "response": "D", "seq": 2}, {"position": 4, "response": "C", "seq": 1}],
    )
    stored = dict(Answer.objects.filter(attempt_id=attempt).values_list("position", "response"))
    assert stored == {3: "B", 4: "D"}
    assert Answer.objects.get(attempt_id=attempt, position=3).seq == 5


def test_positions_outside_the_paper_are_refused(seeded: SeededExam) -> None:
    client, attempt, headers = _signed_in(seeded)
    _start(client, attempt, headers, seeded.candidates[0].access_code)
    bad = _save(client, attempt, headers, [{"position": 6, "response": "A", "seq": 1}])
    assert bad["status"] == 422
    assert not Answer.objects.filter(attempt_id=attempt).exists()


def test_save_hot_path_is_a_few_queries(seeded: SeededExam, django_assert_max_num_queries) -> None:
    client, attempt, headers = _signed_in(seeded)
    _start(client, attempt, headers, seeded.candidates[0].access_code)
    answers = [{"position": p, "response": "A", "seq": 1} for p in range(1, 6)]
    # Two statements (read the attempt row locked, one upsert) plus the SAVEPOINT/RELEASE pair
    # the test's own transaction turns BEGIN/COMMIT into.
    with django_assert_max_num_queries(4):
        assert _save(client, attempt, headers, answers)["status"] == 200


def test_start_is_cheap(seeded: SeededExam, django_assert_max_num_queries) -> None:
    client, attempt, headers = _signed_in(seeded)
    with django_assert_max_num_queries(5):
        assert _start(client, attempt, headers, seeded.candidates[0].access_code)["status"] == 200


def test_state_submits_when_time_ran_out(seeded: SeededExam) -> None:
    client, attempt, headers = _signed_in(seeded)
    _start(client, attempt, headers, seeded.candidates[0].access_code)
    past = timezone.now() - dt.timedelta(minutes=1)
    Attempt.objects.filter(pk=attempt).update(deadline=past)
    r = client.get(f"{API}/attempts/{attempt}/state", **headers)
    assert r.json()["state"] == "submitted"
    a = Attempt.objects.get(pk=attempt)
    assert a.submitted_by == "server"
    assert a.submitted == past


def test_beat_task_submits_expired_attempts_without_a_browser(
    seeded: SeededExam, django_capture_on_commit_callbacks
) -> None:
    from exams.tasks import submit_expired

    client, attempt, headers = _signed_in(seeded)
    _start(client, attempt, headers, seeded.candidates[0].access_code)
    _save(client, attempt, headers, [{"position": 1, "response": "B", "seq": 1}])
    now = timezone.now()
    # Within the grace period nothing is submitted yet.
    Attempt.objects.filter(pk=attempt).update(deadline=now - dt.timedelta(seconds=3))
    assert submit_expired.delay().get() == 0
    Attempt.objects.filter(pk=attempt).update(
        deadline=now - dt.timedelta(seconds=services.GRACE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert submit_expired.delay().get() == 1
    a = Attempt.objects.get(pk=attempt)
    assert a.state == "submitted"
    assert a.submitted_by == "server"
    assert len(a.receipt) == 64
    assert a.score is not None  # graded after commit (eager Celery in tests)
    assert submit_expired.delay().get() == 0  # idempotent


@pytest.mark.parametrize("header", ["", "nonsense"])
def test_without_a_valid_token_nothing_is_served(seeded: SeededExam, header: str) -> None:
    attempt = seeded.candidates[0].attempt
    _signed_in(seeded)
    r = Client().get(f"{API}/attempts/{attempt}", HTTP_X_EXAM_TOKEN=header)
    assert r.status_code in (401, 409)
