"""Where one autosave request spends its time: SQL statements and a profile of the whole stack.

    .venv/bin/python bench/cbt/profile_save.py [--saves 300]
    .venv/bin/python bench/cbt/profile_save.py --fast [--saves 300] [--candidates 200]

Production settings on the scratch database of run.py (cbt_bench, Redis db 2), no web server:
Django's test client drives the full middleware stack and the ninja endpoint in process. Prints
every SQL statement of one save, then cProfile's top functions over --saves saves.

--fast profiles the event-loop path instead (exams/fastpath.py, through config.asgi's
application in process over httpx): --saves saves, then --candidates starts and submits. The
client's share (httpx) is in the profile too; look at the fastpath/psycopg/channels rows.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cbt.run import create_database, prepare_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--fast", action="store_true", help="profile exams/fastpath.py")
    parser.add_argument("--candidates", type=int, default=200, help="--fast: starts, submits")
    args = parser.parse_args()
    create_database()
    prepare_django()
    if args.fast:
        fast(args)
        return
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.cbt import protocol

    candidates, _context = protocol.seed(2)
    c = candidates[0]
    client = Client(HTTP_X_EXAM_TOKEN=c.headers["X-Exam-Token"], HTTP_HOST="127.0.0.1")
    delivery = protocol.Delivery(_context)
    start = delivery.start(c)
    r = client.post(start.url, start.json, content_type="application/json")
    assert r.status_code == 200, r.content

    def save(seq: int) -> None:
        call = delivery.save(c, [(1 + seq % len(c.positions), seq, "ABCD"[seq % 4])])
        response = client.put(call.url, call.json, content_type="application/json")
        assert response.status_code == 200, response.content

    save(1)
    with CaptureQueriesContext(connection) as queries:
        save(2)
    print(f"SQL statements in one save: {len(queries.captured_queries)}")
    for q in queries.captured_queries:
        print(f"  {q['time']} s  {q['sql'][:220]}")

    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for seq in range(3, 3 + args.saves):
        save(seq)
    profiler.disable()
    elapsed = time.perf_counter() - began
    each = 1000 * elapsed / args.saves
    print(f"\n{args.saves} saves in process: {elapsed:.2f} s, {each:.2f} ms each")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(out.getvalue())


def fast(args: argparse.Namespace) -> None:
    import asyncio

    import httpx

    from bench.cbt import protocol
    from config.asgi import application

    candidates, context = protocol.seed(args.candidates)
    delivery = protocol.Delivery(context)
    c0 = candidates[0]

    async def run() -> None:
        transport = httpx.ASGITransport(app=application, client=("10.0.0.1", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:

            async def call(c: Any, made: Any) -> Any:
                r = await http.request(made.method, made.url, json=made.json, headers=c.headers)
                assert r.status_code == 200, r.text
                return r.json()

            await call(c0, delivery.start(c0))
            phases = [
                (
                    "saves",
                    [
                        (c0, delivery.save(c0, [(1 + n % len(c0.positions), n, "ABCD"[n % 4])]))
                        for n in range(1, args.saves + 1)
                    ],
                ),
                ("starts", [(c, delivery.start(c)) for c in candidates[1:]]),
                ("submits", [(c, delivery.submit(c)) for c in candidates[1:]]),
            ]
            for name, calls in phases:
                await call(*calls[0])  # warm: the pool, prepared statements
                profiler = cProfile.Profile()
                began = time.perf_counter()
                profiler.enable()
                for c, made in calls[1:]:
                    await call(c, made)
                profiler.disable()
                each = 1000 * (time.perf_counter() - began) / max(1, len(calls) - 1)
                print(f"\n{name}: {len(calls) - 1} in process, {each:.2f} ms each (sequential)")
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
                print(out.getvalue())

    asyncio.run(run())


if __name__ == "__main__":
    main()
