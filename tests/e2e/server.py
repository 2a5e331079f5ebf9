"""Run the platform for real, in a subprocess, the way `./dev demo` does, for browser tests.

Each server gets its own SQLite file; a database migrated once per test session is copied for
each server, so starting one costs a file copy rather than a migration. `PostgresDatabases` and
`Server(..., asgi=True)` run the production stack instead: PostgreSQL, Redis and config.asgi
under uvicorn, where exam saves take the event-loop fast path (exams/fastpath.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(db: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**server_env(db), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def server_env(db: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        SQLITE_PATH=str(db),
        MEDIA_ROOT=str(db.parent / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """A platform process on a free loopback port; can be killed and restarted on the same DB."""

    def __init__(self, db: Path, env: dict[str, str] | None = None, *, asgi: bool = False) -> None:
        self.db = db
        self.port = free_port()
        self.env = env or {}
        self.asgi = asgi
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = db.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        if self.asgi:  # what production runs (gunicorn's uvicorn workers), one process
            command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
            command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=REPO,
                env={**server_env(self.db), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"server did not start:\n{self.log.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no graceful shutdown."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None


class DatabaseTemplates:
    """Migrated (and optionally demo-loaded) SQLite files, made once, copied per server."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[str, Path] = {}

    def copy(self, name: str, *, demo: bool = False) -> Path:
        key = "demo" if demo else "empty"
        if key not in self._made:
            path = self.root / f"template-{key}.sqlite3"
            manage(path, "migrate", "--noinput", "-v0")
            if demo:
                manage(path, "load_demo", "--quiet-logins")
            manage(path, "compilemessages_py", "-v0")
            self._made[key] = path
        target = self.root / name / "db.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self._made[key], target)
        return target


class PostgresDatabases:
    """Databases for servers on the production stack, on the PostgreSQL server of `admin_url`
    (the test run's DATABASE_URL): one migrated template per test session, copied per server
    (CREATE DATABASE … TEMPLATE), all dropped by `close()`. Their Redis is database 15 of the
    test run's Redis, which the tests' cache.clear() (a FLUSHDB of their own) leaves alone."""

    def __init__(self, admin_url: str, redis_url: str, root: Path) -> None:
        self.admin_url = admin_url
        self.redis_url = redis_url.rsplit("/", 1)[0] + "/15"
        self.root = root
        self.prefix = f"e2e_{os.getpid()}"
        self._made: list[str] = []
        self._template: str | None = None

    def env(self, name: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.admin_url.rsplit("/", 1)[0] + f"/{name}",
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }

    def copy(self, name: str) -> tuple[Path, dict[str, str]]:
        """A fresh migrated database: (a folder for the server's log and media, its env)."""
        if self._template is None:
            self._template = self._create(f"{self.prefix}_template")
            folder = self.root / "template"
            manage(folder, "migrate", "--noinput", "-v0", env=self.env(self._template))
            manage(folder, "compilemessages_py", "-v0")
        database = self._create(f"{self.prefix}_{name}", template=self._template)
        folder = self.root / name / "db"
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder, self.env(database)

    def _create(self, name: str, template: str | None = None) -> str:
        self._sql(f'DROP DATABASE IF EXISTS "{name}"')
        self._sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self._made.append(name)
        return name

    def close(self) -> None:
        for name in reversed(self._made):
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.clear()

    def _sql(self, statement: str) -> None:
        import psycopg

        # the maintenance database: the test run's own may not exist yet (pytest-django
        # creates test_<name>)
        maintenance = self.admin_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(statement)
