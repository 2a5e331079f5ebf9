"""The web processes under test: gunicorn with uvicorn workers on loopback, and their cleanup.

Every server runs in a session of its own (so a Ctrl-C in the terminal reaches only the
harness, which then stops them) and dies with the harness even when the harness is SIGKILLed
(PR_SET_PDEATHSIG on the gunicorn master; its workers exit when their parent goes).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: a new session, and SIGKILL when we die.
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class WebServer:
    """`gunicorn <app> -k uvicorn.workers.UvicornWorker -w N` with the given environment."""

    live: set[WebServer] = set()

    def __init__(self, env: dict[str, str], *, workers: int, port: int, log: Path) -> None:
        self.env = env
        self.workers = workers
        self.port = port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180) -> float:
        """Start and wait until /healthz answers; returns the seconds it took."""
        began = time.monotonic()
        self.spawn()
        self.wait_ready(timeout)
        return time.monotonic() - began

    def spawn(self) -> None:
        """Start the processes. Call it from the main thread: PDEATHSIG follows the forking
        thread, so a server forked from a pool thread would die with that thread."""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "config.asgi:application",
                    "-k",
                    "uvicorn.workers.UvicornWorker",
                    "-w",
                    str(self.workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--backlog",
                    "4096",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        WebServer.live.add(self)

    def wait_ready(self, timeout: float = 180) -> None:
        began = time.monotonic()
        assert self.proc is not None
        while time.monotonic() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early, see {self.log}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers: a degraded health report is still a running server
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not start in {timeout:.0f} s:\n{self.tail()}")
        self.warm()

    def warm(self) -> None:
        # Every worker imports lazily on its first request; touch each one a few times.
        for _ in range(self.workers * 4):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.url}/healthz", timeout=10).close()

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            return [int(p) for p in children.read_text().split()]
        return []

    def kill(self) -> int:
        """SIGKILL the whole group at once, master and workers, as a crash would."""
        if self.proc is None:
            return 0
        pids = [self.proc.pid, *self.worker_pids()]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None
        WebServer.live.discard(self)
        return len(pids)

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        # Workers that outlived their master would keep the session; sweep it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None
        WebServer.live.discard(self)

    def tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-chars:]
        return ""

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.live):
            server.stop()


class PgConnections:
    """Samples how many PostgreSQL connections the database under test holds (max seen)."""

    def __init__(self, url: str, name: str, every: float = 0.25) -> None:
        self.url, self.name, self.every = url, name, every
        self.max = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PgConnections:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        with contextlib.suppress(Exception), psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name]
                ).fetchone()
                self.max = max(self.max, int(row[0]) - 1 if row else 0)
                self._stop.wait(self.every)
