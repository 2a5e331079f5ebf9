"""Peak PD load: many enrolled teachers open the same PD course page at once.

    .venv/bin/python bench/lms/course_page_bench.py --teachers 2000 --workers 2 \
        --connections 64 --duration 30

Production configuration on loopback: PostgreSQL (DATABASE_URL, default a database of its own),
Redis (REDIS_URL, default db 7) for cache, gunicorn (gthread workers, 4 threads each, so the
database sees a bounded number of connections) serving config.wsgi with
config.settings.production. Under ASGI every sync view thread holds its own PostgreSQL
connection and 64 connections exhausted max_connections=100 on the shared server. Load comes
from `wrk` (apt-get install wrk), each request signed in as a different enrolled teacher (one
session cookie per teacher). Prints one JSON line: requests/s, latency percentiles, non-2xx
count, and the goal's verdict (≥ 1,000 req/s with p99 ≤ 200 ms).
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

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_bench"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 32),
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
}


def prepare(teachers: int) -> tuple[int, list[str]]:
    """Migrate, then make one PD course and `teachers` enrolled teachers with sessions."""
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from django.core.management import call_command

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
    if not Progress.objects.filter(activity__module__course=course).exists():
        for u in people[: teachers // 2]:
            for activity in first:
                services.record_view(u, activity)
    cookies = []
    for u in people:
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s.create()
        cookies.append(str(s.session_key))
    return course.pk, cookies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "-k",
            "gthread",
            "--threads",
            "4",
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
    proc.kill()
    raise RuntimeError("gunicorn did not start")


LUA = """
local cookies = {%s}
local n = #cookies
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "%s", {["Cookie"] = "sessionid=" .. cookies[(i %% n) + 1]})
end
"""


def parse_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=30)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    course_id, cookies = prepare(args.teachers)
    path = f"/lms/courses/{course_id}/"
    port = free_port()
    server = serve(port, args.workers)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={cookies[0]}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
            if response.status != 200 or "Bài 5.6" not in body:
                raise RuntimeError("the course page is not served")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(LUA % (",".join(f'"{c}"' for c in cookies), path))
        wrk = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "--timeout",
                "5s",
                "-s",
                lua.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    out = wrk.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {p: parse_ms(v) for p, v in re.findall(r"\s(50|75|90|99)%\s+(\S+)", out)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures = {
        "rps": rps,
        "p50_ms": pct.get("50"),
        "p90_ms": pct.get("90"),
        "p99_ms": pct.get("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "teachers": len(cookies),
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "goal_met": rps >= 1000 and (pct.get("99") or 1e9) <= 200,
    }
    print(wrk.stdout, file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
