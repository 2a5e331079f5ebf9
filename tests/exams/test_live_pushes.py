"""Console pushes from the event loop (exams.live.apush_room): coalesced per group, never lost.

Runs on the configured channel layer: in memory on SQLite, Redis on the PostgreSQL leg.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import get_channel_layer

from exams import live
from tests import aio


async def _drain(layer: Any, channel: str, wait: float = 0.5) -> list[dict[str, Any]]:
    """Every message the channel gets until it has been quiet for `wait` seconds."""
    got = []
    while True:
        try:
            got.append(await asyncio.wait_for(layer.receive(channel), wait))
        except TimeoutError:
            return got


def test_a_burst_of_changes_is_one_push_with_the_latest_event() -> None:
    async def go() -> tuple[list[Any], list[Any], list[Any]]:
        layer = get_channel_layer()
        room, exam = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(live.room_group(7001), room)
        await layer.group_add(live.exam_group(7002), exam)
        try:
            # A whole room starting in the same instant: the pushes return at once (no
            # request waits for the channel layer) and go out as one per group.
            for i in range(50):
                await live.apush_room(7001, 7002, event=f"start-{i}")
            burst_room, burst_exam = await _drain(layer, room), await _drain(layer, exam)
            # A change after the burst has gone is pushed on its own.
            await live.apush_room(7001, None, event="submit")
            later = await _drain(layer, room)
            assert await _drain(layer, exam, 0.2) == []
            return burst_room, burst_exam, later
        finally:
            await layer.group_discard(live.room_group(7001), room)
            await layer.group_discard(live.exam_group(7002), exam)

    burst_room, burst_exam, later = aio.run(go())
    assert [(m["type"], m["room"], m["event"]) for m in burst_room] == [
        ("room.changed", 7001, "start-49")
    ]
    assert [m["event"] for m in burst_exam] == ["start-49"]
    assert [m["event"] for m in later] == ["submit"]


def test_changes_during_a_push_follow_in_one_more_push() -> None:
    async def go() -> list[str]:
        layer = get_channel_layer()
        room = await layer.new_channel()
        await layer.group_add(live.room_group(7003), room)
        try:
            await live.apush_room(7003, event="first")
            await asyncio.sleep(0)  # the push task starts and its group_send is under way
            for i in range(10):
                await live.apush_room(7003, event=f"then-{i}")
            return [m["event"] for m in await _drain(layer, room)]
        finally:
            await layer.group_discard(live.room_group(7003), room)

    # the push under way goes as it was; the ten changes made meanwhile follow as one
    assert aio.run(go()) == ["first", "then-9"]


def test_no_channel_layer_or_room_sends_nothing() -> None:
    async def go() -> None:
        await live.apush_room(None, 1, event="start")

    aio.run(go())
    assert not live._TASKS
