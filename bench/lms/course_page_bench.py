"""Peak PD load: many enrolled teachers open the same PD course page at once.

    .venv/bin/python bench/lms/course_page_bench.py --teachers 2000 --connections 64 \
        --duration 20

Production configuration on loopback: PostgreSQL (DATABASE_URL, default the database
`lms_bench`, created when missing), Redis (REDIS_URL, default db 8) for the cache and the
sessions, config.settings.production (plus one bare signed-in page, bench/lms/bare_urls.py,
measured after the course page as the machine's baseline), served two ways (`--server`):

- asgi (production, docs/deploy.md): gunicorn with uvicorn workers (default one per CPU)
  serving config.asgi, where lms/fastpage.py answers the course page of enrolled learners;
- wsgi: gunicorn gthread workers (default CPUs + 1 processes, 2 threads each) serving
  config.wsgi, i.e. Django's course page view alone.

Each request is signed in as a different enrolled teacher, with the session and CSRF cookies a
browser has after signing in and opening a page (one session per teacher; half of them have
done the first three activities). Load comes from `wrk` when installed (a warm-up of
`--warmup` seconds first, not counted: it fills the per-learner page cache), else from this
script's own keep-alive asyncio client run in `--clients` separate processes. Bounded in time:
server start ≤ 300 s, each load ≤ duration + warm-up + 60 s. Prints one JSON line: requests/s,
latency percentiles and non-2xx count of the course page and of the bare page for each server,
their ratio, the load average after the run, and the goal's verdict on the production (ASGI)
figures (≥ 1,000 req/s with p99 ≤ 200 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    # Production settings plus one bare signed-in page for the baseline (bench/lms/bare_urls.py).
    "DJANGO_SETTINGS_MODULE": "bench.lms.bare_settings",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_bench"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"),
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 32),
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
}


def prepare(teachers: int) -> tuple[int, list[str]]:
    """Migrate, then make one PD course and `teachers` enrolled teachers with sessions; returns
    the course id and each teacher's Cookie header."""
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    from bench.pg import ensure_database

    ensure_database(ENV["DATABASE_URL"], "lms_bench")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.core.cache import cache
    from django.core.management import call_command
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from core.models import Membership, Organisation, Role, User
    from lms import services
    from lms.models import Activity, Course, CourseEnrolment, Progress

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    cache.clear()
    dept, _ = Organisation.objects.get_or_create(
        code="BENCH-SO", defaults={"name": "Sở GDĐT (bench)", "kind": "department"}
    )
    school, _ = Organisation.objects.get_or_create(
        code="BENCH-TRUONG", defaults={"name": "Trường bench", "kind": "school", "parent": dept}
    )
    author, _ = User.objects.get_or_create(
        username="bench-author", defaults={"full_name": "Tác giả"}
    )
    Membership.objects.get_or_create(user=author, organisation=dept, role=Role.DEPARTMENT_ADMIN)
    course = Course.objects.filter(title="Bồi dưỡng thường xuyên (bench)").first()
    if course is None:
        course = services.create_course(
            author,
            kind=Course.Kind.PD,
            title="Bồi dưỡng thường xuyên (bench)",
            organisation=dept,
            pd_periods=30,
            self_enrol=True,
        )
        for m in range(1, 6):
            module = services.add_module(author, course, title=f"Mô-đun {m}")
            for a in range(1, 7):
                services.add_activity(
                    author,
                    module,
                    kind=Activity.Kind.CONTENT,
                    title=f"Bài {m}.{a}",
                    rule=Activity.Rule.VIEWED,
                )
    have = set(
        User.objects.filter(username__startswith="bench-gv").values_list("username", flat=True)
    )
    new = [
        User(username=f"bench-gv{i:05d}", full_name=f"Giáo viên {i}", password="!")
        for i in range(teachers)
        if f"bench-gv{i:05d}" not in have
    ]
    User.objects.bulk_create(new, batch_size=1000)
    people = list(
        User.objects.filter(username__startswith="bench-gv").order_by("username")[:teachers]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=school, role=Role.TEACHER) for u in people],
        ignore_conflicts=True,
    )
    CourseEnrolment.objects.bulk_create(
        [CourseEnrolment(course=course, user=u, source="self") for u in people],
        ignore_conflicts=True,
    )
    first = Activity.objects.filter(module__course=course).order_by("module__position", "position")[
        :3
    ]
    # Half the teachers have done the first three activities (rows written directly: setting
    # up the data is not what is measured, and 3,000 audited service calls take minutes).
    now = timezone.now()
    Progress.objects.bulk_create(
        [
            Progress(activity=a, user=u, first_viewed_at=now, seconds=60, completed_at=now)
            for u in people[: teachers // 2]
            for a in first
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    cookies = []
    for u in people:
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        # What signing in stores (core.twofactor.remember_requirement): no second factor owed.
        s["second_factor_required"] = {"uid": u.pk, "required": False}
        s.create()
        csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        cookies.append(f"sessionid={s.session_key}; csrftoken={csrf}")
    return course.pk, cookies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, mode: str, workers: int, threads: int) -> subprocess.Popen[bytes]:
    if mode == "asgi":  # as docs/deploy.md runs the web process
        app = ["config.asgi:application", "-k", "uvicorn.workers.UvicornWorker"]
    else:
        app = ["config.wsgi:application", "-k", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            *app,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return proc
        except urllib.error.HTTPError:
            return proc  # it answers: a degraded health report is still a running server
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # the master and its workers: its own session
    raise RuntimeError("gunicorn did not start")


# --- Load generator: wrk when installed, else our own keep-alive asyncio client ------------


async def _connection(
    host: str,
    port: int,
    path: str,
    cookies: list[str],
    offset: int,
    stop_at: float,
    warm_until: float,
    out: list[tuple[float, int]],
) -> None:
    import asyncio

    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while True:
            now = time.monotonic()
            if now >= stop_at:
                return
            cookie = cookies[i % len(cookies)]
            i += 7919  # a prime stride: consecutive requests come from different teachers
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
                "Connection: keep-alive\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = None
            chunked = False
            for line in head.split(b"\r\n"):
                name, _sep, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            elif length:
                await reader.readexactly(length)
            done = time.monotonic()
            if now >= warm_until:
                out.append((done - now, status))
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def _client_process(
    args: tuple[str, int, str, list[str], int, int, float, float],
) -> list[tuple[float, int]]:
    import asyncio

    host, port, path, cookies, connections, first, stop_at_wall, warm_wall = args
    # Wall-clock deadlines shared by every client process, turned into this process's clock.
    delta = time.monotonic() - time.time()
    out: list[tuple[float, int]] = []

    async def run() -> None:
        await asyncio.gather(
            *(
                _connection(
                    host,
                    port,
                    path,
                    cookies,
                    first + k,
                    stop_at_wall + delta,
                    warm_wall + delta,
                    out,
                )
                for k in range(connections)
            ),
            return_exceptions=True,
        )

    asyncio.run(run())
    return out


def load_python(
    port: int,
    path: str,
    cookies: list[str],
    connections: int,
    duration: int,
    processes: int,
    warmup: int,
) -> dict[str, float | int]:
    import multiprocessing

    start = time.time() + 1
    warm = start + warmup
    stop = warm + duration
    per = max(1, connections // processes)
    jobs = [("127.0.0.1", port, path, cookies, per, p * per, stop, warm) for p in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map_async(_client_process, jobs).get(timeout=duration + warmup + 60)
    samples = [s for part in parts for s in part]
    latencies = sorted(s[0] * 1000 for s in samples)
    if not latencies:
        raise RuntimeError("no responses")

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / duration, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "non_2xx": sum(1 for _, status in samples if not 200 <= status < 300),
    }


LUA = """
local cookies = {%s}
local n = #cookies
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "%s", {["Cookie"] = cookies[(i %% n) + 1]})
end
"""


def parse_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(
    port: int, path: str, cookies: list[str], connections: int, duration: int, warmup: int
) -> dict[str, float | int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(LUA % (",".join(f'"{c}"' for c in cookies), path))
    if warmup:
        run_wrk(port, lua.name, connections, warmup)
    out = run_wrk(port, lua.name, connections, duration)
    print(out, file=sys.stderr)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {p: parse_ms(v) for p, v in re.findall(r"\s(50|75|90|99)%\s+(\S+)", out)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": pct.get("50", 0.0),
        "p90_ms": pct.get("90", 0.0),
        "p99_ms": pct.get("99", 0.0),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def run_wrk(port: int, script: str, connections: int, duration: int) -> str:
    wrk = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            script,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    return wrk.stdout


def measure_server(
    args: argparse.Namespace, mode: str, course_id: int, cookies: list[str], use_wrk: bool
) -> dict[str, Any]:
    """Start one server, check the page, load the course page then the bare page, stop."""
    path = f"/lms/courses/{course_id}/"
    port = free_port()
    workers = args.workers or ((os.cpu_count() or 2) + (1 if mode == "wsgi" else 0))
    server = serve(port, mode, workers, args.threads)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookies[0]}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
            if response.status != 200 or "Bài 5.6" not in body:
                raise RuntimeError("the course page is not served")

        def measure(url: str) -> dict[str, Any]:
            if use_wrk:
                return load_wrk(port, url, cookies, args.connections, args.duration, args.warmup)
            return load_python(
                port, url, cookies, args.connections, args.duration, args.clients, args.warmup
            )

        figures = measure(path)
        baseline = None if args.no_baseline else measure("/bench/signed-in/")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return {
        "server": "gunicorn + UvicornWorker (config.asgi)"
        if mode == "asgi"
        else f"gunicorn gthread x{args.threads} (config.wsgi)",
        "workers": workers,
        "course_page": figures,
        # The same client, sessions and server on a page that only signs the user in.
        "baseline_signed_in_page": baseline,
        "ratio_to_baseline": round(figures["rps"] / baseline["rps"], 3)
        if baseline and baseline["rps"]
        else None,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument(
        "--server",
        choices=["asgi", "wsgi", "both"],
        default="both",
        help="asgi: production (docs/deploy.md); wsgi: Django's view alone; both: asgi first",
    )
    parser.add_argument("--workers", type=int, default=0, help="default: CPUs (+1 for wsgi)")
    parser.add_argument("--threads", type=int, default=2, help="wsgi threads per worker")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--clients", type=int, default=1, help="client processes (own client)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare signed-in page")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    use_wrk = bool(args.client == "wrk" or (args.client == "auto" and shutil.which("wrk")))
    started = time.monotonic()
    course_id, cookies = prepare(args.teachers)
    prepared = time.monotonic()
    modes = ["asgi", "wsgi"] if args.server == "both" else [args.server]
    results = {mode: measure_server(args, mode, course_id, cookies, use_wrk) for mode in modes}
    main_figures = results[modes[0]]
    print(
        json.dumps(
            {
                # The production server's figures first (asgi unless --server wsgi).
                **main_figures["course_page"],
                "server": main_figures["server"],
                "baseline_signed_in_page": main_figures["baseline_signed_in_page"],
                "ratio_to_baseline": main_figures["ratio_to_baseline"],
                "goal_met": main_figures["course_page"]["rps"] >= 1000
                and main_figures["course_page"]["p99_ms"] <= 200,
                "client": "wrk" if use_wrk else f"python-asyncio x{args.clients}",
                "teachers": len(cookies),
                "connections": args.connections,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "prepare_s": round(prepared - started, 1),
                "cpus": os.cpu_count(),
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                "servers": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
