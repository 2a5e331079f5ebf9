"""Where one autosave request spends its time: SQL statements and a profile of the whole stack.

    .venv/bin/python bench/cbt/profile_save.py [--saves 300]

Production settings on the scratch database of run.py (cbt_bench, Redis db 2), no web server:
Django's test client drives the full middleware stack and the ninja endpoint in process. Prints
every SQL statement of one save, then cProfile's top functions over --saves saves.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cbt.run import create_database, prepare_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    create_database()
    prepare_django()
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


if __name__ == "__main__":
    main()
