"""The asyncio load generator: candidates that start, autosave, lose the server, resend, submit.

Each simulated candidate behaves like the player: an answer carries a sequence number per
position; it is pending until the server acknowledges it, and pending answers are resent (the
same sequence numbers, so resending is idempotent) with the next save. The client records the
highest acknowledged sequence number per (candidate, position); after the run the database must
hold at least that for every one of them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class Candidate:
    index: int
    headers: dict[str, str]
    info: dict[str, Any] = field(default_factory=dict)  # what start returned (ids, positions)
    positions: list[int] = field(default_factory=list)
    sent: dict[int, int] = field(default_factory=dict)  # highest seq sent per position
    acked: dict[int, int] = field(default_factory=dict)  # highest seq acknowledged per position
    pending: dict[int, tuple[int, Any]] = field(default_factory=dict)  # position: (seq, response)
    started: bool = False
    submitted: bool = False


@dataclass
class Call:
    method: str
    url: str
    json: Any = None


class Delivery(Protocol):
    """How one platform (or the bare baseline) spells start, save and submit over HTTP."""

    def start(self, c: Candidate) -> Call: ...
    def started(self, c: Candidate, body: Any) -> None: ...
    def save(self, c: Candidate, answers: list[tuple[int, int, Any]]) -> Call: ...
    def acks(self, c: Candidate, body: Any) -> list[tuple[int, int]]: ...
    def submit(self, c: Candidate) -> Call: ...
    def submitted(self, c: Candidate, body: Any) -> None: ...
    def response(self, c: Candidate, position: int, rng: random.Random) -> Any: ...


@dataclass
class Stats:
    requests: int = 0
    ok: int = 0
    acked_answers: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few error bodies
    first: float = 0.0
    last: float = 0.0

    def record_ok(self, latency: float) -> None:
        self.ok += 1
        self.latencies.append(latency)
        self.last = time.monotonic()

    def pct(self, p: float) -> float | None:
        if not self.latencies:
            return None
        data = sorted(self.latencies)
        return 1000 * data[min(len(data) - 1, int(p / 100 * len(data)))]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class Client:
    def __init__(self, base: str, delivery: Delivery, *, timeout: float = 10) -> None:
        self.base = base
        self.delivery = delivery
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def session(self, connections: int, timeout: float | None = None) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
        # Cookies go in explicit headers: production cookies are Secure, and this is plain HTTP.
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=timeout) if timeout else self.timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def call(
        self, http: aiohttp.ClientSession, c: Candidate, call: Call, stats: Stats
    ) -> tuple[int, Any]:
        """One request; returns (status, JSON body or None); (0, None) on a transport error."""
        stats.requests += 1
        began = time.monotonic()
        try:
            async with http.request(
                call.method, self.base + call.url, json=call.json, headers=c.headers
            ) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            stats.errors[type(exc).__name__] += 1
            return 0, None
        if status >= 400 or status < 200:
            stats.errors[f"HTTP {status}"] += 1
            if len(stats.samples) < 5:
                stats.samples.append(f"{call.method} {call.url} → {status}: {_brief(raw)}")
            return status, None
        try:
            body = _json(raw)
        except ValueError:
            stats.errors[f"not JSON ({status})"] += 1
            return 0, None
        stats.record_ok(time.monotonic() - began)
        return status, body

    async def burst(
        self,
        candidates: Sequence[Candidate],
        make: Callable[[Candidate], Call],
        done: Callable[[Candidate, Any], None],
        *,
        connections: int,
        give_up_after: float,
        timeout: float = 30,
    ) -> tuple[Stats, float, int]:
        """All candidates at once; each retries until it succeeds. Returns makespan, failures.

        A browser waits for a slow answer rather than hanging up after a few seconds, so bursts
        use a longer per-request timeout than autosave (a short one makes a retry storm)."""
        stats = Stats()
        failed = 0
        t0 = time.monotonic()
        stats.first = t0

        async def one(http: aiohttp.ClientSession, c: Candidate) -> None:
            nonlocal failed
            delay = 0.2
            while True:
                status, body = await self.call(http, c, make(c), stats)
                if body is not None:
                    done(c, body)
                    return
                if (status and status not in RETRYABLE) or time.monotonic() - t0 > give_up_after:
                    failed += 1
                    return
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)

        async with self.session(connections, timeout) as http:
            await asyncio.gather(*(one(http, c) for c in candidates))
        return stats, time.monotonic() - t0, failed

    async def autosave(
        self,
        candidates: Sequence[Candidate],
        *,
        connections: int,
        duration: float,
        seed: int = 1,
        during: Callable[[Stats], Awaitable[None]] | None = None,
    ) -> tuple[Stats, float]:
        """`connections` loops, each saving one answer at a time for its own candidates.

        `during`, if given, runs alongside (the chaos step) and the phase lasts at least until it
        returns. Returns the stats and the phase's wall time.
        """
        stats = Stats()
        stop = time.monotonic() + duration
        rng = random.Random(seed)
        live = [c for c in candidates if c.started and not c.submitted and c.positions]
        if not live:
            raise RuntimeError("no started candidate to save for")
        slices = [live[i::connections] for i in range(connections)]
        chaos_done = asyncio.Event()
        if during is None:
            chaos_done.set()

        async def loop(http: aiohttp.ClientSession, mine: list[Candidate]) -> None:
            i = 0
            while time.monotonic() < stop or not chaos_done.is_set():
                c = mine[i % len(mine)]
                i += 1
                await self.save_one(http, c, rng, stats)

        async def chaos() -> None:
            assert during is not None
            try:
                await during(stats)
            finally:
                chaos_done.set()

        t0 = time.monotonic()
        stats.first = t0
        async with self.session(connections) as http:
            jobs = [loop(http, s) for s in slices if s]
            if during is not None:
                jobs.append(chaos())
            await asyncio.gather(*jobs)
        return stats, time.monotonic() - t0

    async def save_one(
        self, http: aiohttp.ClientSession, c: Candidate, rng: random.Random, stats: Stats
    ) -> None:
        position = rng.choice(c.positions)
        seq = c.sent.get(position, 0) + 1
        c.sent[position] = seq
        c.pending[position] = (seq, self.delivery.response(c, position, rng))
        if not await self.flush(http, c, stats):
            # The player waits before resending; a refused connection must not spin the loop.
            await asyncio.sleep(0.25)

    async def flush(self, http: aiohttp.ClientSession, c: Candidate, stats: Stats) -> bool:
        """Send every pending answer of `c` in one save; True when all were acknowledged."""
        if not c.pending:
            return True
        answers = [(p, s, r) for p, (s, r) in sorted(c.pending.items())]
        _status, body = await self.call(http, c, self.delivery.save(c, answers), stats)
        if body is None:
            return False
        for position, seq in self.delivery.acks(c, body):
            if seq > c.acked.get(position, 0):
                c.acked[position] = seq
            waiting = c.pending.get(position)
            if waiting is not None and waiting[0] <= seq:
                del c.pending[position]
                stats.acked_answers += 1
        return not c.pending

    async def drain(
        self, candidates: Sequence[Candidate], *, connections: int, give_up_after: float
    ) -> tuple[Stats, int]:
        """Resend every pending answer until acknowledged (the player after a reconnect)."""
        stats = Stats()
        t0 = time.monotonic()

        async def one(http: aiohttp.ClientSession, c: Candidate) -> None:
            while not await self.flush(http, c, stats):
                if time.monotonic() - t0 > give_up_after:
                    return
                await asyncio.sleep(0.2)

        async with self.session(connections) as http:
            await asyncio.gather(*(one(http, c) for c in candidates if c.pending))
        return stats, sum(1 for c in candidates if c.pending)


def _brief(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "<title>" in text:
        text = text.split("<title>", 1)[1].split("</title>", 1)[0]
    return text[:160]


def _json(raw: bytes) -> Any:
    import json

    return json.loads(raw) if raw else {}
