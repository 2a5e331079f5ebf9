"""The proctor console over websockets (channels' communicator, real in-memory channel layer)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from config.routing import websocket_urlpatterns
from core.models import AuditEvent, Role
from exams import consumers, services
from exams.models import Attempt, Candidate, Incident, Room
from exams.seeding import seed_exam
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _world() -> dict[str, Any]:
    seeded = seed_exam(
        candidates=4, room_size=2, questions=3, versions=2, code="GK1", release=False
    )
    rooms = list(Room.objects.order_by("name"))
    proctor_a = factories.UserFactory.create()
    proctor_b = factories.UserFactory.create()
    rooms[0].proctors.add(proctor_a)
    rooms[1].proctors.add(proctor_b)
    return {"seeded": seeded, "a": rooms[0], "b": rooms[1], "pa": proctor_a, "pb": proctor_b}


async def _connect(user: Any, path: str) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    connected, _code = await communicator.connect()
    return communicator, connected


async def _until(communicator: WebsocketCommunicator, **match: Any) -> dict[str, Any]:
    for _i in range(60):
        message = await communicator.receive_json_from(timeout=5)
        if all(message.get(k) == v for k, v in match.items()):
            return message
    raise AssertionError(f"no message matching {match}")


@pytest.fixture(autouse=True)
def _slow_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 600.0)


async def _proctor_sees_only_own_room() -> None:
    w = await sync_to_async(_world)()
    console, ok = await _connect(w["pa"], f"/ws/exams/rooms/{w['a'].pk}/")
    assert ok
    snapshot = await console.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert len(snapshot["seats"]) == 2
    assert {s["state"] for s in snapshot["seats"]} == {"not_started"}
    await console.disconnect()
    _other, ok = await _connect(w["pa"], f"/ws/exams/rooms/{w['b'].pk}/")
    assert not ok


async def _actions_are_pushed_live_and_audited() -> None:
    w = await sync_to_async(_world)()
    room = w["a"]
    console, _ok = await _connect(w["pa"], f"/ws/exams/rooms/{room.pk}/")
    await console.receive_json_from()
    # A second console on the same room sees what the first one does.
    watcher, _ok = await _connect(w["pa"], f"/ws/exams/rooms/{room.pk}/")
    await watcher.receive_json_from()

    await console.send_json_to({"action": "start_room"})
    done = await _until(console, type="done")
    code = done["access_code"]
    pushed = await _until(watcher, type="snapshot", event="room.release")
    assert pushed["room"]["access_code"] == code

    candidate = await sync_to_async(
        lambda: Candidate.objects.filter(room=room).order_by("seat").first()
    )()
    number = candidate.number
    seeded = w["seeded"]
    password = next(c.password for c in seeded.candidates if c.number == number)

    def start() -> tuple[int, str]:
        s = services.sign_in_candidate("GK1", number, password)
        services.start_attempt(s.attempt_id, s.token, access_code=code)
        services.save_answers(s.attempt_id, s.token, [{"position": 1, "response": "A", "seq": 1}])
        return s.attempt_id, s.token

    attempt_id, _token = await sync_to_async(start)()
    seen = await _until(watcher, type="snapshot", event="start")
    seat = next(s for s in seen["seats"] if s["candidate"] == candidate.pk)
    assert seat["state"] == "in_progress"

    await console.send_json_to({"action": "pause", "candidate": candidate.pk})
    paused = await _until(watcher, type="snapshot", event="attempt.pause")
    assert next(s for s in paused["seats"] if s["candidate"] == candidate.pk)["state"] == "paused"
    await console.send_json_to({"action": "resume", "candidate": candidate.pk})
    await _until(watcher, type="snapshot", event="attempt.resume")
    await console.send_json_to({"action": "extend", "candidate": candidate.pk, "minutes": 10})
    extended = await _until(watcher, type="snapshot", event="attempt.extend")
    seat = next(s for s in extended["seats"] if s["candidate"] == candidate.pk)
    assert seat["extra_minutes"] == 10
    assert seat["answered"] == 1
    assert seat["seconds_left"] > 3600
    await console.send_json_to({"action": "lock", "candidate": candidate.pk})
    locked = await _until(watcher, type="snapshot", event="attempt.lock")
    assert next(s for s in locked["seats"] if s["candidate"] == candidate.pk)["state"] == "locked"
    await console.send_json_to(
        {"action": "incident", "candidate": candidate.pk, "note": "Thí sinh dùng điện thoại"}
    )
    noted = await _until(watcher, type="snapshot", event="incident.record")
    assert noted["incidents"][0]["note"] == "Thí sinh dùng điện thoại"
    await console.send_json_to({"action": "force_submit", "candidate": candidate.pk})
    submitted = await _until(watcher, type="snapshot", event="submit")
    assert next(s for s in submitted["seats"] if s["candidate"] == candidate.pk)["state"] == (
        "submitted"
    )
    # A candidate of another room is refused, and bad input gets a clear error.
    other = await sync_to_async(lambda: Candidate.objects.filter(room=w["b"]).first())()
    await console.send_json_to({"action": "pause", "candidate": other.pk})
    assert (await _until(console, type="error"))["action"] == "pause"
    await console.send_json_to({"action": "incident", "note": "  "})
    error = await _until(console, type="error")
    assert "nội dung" in error["detail"]
    await console.disconnect()
    await watcher.disconnect()

    def check() -> None:
        a = Attempt.objects.get(pk=attempt_id)
        assert a.state == "submitted"
        assert a.submitted_by == "proctor"
        assert Incident.objects.filter(room=room).count() == 1
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {
            "exams.room.release",
            "exams.attempt.pause",
            "exams.attempt.resume",
            "exams.attempt.extend",
            "exams.attempt.lock",
            "exams.incident.record",
            "exams.attempt.force_submit",
        } <= actions
        assert AuditEvent.objects.filter(action="exams.attempt.pause", actor=w["pa"]).exists()

    await sync_to_async(check)()


async def _coordinator_overview_and_other_school_is_refused() -> None:
    w = await sync_to_async(_world)()

    def people() -> tuple[Any, Any, Any]:
        school = Room.objects.first().session.exam.organisation
        coordinator = factories.UserFactory.create()
        factories.MembershipFactory.create(
            user=coordinator, organisation=school, role=Role.EXAM_COORDINATOR
        )
        other_school = factories.SchoolFactory.create()
        stranger = factories.UserFactory.create()
        factories.MembershipFactory.create(
            user=stranger, organisation=other_school, role=Role.EXAM_COORDINATOR
        )
        return coordinator, stranger, school

    coordinator, stranger, _school = await sync_to_async(people)()
    exam_id = await sync_to_async(lambda: Room.objects.first().session.exam_id)()
    overview, ok = await _connect(coordinator, f"/ws/exams/{exam_id}/")
    assert ok
    data = await overview.receive_json_from()
    assert data["type"] == "overview"
    assert [r["total"] for r in data["rooms"]] == [2, 2]
    await sync_to_async(services.release_room)(w["pa"], w["a"])
    pushed = await _until(overview, type="overview", event="room.release")
    assert pushed["rooms"][0]["released"] is True
    await overview.disconnect()
    _refused, ok = await _connect(stranger, f"/ws/exams/{exam_id}/")
    assert not ok
    # The coordinator also reaches every room console of the exam.
    room_console, ok = await _connect(coordinator, f"/ws/exams/rooms/{w['b'].pk}/")
    assert ok
    await room_console.disconnect()


def test_proctor_sees_only_own_room() -> None:
    async_to_sync(_proctor_sees_only_own_room)()


def test_actions_are_pushed_live_and_audited() -> None:
    async_to_sync(_actions_are_pushed_live_and_audited)()


def test_coordinator_overview_and_other_school_is_refused() -> None:
    async_to_sync(_coordinator_overview_and_other_school_is_refused)()
