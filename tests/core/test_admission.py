"""core/admission.py: a burst waits on the event loop, never more than N Django requests at once."""

from __future__ import annotations

import asyncio
from typing import Any

from core.admission import Admission
from tests.aio import run


class Recorder:
    """An ASGI app that holds each request a moment before and after starting its response."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.before_start: list[int] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.01)  # streaming the body: the slot is already free
        await send({"type": "http.response.body", "body": b"ok"})


async def _request(app: Any, kind: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": kind, "path": "/"}, receive, send)
    return sent


def test_a_burst_is_admitted_n_at_a_time_and_every_request_is_served() -> None:
    inner = Recorder()
    app = Admission(inner, limit=3)

    async def burst() -> list[list[dict[str, Any]]]:
        return await asyncio.gather(*[_request(app) for _ in range(40)])

    responses = run(burst())
    assert inner.most == 3
    assert all(r[0]["status"] == 200 and r[-1]["body"] == b"ok" for r in responses)


def test_the_slot_is_given_back_when_the_app_fails() -> None:
    async def broken(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    app = Admission(broken, limit=1)

    async def twice() -> int:
        failures = 0
        for _ in range(2):
            try:
                await _request(app)
            except RuntimeError:
                failures += 1
        return failures

    # With the slot leaked, the second request would wait forever.
    assert run(asyncio.wait_for(twice(), timeout=5)) == 2


def test_without_a_limit_and_for_websockets_nothing_waits() -> None:
    inner = Recorder()

    async def burst(app: Any, kind: str) -> None:
        await asyncio.gather(*[_request(app, kind) for _ in range(10)])

    run(burst(Admission(inner, limit=0), "http"))
    assert inner.most == 10
    inner.most = 0
    run(burst(Admission(inner, limit=2), "websocket"))
    assert inner.most == 10
