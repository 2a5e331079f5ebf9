"""core.batching.Batcher (group commit on the event loop) and the rate-limit counts built on it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from django.conf import settings

from core import ratelimit
from core.batching import Batcher
from tests import aio


class Recorder:
    """A handler that records each batch and holds it until released, so a test decides what
    arrives while a batch is under way."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.release = asyncio.Event()
        self.running = 0
        self.most_running = 0

    async def __call__(self, items: list[Any]) -> list[Any]:
        self.batches.append(list(items))
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await self.release.wait()
        self.running -= 1
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


def test_a_lone_call_goes_at_once_and_later_ones_go_together() -> None:
    async def go() -> tuple[list[list[int]], list[int]]:
        handler = Recorder()
        batcher: Batcher[int, int] = Batcher(handler)
        first = asyncio.create_task(batcher.run(1))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert handler.batches == [[1]]  # sent alone, without waiting for company
        rest = [asyncio.create_task(batcher.run(n)) for n in (2, 3, 4)]
        await asyncio.sleep(0)
        handler.release.set()
        return handler.batches, [await t for t in (first, *rest)]

    batches, results = aio.run(go())
    assert batches == [[1], [2, 3, 4]]
    assert results == [10, 20, 30, 40]


def test_a_lingering_batch_waits_for_company() -> None:
    async def go() -> list[list[int]]:
        handler = Recorder()
        handler.release.set()
        batcher: Batcher[int, int] = Batcher(handler, linger=0.05)
        first = asyncio.create_task(batcher.run(1))
        await asyncio.sleep(0.01)
        assert handler.batches == []  # still waiting
        assert await asyncio.gather(first, batcher.run(2)) == [10, 20]
        return handler.batches

    assert aio.run(go()) == [[1, 2]]


def test_concurrency_bounds_the_batches_under_way() -> None:
    async def go() -> Recorder:
        handler = Recorder()
        batcher: Batcher[int, int] = Batcher(handler, concurrency=2)
        tasks = []
        for n in range(1, 8):
            tasks.append(asyncio.create_task(batcher.run(n)))
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        handler.release.set()
        assert [await t for t in tasks] == [n * 10 for n in range(1, 8)]
        return handler

    handler = aio.run(go())
    assert handler.most_running == 2
    assert handler.batches[:2] == [[1], [2]]
    assert sorted(n for batch in handler.batches for n in batch) == list(range(1, 8))
    assert len(handler.batches) == 3  # the five that waited went together


def test_a_refused_item_fails_alone_and_a_failing_batch_fails_all() -> None:
    async def go() -> tuple[list[Any], list[Any]]:
        handler = Recorder()
        handler.release.set()
        batcher: Batcher[int, int] = Batcher(handler)
        one = await asyncio.gather(*(batcher.run(n) for n in (1, -2, 3)), return_exceptions=True)

        async def broken(items: list[int]) -> list[int]:
            raise ConnectionError("database gone")

        failing: Batcher[int, int] = Batcher(broken)
        two = await asyncio.gather(*(failing.run(n) for n in (1, 2)), return_exceptions=True)
        return one, two

    one, two = aio.run(go())
    assert one[0] == 10
    assert one[2] == 30
    assert isinstance(one[1], ValueError)
    assert str(one[1]) == "bad -2"
    assert all(isinstance(r, ConnectionError) for r in two)


def test_a_caller_that_goes_away_does_not_stop_the_others() -> None:
    async def go() -> list[int]:
        handler = Recorder()
        batcher: Batcher[int, int] = Batcher(handler)
        gone = asyncio.create_task(batcher.run(1))
        stay = asyncio.create_task(batcher.run(2))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
        handler.release.set()
        after = await batcher.run(3)
        return [await stay, after]

    assert aio.run(go()) == [20, 30]


def test_concurrent_rate_limit_hits_count_exactly(settings: Any) -> None:
    """Hits made together (one Redis pipeline when the cache is Redis) count one each."""
    key = f"test-batch-{uuid.uuid4().hex}"

    async def go() -> list[tuple[bool, int]]:
        return await asyncio.gather(*(ratelimit.ahit(key, 5, 3600) for _ in range(12)))

    results = aio.run(go())
    assert [allowed for allowed, _r in results].count(True) == 5
    assert all(0 < retry <= 3600 for _a, retry in results)
    again = aio.run(go())
    assert not any(allowed for allowed, _r in again)


@pytest.mark.skipif(
    not settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"),
    reason="the window's expiry is Redis's (the local-memory cache has its own timeout)",
)
def test_a_new_rate_limit_window_expires_in_redis() -> None:
    key = f"test-batch-{uuid.uuid4().hex}"

    async def go() -> int:
        await asyncio.gather(*(ratelimit.ahit(key, 5, 60) for _ in range(3)))
        client = ratelimit._async_redis()
        names = [k async for k in client.scan_iter(match=f"*ratelimit:{key}:*")]
        assert len(names) == 1
        return int(await client.ttl(names[0]))

    assert 0 < aio.run(go()) <= 61
