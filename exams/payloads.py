"""What the player receives: the questions of a version (cached, never keys) and the state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from assessment import api as assessment

from .models import Attempt


def questions(attempt: Attempt) -> list[dict[str, Any]]:
    """The question payloads of the attempt's layout; cached per version (versions are
    immutable: regenerating them gives new ids)."""
    key = f"exams.questions.{attempt.version_id}" if attempt.version_id else ""
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    contents = assessment.item_contents(r["item_version"] for r in attempt.layout)
    data = [assessment.question_payload(contents[r["item_version"]], r) for r in attempt.layout]
    if key:
        cache.set(key, data, 6 * 3600)
    return data


def seconds_left(attempt: Attempt, now: dt.datetime) -> int:
    if attempt.deadline is None:
        return attempt.candidate.session.duration_minutes * 60 + attempt.extra_seconds
    end = attempt.paused_at or now
    return max(0, int((attempt.deadline - end).total_seconds()))


def state_payload(attempt: Attempt, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": attempt.pk,
        "state": attempt.state,
        "paused": attempt.paused_at is not None,
        "locked": attempt.locked,
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "server_now": now.isoformat(),
        "seconds_left": seconds_left(attempt, now),
        "receipt": attempt.receipt or None,
    }


def attempt_payload(attempt: Attempt, now: dt.datetime | None = None) -> dict[str, Any]:
    data = state_payload(attempt, now)
    data["title"] = f"{attempt.candidate.exam.title} — {attempt.candidate.session.name}"
    data["version"] = attempt.version_code
    data["questions"] = questions(attempt) if attempt.state != Attempt.State.READY else []
    data["answers"] = [
        {"position": p, "response": r, "seq": s}
        for p, r, s in attempt.answers.order_by("position").values_list(
            "position", "response", "seq"
        )
    ]
    return data
