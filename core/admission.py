"""At most N Django requests at once per ASGI worker; the rest wait on the event loop.

Under ASGI each synchronous Django request runs in a thread of its own, and takes a database
connection from the worker's pool (DB_POOL_MAX_SIZE). When a whole exam session presses
"start" in the same second, a worker had hundreds of threads fighting over the GIL and eight
connections; those that waited 10 s for a connection failed with 500 (bench/cbt). Waiting here
instead costs a coroutine, and each admitted request finds a connection free. The slot is given
back when the response starts, so a long download does not hold it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Admission:
    def __init__(self, app: Any, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        return gate

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        gate = self._gate()
        await gate.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                gate.release()

        async def send_then_release(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_then_release)
        finally:
            release()
