"""What the proctor console and the coordinator overview show, computed in a few queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import Answer, Attempt, Candidate, Exam, Room

# No request (state poll every 15 s, or a save) for this long: the browser is gone.
DISCONNECTED_AFTER = dt.timedelta(seconds=45)
# Connected but no answer saved for this long.
IDLE_AFTER = dt.timedelta(minutes=5)


def _seat_state(a: dict[str, Any], last_save: dt.datetime | None, now: dt.datetime) -> str:
    if a["state"] == Attempt.State.READY:
        return "not_started"
    if a["state"] == Attempt.State.SUBMITTED:
        return "submitted"
    if a["locked"]:
        return "locked"
    if a["paused_at"] is not None:
        return "paused"
    seen = max(t for t in (a["last_seen"], last_save, a["started"]) if t is not None)
    if now - seen > DISCONNECTED_AFTER:
        return "disconnected"
    if now - (last_save or a["started"]) > IDLE_AFTER:
        return "idle"
    return "in_progress"


def room_snapshot(room: Room, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    room = Room.objects.get(pk=room.pk)
    rows = list(
        Candidate.objects.filter(room=room)
        .order_by("seat", "number")
        .values(
            "pk",
            "number",
            "full_name",
            "seat",
            "attempt__pk",
            "attempt__state",
            "attempt__locked",
            "attempt__paused_at",
            "attempt__last_seen",
            "attempt__started",
            "attempt__deadline",
            "attempt__extra_seconds",
            "attempt__version_code",
            "attempt__size",
        )
    )
    stats: dict[int, Any] = {
        r["attempt_id"]: r
        for r in Answer.objects.filter(attempt__candidate__room=room)
        .values("attempt_id")
        .annotate(answered=Count("pk", filter=~Q(response=None)), last=Max("saved"))
    }
    seats = []
    for r in rows:
        a: dict[str, Any] = {
            k.removeprefix("attempt__"): v for k, v in r.items() if k.startswith("attempt__")
        }
        s = stats.get(a["pk"], {})
        deadline = a["deadline"]
        left = None
        if deadline is not None and a["state"] == Attempt.State.IN_PROGRESS:
            left = max(0, int((deadline - (a["paused_at"] or now)).total_seconds()))
        seats.append(
            {
                "candidate": r["pk"],
                "number": r["number"],
                "name": r["full_name"],
                "seat": r["seat"],
                "version": a["version_code"],
                "state": _seat_state(a, s.get("last"), now),
                "answered": s.get("answered", 0),
                "questions": a["size"],
                "seconds_left": left,
                "extra_minutes": a["extra_seconds"] // 60,
            }
        )
    return {
        "type": "snapshot",
        "room": {
            "id": room.pk,
            "name": room.name,
            "released": room.released.isoformat() if room.released else None,
            "access_code": room.access_code if room.released else None,
            "paused": room.paused_at is not None,
            "locked": room.locked,
        },
        "seats": seats,
        "incidents": [
            {"at": i.at.isoformat(), "note": i.note, "candidate": i.candidate_id}
            for i in room.incidents.order_by("-at")[:20]
        ],
    }


def exam_overview(exam: Exam) -> dict[str, Any]:
    """Per room: candidates, started, submitted, and answers saved so far."""
    rooms = (
        Room.objects.filter(session__exam=exam)
        .order_by("session__starts", "name")
        .annotate(
            total=Count("candidates", distinct=True),
            started=Count(
                "candidates",
                filter=Q(candidates__attempt__state=Attempt.State.IN_PROGRESS),
                distinct=True,
            ),
            submitted=Count(
                "candidates",
                filter=Q(candidates__attempt__state=Attempt.State.SUBMITTED),
                distinct=True,
            ),
        )
        .values(
            "pk", "name", "session__name", "released", "paused_at", "total", "started", "submitted"
        )
    )
    return {
        "type": "overview",
        "rooms": [
            {
                "id": r["pk"],
                "name": r["name"],
                "session": r["session__name"],
                "released": r["released"] is not None,
                "paused": r["paused_at"] is not None,
                "total": r["total"],
                "in_progress": r["started"],
                "submitted": r["submitted"],
            }
            for r in rooms
        ],
    }
