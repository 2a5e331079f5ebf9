"""Computer-based exam delivery under load, with a crash in the middle (issue 5).

    .venv/bin/python bench/cbt/run.py --candidates 3000 --connections 32 --duration 30
    .venv/bin/python bench/cbt/run.py --quick          # ~30-60 s smoke run: 300 candidates, 5 s

The production configuration (config.settings.production) on loopback: PostgreSQL in a scratch
database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cbt_bench, created and
migrated here), Redis db 2, gunicorn with uvicorn workers. One exam session with N candidates is
seeded through exams' services; then an asyncio client (bench/cbt/loadgen.py, plain keep-alive
HTTP/1.1 on asyncio streams) plays the candidates:

1. start burst: all N candidates start at the same instant; makespan until the last one started;
2. steady autosave: C connections, each saving one answer at a time (sequence-numbered);
   acknowledged saves/s, p50/p99 latency, errors;
3. chaos: saves continue, the web processes (master and workers) are SIGKILLed with saves in
   flight and restarted; the clients keep unacknowledged answers and resend them;
4. drain (every pending answer resent until acknowledged), then the submit burst: all N submit at
   once (makespan);
5. database check: for every (candidate, position) the client saw acknowledged, the stored
   sequence number is at least the acknowledged one (zero lost), and everyone is submitted;
6. baseline: a second server (bench/cbt/bare_settings.py: production settings plus one view
   doing a single INSERT ... ON CONFLICT DO UPDATE) under the same C connections and duration;
   our ratio to it.

Prints a table and one JSON line. The machine's load (`uptime`) is printed with the figures.
Every server process is stopped on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cbt import bare  # noqa: E402
from bench.cbt.loadgen import Client, Stats  # noqa: E402
from bench.cbt.servers import PgConnections, WebServer, free_port  # noqa: E402
from bench.pg import ensure_database  # noqa: E402

DATABASE_URL = os.environ.get("CBT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cbt_bench")
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("CBT_REDIS_URL", "redis://127.0.0.1:6379/2"),
    "SECRET_KEY": "cbt-bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
    "SITE_URL": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; a proxy terminates TLS in prod
    "CACHE_KEY_PREFIX": "cbt-bench",
    "CHANNELS_PREFIX": "cbt-bench-asgi",
    "LOG_LEVEL": "WARNING",
    # As behind the production proxy: the client address comes from X-Forwarded-For, so each
    # simulated candidate has its own address (and its own rate-limit counter).
    "TRUSTED_PROXY_COUNT": "1",
    "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "cbt-bench-media"),
    "PYTHONUNBUFFERED": "1",
}


def uptime() -> str:
    """UTC time and `uptime` (Django sets TZ in this process, so say UTC explicitly)."""
    out = subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False, env={**os.environ, "TZ": "UTC"}
    )
    return out.stdout.strip() + " (UTC)"


def create_database() -> None:
    ensure_database(DATABASE_URL, "cbt_bench")


def drop_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_django(*, collectstatic: bool = False) -> float:
    """Migrate the scratch database and make the baseline's table; returns seconds taken."""
    began = time.monotonic()
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from bench.cbt.bare_urls import CREATE, TABLE

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", "--noinput", verbosity=0)
    # The manifest storage needs it even for the 500 page; slow (compression), so only once.
    if collectstatic or not (ROOT / "var/static/staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute(f"TRUNCATE {TABLE}")
    return time.monotonic() - began


def close_db() -> None:
    from django.db import connections

    connections.close_all()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.logdir = Path(tempfile.mkdtemp(prefix="cbt-bench-"))
        self.figures: dict[str, Any] = {}

    def server(self, env: dict[str, str], name: str) -> WebServer:
        return WebServer(
            env,
            workers=self.args.workers,
            port=free_port(),
            log=self.logdir / f"{name}.log",
        )

    def run(self) -> dict[str, Any]:
        """The synchronous parts (database) here; the phases under load in an event loop."""
        a = self.args
        f = self.figures
        f["uptime_before"] = uptime()
        create_database()
        f["migrate_s"] = round(prepare_django(collectstatic=a.collectstatic), 1)
        if a.baseline_only:
            f["baseline"] = asyncio.run(self.baseline())
            f["uptime_after"] = uptime()
            return f
        from bench.cbt import protocol

        began = time.monotonic()
        candidates, context = protocol.seed(a.candidates)
        f["seed_s"] = round(time.monotonic() - began, 1)
        close_db()
        with self.pg() as pg:
            asyncio.run(self.deliver(protocol.Delivery(context), candidates))
        f["pg_connections_max"] = pg.max
        # 5. Nothing acknowledged is lost.
        f["check"] = check(candidates, protocol.stored(context), protocol.submitted(context))
        close_db()
        self.say(f"database check: {f['check']}")
        # 6. The baseline: one upsert per request through the same stack.
        if not a.no_baseline:
            f["baseline"] = asyncio.run(self.baseline())
            ours, theirs = f["autosave"]["acked_per_s"], f["baseline"]["acked_per_s"]
            f["ratio_to_baseline"] = round(ours / theirs, 3) if theirs else None
        f["uptime_after"] = uptime()
        f["goals"] = goals(f, a)
        return f

    async def deliver(self, delivery: Any, candidates: list[Any]) -> None:
        a = self.args
        f = self.figures
        fast = "0" if a.django_saves else "1"
        web = self.server(
            {**ENV, "DJANGO_SETTINGS_MODULE": a.settings, "EXAMS_FAST_ANSWERS": fast}, "web"
        )
        f["save_path"] = "django" if a.django_saves else "fast (exams/fastpath.py)"
        f["server_start_s"] = round(await self.start(web), 1)
        client = Client(web.url, delivery, timeout=a.timeout)

        # 1. Start burst: everyone at once.
        stats, makespan, failed = await client.burst(
            candidates,
            client.delivery.start,
            client.delivery.started,
            connections=a.burst_connections,
            give_up_after=a.burst_give_up,
        )
        f["start"] = burst_figures(stats, makespan, failed, len(candidates))
        self.say(f"start burst: {f['start']}")

        if not any(c.started for c in candidates):
            raise RuntimeError(f"nobody could start: {f['start']}")

        # 2. Steady autosave.
        stats, wall = await client.autosave(
            candidates, connections=a.connections, duration=a.duration, seed=2
        )
        f["autosave"] = steady_figures(stats, wall)
        self.say(f"autosave: {f['autosave']}")

        # 3. Chaos: SIGKILL every web process with saves in flight, restart, keep saving.
        chaos: dict[str, Any] = {}

        async def crash(stats: Stats) -> None:
            await asyncio.sleep(a.chaos_after)
            chaos["in_flight_at_kill"] = stats.requests - stats.ok - stats.error_count
            ok_at_kill = stats.ok
            t_kill = time.monotonic()
            chaos["killed_processes"] = web.kill()
            web.spawn()
            # A restart under full load on a busy machine can be slow: wait, do not give up.
            await asyncio.to_thread(web.wait_ready, a.restart_timeout)
            chaos["restart_s"] = round(time.monotonic() - t_kill, 2)
            while stats.ok == ok_at_kill and time.monotonic() - t_kill < 120:
                await asyncio.sleep(0.02)
            chaos["first_ack_after_kill_s"] = round(time.monotonic() - t_kill, 2)
            await asyncio.sleep(a.chaos_tail)

        stats, wall = await client.autosave(
            candidates,
            connections=a.connections,
            duration=a.chaos_after + a.chaos_tail,
            seed=3,
            during=crash,
        )
        f["chaos"] = {**steady_figures(stats, wall), **chaos}
        self.say(f"chaos: {f['chaos']}")

        # 4. Resend whatever is still pending, then everyone submits at the deadline.
        drain, left = await client.drain(
            candidates, connections=a.connections, give_up_after=a.burst_give_up
        )
        f["drain"] = {"requests": drain.requests, "still_pending": left}
        stats, makespan, failed = await client.burst(
            candidates,
            client.delivery.submit,
            client.delivery.submitted,
            connections=a.burst_connections,
            give_up_after=a.burst_give_up,
        )
        f["submit"] = burst_figures(stats, makespan, failed, len(candidates))
        self.say(f"submit burst: {f['submit']}")
        web.stop()

    async def baseline(self) -> dict[str, Any]:
        a = self.args
        base = self.server({**ENV, "DJANGO_SETTINGS_MODULE": "bench.cbt.bare_settings"}, "bare")
        await self.start(base)
        client = Client(base.url, bare.BareUpsert(), timeout=a.timeout)
        with self.pg() as pg:
            stats, wall = await client.autosave(
                bare.candidates(a.candidates), connections=a.connections, duration=a.duration
            )
        base.stop()
        figures = {**steady_figures(stats, wall), "pg_connections_max": pg.max}
        self.say(f"baseline: {figures}")
        return figures

    def pg(self) -> PgConnections:
        return PgConnections(DATABASE_URL, urlsplit(DATABASE_URL).path.lstrip("/"))

    async def start(self, server: WebServer) -> float:
        began = time.monotonic()
        server.spawn()
        await asyncio.to_thread(server.wait_ready)
        return time.monotonic() - began

    def say(self, text: str) -> None:
        if not self.args.json_only:
            print(f"  {text}", file=sys.stderr, flush=True)


def burst_figures(stats: Stats, makespan: float, failed: int, n: int) -> dict[str, Any]:
    return {
        "candidates": n,
        "makespan_s": round(makespan, 2),
        "failed": failed,
        "requests": stats.requests,
        "retried_errors": dict(stats.errors),
        "p50_ms": _r(stats.pct(50)),
        "p99_ms": _r(stats.pct(99)),
        "error_samples": stats.samples,
    }


def steady_figures(stats: Stats, wall: float) -> dict[str, Any]:
    return {
        "seconds": round(wall, 1),
        "requests": stats.requests,
        "acked_answers": stats.acked_answers,
        "acked_per_s": round(stats.acked_answers / wall, 1) if wall else 0,
        "p50_ms": _r(stats.pct(50)),
        "p99_ms": _r(stats.pct(99)),
        "max_ms": _r(stats.pct(100)),
        "errors": stats.error_count,
        "error_kinds": dict(stats.errors),
        "error_samples": stats.samples,
    }


def check(
    candidates: list[Any], stored: dict[tuple[int, int], int], submitted: int
) -> dict[str, Any]:
    acked = lost = behind = 0
    examples: list[dict[str, Any]] = []
    for c in candidates:
        for position, seq in c.acked.items():
            acked += 1
            have = stored.get((c.index, position))
            if have is None or have < seq:
                lost += 1
                if len(examples) < 5:
                    examples.append(
                        {"candidate": c.index, "position": position, "acked": seq, "stored": have}
                    )
        for position, seq in c.sent.items():
            if stored.get((c.index, position), 0) < seq:
                behind += 1
    return {
        "acknowledged_positions": acked,
        "lost": lost,
        "lost_examples": examples,
        "last_sent_not_stored": behind,
        "submitted": submitted,
        "candidates": len(candidates),
    }


def goals(f: dict[str, Any], a: argparse.Namespace) -> dict[str, bool | None]:
    save = f["autosave"]
    return {
        "saves_ge_1500_per_s": save["acked_per_s"] >= 1500,
        "p99_le_100_ms": (save["p99_ms"] or 1e9) <= 100,
        "start_burst_le_10_s": f["start"]["makespan_s"] <= 10 and not f["start"]["failed"],
        "submit_burst_le_10_s": f["submit"]["makespan_s"] <= 10 and not f["submit"]["failed"],
        "zero_lost": f["check"]["lost"] == 0,
        "full_scale": a.candidates >= 3000 and a.connections == 32,
    }


def table(f: dict[str, Any], a: argparse.Namespace) -> str:
    s, c, b = f["autosave"], f["chaos"], f.get("baseline")
    st, sub, chk = f["start"], f["submit"], f["check"]
    rows = [
        ("candidates / connections / workers", f"{a.candidates} / {a.connections} / {a.workers}"),
        ("answer saves served by", f["save_path"]),
        ("start burst makespan", f"{st['makespan_s']} s (goal ≤ 10 s at 3,000)"),
        ("  start failures / retried errors", f"{st['failed']} / {st['retried_errors']}"),
        ("autosave acknowledged saves/s", f"{s['acked_per_s']} (goal ≥ 1,500 at 32 conn.)"),
        (
            "  p50 / p99 / max latency",
            f"{s['p50_ms']} / {s['p99_ms']} / {s['max_ms']} ms (p99 goal ≤ 100)",
        ),
        ("  errors", f"{s['errors']} {s['error_kinds'] or ''}"),
        (
            "chaos: processes SIGKILLed",
            f"{c.get('killed_processes')} with {c.get('in_flight_at_kill')} saves in flight",
        ),
        (
            "  restart / first ack after kill",
            f"{c.get('restart_s')} s / {c.get('first_ack_after_kill_s')} s",
        ),
        (
            "  saves/s, p99 during chaos",
            f"{c['acked_per_s']} /s, {c['p99_ms']} ms, {c['errors']} failed requests (resent)",
        ),
        ("pending after drain", f"{f['drain']['still_pending']}"),
        ("submit burst makespan", f"{sub['makespan_s']} s, {sub['failed']} failed (goal ≤ 10 s)"),
        ("acknowledged answers checked", f"{chk['acknowledged_positions']}"),
        ("  LOST acknowledged answers", f"{chk['lost']} (goal 0)"),
        ("  last sent answer not stored", f"{chk['last_sent_not_stored']}"),
        ("  submitted", f"{chk['submitted']} / {chk['candidates']}"),
        ("PostgreSQL connections (max)", f"{f.get('pg_connections_max')}"),
    ]
    if b:
        rows += [
            ("baseline (bare upsert) saves/s", f"{b['acked_per_s']}"),
            ("  baseline p50 / p99", f"{b['p50_ms']} / {b['p99_ms']} ms, {b['errors']} errors"),
            ("ours ÷ baseline", f"{f['ratio_to_baseline']}"),
        ]
    rows += [
        ("uptime before", f["uptime_before"]),
        ("uptime after", f["uptime_after"]),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines.append(
        "goals: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in f["goals"].items())
    )
    return "\n".join(lines)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--candidates", type=int, default=3000)
    p.add_argument("--connections", type=int, default=32, help="steady autosave concurrency")
    p.add_argument("--duration", type=float, default=30, help="steady phase seconds (and baseline)")
    # One per core, as docs/deploy.md says to run production; at least two, so the SIGKILL step
    # kills several.
    p.add_argument(
        "--workers",
        type=int,
        default=max(2, os.cpu_count() or 2),
        help="gunicorn uvicorn workers (default: one per CPU core, at least 2)",
    )
    p.add_argument("--burst-connections", type=int, default=1000, help="sockets for the bursts")
    p.add_argument("--burst-give-up", type=float, default=60, help="seconds before a burst fails")
    p.add_argument("--chaos-after", type=float, default=5, help="saving seconds before SIGKILL")
    p.add_argument("--chaos-tail", type=float, default=5, help="saving seconds after recovery")
    p.add_argument("--restart-timeout", type=float, default=600, help="seconds to restart")
    p.add_argument("--timeout", type=float, default=10, help="per-request client timeout")
    p.add_argument("--quick", action="store_true", help="300 candidates, 5 s phases")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--baseline-only", action="store_true", help="only the bare upsert view")
    p.add_argument(
        "--settings",
        default="config.settings.production",
        help="settings of the web server (default: production)",
    )
    p.add_argument(
        "--django-saves",
        action="store_true",
        help="serve answer saves through Django's endpoint instead of exams/fastpath.py",
    )
    p.add_argument("--collectstatic", action="store_true", help="rerun collectstatic")
    p.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    p.add_argument("--json-only", action="store_true", help="print only the JSON line")
    a = p.parse_args()
    if a.quick:
        a.candidates, a.duration, a.chaos_after, a.chaos_tail = 300, 5, 2, 2
    return a


def main() -> None:
    args = parse_args()

    def terminate(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    bench = Bench(args)
    try:
        figures = bench.run()
    except KeyboardInterrupt:
        print("interrupted: stopping the servers", file=sys.stderr)
        sys.exit(130)
    finally:
        WebServer.stop_all()
        if args.drop:
            with contextlib.suppress(Exception):
                close_db()
            drop_database()
    if not args.json_only and not args.baseline_only:
        print(table(figures, args))
        print(f"server logs: {bench.logdir}", file=sys.stderr)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
