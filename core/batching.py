"""Group calls that arrive on an event loop while earlier ones are being served into one batch.

A worker under an autosave load has several requests in flight at once, each paying its own
round trips to PostgreSQL and Redis; the fixed cost of a round trip (the driver's machinery, a
transaction, a commit) was most of a save's CPU. A `Batcher` sends the first call at once, alone,
so a quiet worker adds no delay; calls that arrive while `concurrency` batches are under way wait
and go together in the next one. This is group commit, as databases do it for their log.
Where a little delay costs nothing (queuing a background job), `linger` makes each batch wait
that long for company first.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _LoopState:
    queue: list[tuple[Any, asyncio.Future[Any]]] = field(default_factory=list)
    running: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class Batcher(Generic[T, R]):
    """`await batcher.run(item)` gives what `handle` returned for that item.

    `handle(items)` returns one result per item, in order; a result that is an exception is
    raised to that item's caller only. An exception raised by `handle` itself goes to every caller
    of the batch. The queue is per event loop (futures belong to their loop).
    """

    def __init__(
        self,
        handle: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        concurrency: int = 1,
        limit: int = 128,
        linger: float = 0.0,
    ) -> None:
        self.handle = handle
        self.concurrency = concurrency
        self.limit = limit
        self.linger = linger  # seconds a batch waits for company before it goes
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        future: asyncio.Future[R] = loop.create_future()
        state.queue.append((item, future))
        if state.running < self.concurrency:
            state.running += 1
            task = loop.create_task(self._drain(state))
            state.tasks.add(task)  # the loop keeps only a weak reference
            task.add_done_callback(state.tasks.discard)
        return await future

    async def _drain(self, state: _LoopState) -> None:
        try:
            while state.queue:
                if self.linger:
                    await asyncio.sleep(self.linger)
                batch = state.queue[: self.limit]
                del state.queue[: self.limit]
                results: list[Any]
                try:
                    results = list(await self.handle([item for item, _f in batch]))
                except Exception as error:
                    results = [error] * len(batch)
                except BaseException:  # cancelled (the loop is closing): nobody waits forever
                    for _item, future in batch:
                        future.cancel()
                    raise
                if len(results) != len(batch):
                    wrong = RuntimeError(f"{len(results)} results for {len(batch)} items")
                    results = [wrong] * len(batch)
                for (_item, future), result in zip(batch, results, strict=True):
                    if future.done():  # the caller went away (cancelled)
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            state.running -= 1
