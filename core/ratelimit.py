"""Rate limits per person or per client address, counted in the configured cache (Redis in
production, so every process shares the counts).

The limits live in settings.RATE_LIMITS as (name, method, path regex, per "ip", "user" or "path",
requests, seconds); another app's endpoint is limited by adding a line there, not by editing it.
A request over its limit gets 429 with a Vietnamese message (JSON `detail` under /api/).
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .batching import Batcher
from .middleware import client_ip


@dataclass(frozen=True)
class Limit:
    name: str
    method: str
    path: re.Pattern[str]
    per: str
    requests: int
    seconds: int


@cache
def _limits(config: tuple[tuple[str, str, str, str, int, int], ...]) -> list[Limit]:
    return [Limit(n, m.upper(), re.compile(p), per, r, s) for n, m, p, per, r, s in config]


def limits() -> list[Limit]:
    return _limits(tuple(tuple(x) for x in getattr(settings, "RATE_LIMITS", ())))


def hit(key: str, requests: int, seconds: int) -> tuple[bool, int]:
    """Count one request in the current window; (allowed, seconds until the window ends)."""
    window = int(time.time()) // seconds
    cache_key = f"ratelimit:{key}:{window}"
    # incr first: the common case (window already open) costs one cache call, not three.
    try:
        count = default_cache.incr(cache_key)
    except ValueError:
        if default_cache.add(cache_key, 1, timeout=seconds + 1):
            count = 1
        else:  # another process opened the window meanwhile
            count = default_cache.incr(cache_key)
    return count <= requests, seconds - int(time.time()) % seconds


_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
    weakref.WeakKeyDictionary()
)


def _async_redis() -> Any:
    """redis.asyncio client on the cache's Redis for the running loop; None when the cache is
    not Redis (then the in-process cache has no I/O to wait for)."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith(".RedisCache"):
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        import redis.asyncio

        location = config["LOCATION"]
        url = location if isinstance(location, str) else location[0]
        client = redis.asyncio.Redis.from_url(url)
        _async_clients[loop] = client
    return client


async def ahit(key: str, requests: int, seconds: int) -> tuple[bool, int]:
    """hit() for code on the event loop: the same counters, without blocking the loop. Calls
    made while others are on their way to Redis go together in one pipeline (core.batching)."""
    if _async_redis() is None:
        return hit(key, requests, seconds)
    return await _hits.run((key, requests, seconds))


async def _hit_many(items: list[tuple[str, int, int]]) -> list[tuple[bool, int]]:
    client = _async_redis()
    now = int(time.time())
    keys = [default_cache.make_key(f"ratelimit:{k}:{now // s}") for k, _r, s in items]
    async with client.pipeline(transaction=False) as pipe:
        for full in keys:
            pipe.incr(full)
        counts = [int(c) for c in await pipe.execute()]
    opened = [(full, s) for full, c, (_k, _r, s) in zip(keys, counts, items, strict=True) if c == 1]
    if opened:
        async with client.pipeline(transaction=False) as pipe:
            for full, seconds in opened:
                pipe.expire(full, seconds + 1)
            await pipe.execute()
    return [(c <= r, s - now % s) for c, (_k, r, s) in zip(counts, items, strict=True)]


_hits: Batcher[tuple[str, int, int], tuple[bool, int]] = Batcher(_hit_many)


def matching(method: str, path: str) -> list[Limit]:
    return [limit for limit in limits() if method == limit.method and limit.path.match(path)]


def too_many_message(retry_after: int) -> str:
    return _("Bạn thao tác quá nhanh. Vui lòng thử lại sau %(seconds)s giây.") % {
        "seconds": retry_after
    }


def _who(request: HttpRequest, per: str) -> str | None:
    if per == "path":
        # One attempt per URL: limits a candidate's own answer stream whatever the address
        # (a whole exam room may share one NAT address) or the kind of credential.
        return f"p{request.path_info}"
    if per == "user":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"u{user.pk}"
        # Bearer-token calls are not signed in yet here: fall back to the address.
    return f"ip{client_ip(request) or 'unknown'}"


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = too_many_message(retry_after)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """After authentication, so limits per person see who is signed in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for limit in matching(request.method or "", request.path_info):
            who = _who(request, limit.per)
            ok, retry_after = hit(f"{limit.name}:{who}", limit.requests, limit.seconds)
            if not ok:
                return too_many(request, retry_after)
        return self.get_response(request)
