"""Run the test identity provider (tests/oidc_provider) as a real server on a loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.server import free_port
from tests.oidc_provider.serve import CLIENT_ID, CLIENT_SECRET

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Person:
    username: str
    password: str
    national_id: str = ""
    name: str = ""


class Provider:
    def __init__(self, workdir: Path, people: list[Person], redirect_uris: list[str]) -> None:
        self.workdir = workdir
        self.people = people
        self.redirect_uris = redirect_uris
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "oidc-provider.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def platform_env(self, claim: str = "national_id") -> dict[str, str]:
        """The OIDC_* variables that point the platform at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/o/authorize/",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/o/token/",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/o/userinfo/",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/o/.well-known/jwks.json",
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": "openid profile",
            "OIDC_NATIONAL_ID_CLAIM": claim,
        }

    def start(self, timeout: float = 60) -> Provider:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            OIDC_PROVIDER_DB=str(self.workdir / "provider.sqlite3"),
            OIDC_PROVIDER_PEOPLE=json.dumps([p.__dict__ for p in self.people]),
            PYTHONUNBUFFERED="1",
        )
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.oidc_provider.serve",
                    str(self.port),
                    *self.redirect_uris,
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"provider exited early:\n{self.log.read_text()[-4000:]}")
            try:
                jwks = f"{self.url}/o/.well-known/jwks.json"
                with urllib.request.urlopen(jwks, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"provider did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
