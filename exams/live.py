"""Pushes to the proctor consoles: one Channels group per room, one per exam (coordinators)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


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
    """push_room for code on the event loop (exams/fastpath.py): call it after the commit.

    The push goes out from a task of its own, coalesced per group: while a push to a group is
    on its way, and for PUSH_INTERVAL after it, later ones only leave their event, and one
    more push follows.
    A console answers every push with a fresh snapshot of the room, so one push after a run of
    changes shows them all; a whole session starting in the same second then costs the channel
    layer (and each console) a few pushes per worker, not one per candidate, and no request
    waits for one."""
    layer = get_channel_layer()
    if room_id is None or layer is None:
        return
    message = {"type": "room.changed", "room": room_id, **event}
    _push_soon(layer, room_group(room_id), message)
    if exam_id is not None:
        _push_soon(layer, exam_group(exam_id), message)


# At most about five pushes a second per group and worker: a console stays live to the eye,
# and a burst (a submit burst: ~15 % of a worker's time went to pushes without this pause,
# two Redis round trips each even with no console open) costs a few pushes, not thousands.
PUSH_INTERVAL = 0.2
# Per event loop: the groups a push task is running for, with the event it is yet to send.
_WAITING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)
_TASKS: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks


def _push_soon(layer: Any, group: str, message: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    waiting = _WAITING.setdefault(loop, {})
    running = group in waiting
    waiting[group] = message  # the latest event: the snapshot it brings covers the earlier
    if not running:
        task = loop.create_task(_pushes(layer, group, waiting))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)


async def _pushes(layer: Any, group: str, waiting: dict[str, Any]) -> None:
    try:
        while (message := waiting[group]) is not None:
            waiting[group] = None
            await layer.group_send(group, message)
            await asyncio.sleep(PUSH_INTERVAL)
    except Exception:
        logger.exception("console push to %s failed", group)
    finally:
        del waiting[group]
