"""Answer saves of computer-based exams served straight from the event loop (production ASGI).

A room of candidates autosaves every few seconds, so during an exam this one request is most of
the traffic. Through Django's request cycle (a thread hop, fourteen middlewares, django-ninja) a
save cost 3 to 4 times more CPU than the statement it runs, and on the 2-core test machine even
a bare Django view doing one upsert topped out near 550 saves/s (bench/cbt). Here the same
request, `PUT /api/v1/exams/attempts/{id}/answers`, is parsed with the endpoint's own schema,
counted against the same rate limit and checked by the same functions as the Django endpoint
(exams.services), then written with psycopg's async pool in one transaction: the attempt row
locked against submission, one upsert. The acknowledgement is sent after COMMIT, as before.

Only on PostgreSQL (the async driver is psycopg's) and only when EXAMS_FAST_ANSWERS is on; every
other request, and every save on another database, goes to Django unchanged. docs/exams.md has
the protocol; tests/exams/test_fastpath.py runs the protocol tests against both paths.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic
from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.api import ratelimit

from . import services
from .endpoints import TOKEN_HEADER, AnswersIn
from .models import Attempt

logger = logging.getLogger("django.request")
PATH = re.compile(r"^/api/v1/exams/attempts/(\d+)/answers$")
_TOKEN = TOKEN_HEADER.removeprefix("HTTP_").lower().replace("_", "-").encode()
_SELECT = (
    f"SELECT {', '.join(services.ATTEMPT_ROW_FIELDS)} FROM {Attempt._meta.db_table} "  # noqa: S608
    "WHERE id = %s FOR NO KEY UPDATE"
)


def enabled() -> bool:
    return (
        getattr(settings, "EXAMS_FAST_ANSWERS", False)
        and connections["default"].vendor == "postgresql"
    )


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
    }
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


class FastAnswers:
    """ASGI middleware: takes the answer-save route, passes everything else to `app`."""

    def __init__(self, app: Any, *, pool_size: int | None = None) -> None:
        self.app = app
        self.pool_size = pool_size or settings.EXAMS_FAST_ANSWERS_POOL_SIZE
        # One pool per event loop (one per worker process in production), opened once: a
        # burst of first requests all await the same opening task.
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any]] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        match = (
            PATH.match(scope["path"])
            if scope["type"] == "http" and scope["method"] == "PUT" and enabled()
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        extra: list[tuple[bytes, bytes]]
        with translation.override(_language(headers)):
            if not _host_allowed(headers):
                # What Django's CommonMiddleware would refuse (DisallowedHost).
                status, body, extra = 400, _json({"detail": _("Yêu cầu không hợp lệ.")}), []
            else:
                status, body, extra = await self._save(
                    int(match[1]), scope["path"], headers, receive
                )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _save(
        self, attempt_id: int, path: str, headers: dict[bytes, bytes], receive: Any
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        for limit in ratelimit.matching("PUT", path):
            ok, retry_after = await ratelimit.ahit(
                f"{limit.name}:p{path}", limit.requests, limit.seconds
            )
            if not ok:
                message = ratelimit.too_many_message(retry_after)
                return 429, _json({"detail": message}), [(b"retry-after", b"%d" % retry_after)]
        raw = await _body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if raw is None:
            return 413, _json({"detail": _("Dữ liệu gửi lên quá lớn.")}), []
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            # As config.api answers django-ninja's unreadable body.
            detail = _("Không đọc được dữ liệu gửi lên: nội dung không phải JSON hợp lệ.")
            return 400, _json({"detail": detail}), []
        if data is None:  # an empty body, as django-ninja reports it
            missing = {"type": "missing", "loc": ["body", "payload"], "msg": "Field required"}
            return 422, _json({"detail": [missing]}), []
        try:
            payload = AnswersIn.model_validate(data)
        except pydantic.ValidationError as error:
            # The shape django-ninja gives a body that does not match the schema.
            errors = [
                {"type": e["type"], "loc": ["body", "payload", *e["loc"]], "msg": e["msg"]}
                for e in error.errors(include_url=False)
            ]
            return 422, _json({"detail": errors}), []
        token = headers.get(_TOKEN, b"").decode("latin-1")
        try:
            acks = await self._write(attempt_id, token, [a.dict() for a in payload.answers])
        except services.ExamError as error:
            return error.status, _json({"detail": error.message, "code": error.code}), []
        except Exception:
            # Nothing was acknowledged, so the player keeps the answers and resends them.
            logger.exception("answer save failed (attempt %s)", attempt_id)
            return 500, _json({"detail": _("Đã xảy ra lỗi.")}), []
        out = [{"position": a.position, "seq": a.seq, "saved": a.saved} for a in acks]
        return 200, _json({"acks": out}), []

    async def _write(
        self, attempt_id: int, token: str, answers: list[dict[str, Any]]
    ) -> list[services.Ack]:
        now = timezone.now()
        latest = services.plan_answers(answers)
        pool = await self._pool()
        async with pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(_SELECT, [attempt_id])
            values = await cursor.fetchone()
            if values is None:
                raise services.ExamError("not_found", _("Không tìm thấy."), 404)
            row = dict(zip(services.ATTEMPT_ROW_FIELDS, values, strict=True))
            # Raising inside the block rolls back and releases the lock.
            services.check_answers_allowed(row, token, latest, now)
            if not latest:
                return []
            cursor = await conn.execute(
                services.upsert_sql(len(latest), "postgresql"),
                services.upsert_params(attempt_id, latest, now),
            )
            stored = {int(p) for p, _s in await cursor.fetchall()}
        return services.acks_for(latest, stored)

    async def _pool(self) -> Any:
        loop = asyncio.get_running_loop()
        opening = self._pools.get(loop)
        if opening is None:
            opening = self._pools[loop] = loop.create_task(self._open())
        return await opening

    async def _open(self) -> Any:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            _conninfo(),
            min_size=1,
            max_size=self.pool_size,
            kwargs={"autocommit": True},
            open=False,
            name="exams-fast-answers",
        )
        await pool.open()
        return pool

    async def aclose(self) -> None:
        """Close this loop's pool (tests; a worker's pool goes with its process)."""
        opening = self._pools.pop(asyncio.get_running_loop(), None)
        if opening is not None:
            await (await opening).close()


async def _body(receive: Any, limit: int | None) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _host_allowed(headers: dict[bytes, bytes]) -> bool:
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _language(headers: dict[bytes, bytes]) -> str:
    """The language switch's cookie, else Vietnamese (as core.middleware.LocaleMiddleware)."""
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    name = settings.LANGUAGE_COOKIE_NAME
    for part in cookie.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name and value in dict(settings.LANGUAGES):
            return value
    return settings.LANGUAGE_CODE


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
