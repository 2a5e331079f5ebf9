"""The asyncio load generator: candidates that start, autosave, lose the server, resend, submit.

Each simulated candidate behaves like the player: an answer carries a sequence number per
position; it is pending until the server acknowledges it, and pending answers are resent (the
same sequence numbers, so resending is idempotent) with the next save. The client records the
highest acknowledged sequence number per (candidate, position); after the run the database must
hold at least that for every one of them.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

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


class HTTPError(OSError):
    """A response this client cannot read (the server went away mid-response, ...)."""


TRANSPORT_ERRORS = (TimeoutError, OSError, EOFError, asyncio.LimitOverrunError, ValueError)


class Session:
    """Keep-alive HTTP/1.1 over asyncio streams, at most `limit` connections.

    The generator shares the server's two cores, so every microsecond it spends is taken from
    the server: this is the little the protocol needs (a request line, a few headers, a body
    read by Content-Length or chunks), without aiohttp's connector, cookie jar, response
    objects and timeout task per request.
    """

    def __init__(self, base: str, limit: int, timeout: float) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.authority = parts.netloc
        self.timeout = timeout
        self.gate = asyncio.Semaphore(limit)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in list(self.open):
            writer.close()
        self.open.clear()
        self.idle.clear()

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        async with self.gate:
            conn = self.idle.pop() if self.idle else None
            try:
                async with asyncio.timeout(self.timeout):
                    if conn is None:
                        conn = await asyncio.open_connection(self.host, self.port)
                        self.open.add(conn[1])
                    status, raw, keep = await self._exchange(conn, method, path, body, headers)
            except BaseException:
                if conn is not None:
                    self._drop(conn[1])
                raise
            if keep:
                self.idle.append(conn)
            else:
                self._drop(conn[1])
            return status, raw

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        self.open.discard(writer)
        writer.close()

    async def _exchange(
        self,
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, bytes, bool]:
        reader, writer = conn
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.authority}",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        if body:
            lines.append("Content-Type: application/json")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, _sep, rest = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, keep = None, False, True
        for line in rest.split(b"\r\n"):
            name, _c, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = b"close" not in value.lower()
        if chunked:
            parts = []
            while True:
                size = int((await reader.readline()).split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            raw = b"".join(parts)
        elif length is not None:
            raw = await reader.readexactly(length)
        else:
            raw, keep = await reader.read(), False
        return status, raw, keep


class Client:
    def __init__(self, base: str, delivery: Delivery, *, timeout: float = 10) -> None:
        self.base = base
        self.delivery = delivery
        self.timeout = timeout

    def session(self, connections: int, timeout: float | None = None) -> Session:
        # Cookies would go in explicit headers (production cookies are Secure, this is HTTP).
        return Session(self.base, connections, timeout or self.timeout)

    async def call(self, http: Session, c: Candidate, call: Call, stats: Stats) -> tuple[int, Any]:
        """One request; returns (status, JSON body or None); (0, None) on a transport error."""
        stats.requests += 1
        began = time.monotonic()
        body = b"" if call.json is None else json.dumps(call.json).encode()
        try:
            status, raw = await http.request(call.method, call.url, body, c.headers)
        except TRANSPORT_ERRORS as exc:
            stats.errors[type(exc).__name__] += 1
            return 0, None
        if status >= 400 or status < 200:
            stats.errors[f"HTTP {status}"] += 1
            if len(stats.samples) < 5:
                stats.samples.append(f"{call.method} {call.url} → {status}: {_brief(raw)}")
            return status, None
        try:
            data = _json(raw)
        except ValueError:
            stats.errors[f"not JSON ({status})"] += 1
            return 0, None
        stats.record_ok(time.monotonic() - began)
        return status, data

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

        async def one(http: Session, c: Candidate) -> None:
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

        async def loop(http: Session, mine: list[Candidate]) -> None:
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

    async def save_one(self, http: Session, c: Candidate, rng: random.Random, stats: Stats) -> None:
        position = rng.choice(c.positions)
        seq = c.sent.get(position, 0) + 1
        c.sent[position] = seq
        c.pending[position] = (seq, self.delivery.response(c, position, rng))
        if not await self.flush(http, c, stats):
            # The player waits before resending; a refused connection must not spin the loop.
            await asyncio.sleep(0.25)

    async def flush(self, http: Session, c: Candidate, stats: Stats) -> bool:
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

        async def one(http: Session, c: Candidate) -> None:
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
    return json.loads(raw) if raw else {}
