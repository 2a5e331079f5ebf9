"""Where packages run: a separate origin, reached with a signed per-attempt token, not cookies.

Package JavaScript is third-party code. It is served from CONTENT_PLAY_ORIGIN (a second host
name in production), so it can neither read the platform's cookies nor call the platform API
with the learner's session: it only knows the token of its own attempt, which lets it commit
run-time data for that attempt and nothing else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

SALT = "content.play"
MAX_AGE = 12 * 3600


def play_origin(request: HttpRequest) -> str:
    """The origin packages are served from; the platform's own only when none is configured."""
    configured = getattr(settings, "CONTENT_PLAY_ORIGIN", "")
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.get_host()}"


def platform_origins() -> list[str]:
    return list(getattr(settings, "CONTENT_PLATFORM_ORIGINS", []))


def on_play_host(request: HttpRequest) -> bool:
    configured = getattr(settings, "CONTENT_PLAY_ORIGIN", "")
    return not configured or urlsplit(configured).netloc == request.get_host()


def token_for(attempt_id: int) -> str:
    return signing.dumps({"a": attempt_id}, salt=SALT, compress=True)


def attempt_id(token: str) -> int | None:
    try:
        data: Any = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return int(data["a"]) if isinstance(data, dict) and "a" in data else None
