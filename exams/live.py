"""Pushes to the proctor consoles: one Channels group per room, one per exam (coordinators)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def room_group(room_id: int) -> str:
    return f"exams.room.{room_id}"


def exam_group(exam_id: int) -> str:
    return f"exams.exam.{exam_id}"


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "room.changed", **event})


def push_room(room_id: int | None, exam_id: int | None = None, **event: Any) -> None:
    """After commit, tell the room's consoles (and the exam overview) that something changed."""
    if room_id is None:
        return

    def send() -> None:
        _send(room_group(room_id), {"room": room_id, **event})
        if exam_id is not None:
            _send(exam_group(exam_id), {"room": room_id, **event})

    transaction.on_commit(send)


async def apush_room(room_id: int | None, exam_id: int | None = None, **event: Any) -> None:
    """push_room for code on the event loop (exams/fastpath.py): call it after the commit."""
    layer = get_channel_layer()
    if room_id is None or layer is None:
        return
    await layer.group_send(room_group(room_id), {"type": "room.changed", "room": room_id, **event})
    if exam_id is not None:
        await layer.group_send(
            exam_group(exam_id), {"type": "room.changed", "room": room_id, **event}
        )
