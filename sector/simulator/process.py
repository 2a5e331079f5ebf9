"""Starting and stopping the simulator as a child process (tests, bench, demo)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimulatorProcess:
    def __init__(
        self, db: str | Path, port: int | None = None, *args: str, log: str | Path | None = None
    ) -> None:
        self.db = str(db)
        self.port = port or free_port()
        self.args = list(args)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_within: float = 20.0) -> SimulatorProcess:
        command = [
            sys.executable,
            "-m",
            "sector.simulator",
            "--port",
            str(self.port),
            "--db",
            self.db,
            *self.args,
        ]
        # A detached simulator must not hold the caller's stdout/stderr open.
        stderr = open(self.log, "ab") if self.log else None  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO
        )
        if stderr is not None:
            stderr.close()
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"simulator exited with {self.proc.returncode}")
            try:
                httpx.get(f"{self.url}/admin/stats", timeout=1.0)
                return self
            except httpx.TransportError:
                time.sleep(0.05)  # waiting for the port to open, not for timing
        self.stop()
        raise RuntimeError("simulator did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def admin(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = httpx.request(method, f"{self.url}/admin/{path}", timeout=10.0, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response

    def stats(self) -> dict[str, object]:
        return dict(self.admin("GET", "stats").json())
