"""The hot requests of computer-based exams served straight from the event loop (production ASGI).

A room of candidates autosaves every few seconds, a whole session presses "start" in the same
second and submits at the same deadline. Through Django's request cycle (a thread hop, fourteen
middlewares, django-ninja) such a request cost 3 to 4 times more CPU than the statements it
runs, and on the 2-core test machine even a bare Django view doing one upsert topped out near
550 requests/s (bench/cbt). Here these three requests

    PUT  /api/v1/exams/attempts/{id}/answers
    POST /api/v1/exams/attempts/{id}/start
    POST /api/v1/exams/attempts/{id}/submit

are parsed with the endpoints' own schemas, counted against the same rate limits, decided by the
same functions as the Django endpoints (exams.services: plan_answers/check_answers_allowed for a
save, plan_start for a start, submit_needed/plan_submit for a submit, on the rows of the same
querysets, whose compiled SQL runs here) and written with psycopg's async pool, each in one short
transaction with its audit row; saves that arrive together share one (core.batching). Responses
are the endpoints' (exams.payloads.state_payload). After COMMIT, and only then, the proctor
consoles are told through the channel layer and the grading task is queued (Celery's send runs
in a thread, it blocks), as transaction.on_commit does there.

Only on PostgreSQL (the async driver is psycopg's) and only when EXAMS_FAST_ANSWERS is on; every
other request, and everything on another database, goes to Django unchanged. docs/exams.md has
the protocol; tests/exams/test_fastpath.py runs the protocol tests against both paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import types
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http.request import split_domain_port, validate_host
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.api import Batcher, asyncdb, audit, client_ip, ratelimit

from . import live, services
from .endpoints import SEB_HEADER, TOKEN_HEADER, AnswersIn, StartIn
from .models import Attempt
from .payloads import state_payload

logger = logging.getLogger("django.request")
PATH = re.compile(r"^/api/v1/exams/attempts/(\d+)/(answers|start|submit)$")
METHOD = {"answers": "PUT", "start": "POST", "submit": "POST"}
_TOKEN = TOKEN_HEADER.removeprefix("HTTP_").lower().replace("_", "-").encode()
_ATTEMPTS = Attempt._meta.db_table
_SELECT_MANY = (
    f"SELECT id, {', '.join(services.ATTEMPT_ROW_FIELDS)} FROM {_ATTEMPTS} "  # noqa: S608
    "WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
)
_UPSERT_MANY = services.upsert_many_sql()
Result = tuple[int, bytes, list[tuple[bytes, bytes]]]


def enabled() -> bool:
    return getattr(settings, "EXAMS_FAST_ANSWERS", False) and asyncdb.default_is_postgresql()


class _Sql:
    """The SQL of the services' querysets and of the writes, compiled once per process."""

    def __init__(self) -> None:
        self.start_row = _compiled(services.start_row_query)
        # The lock submit_attempt takes (select_for_update(of=self)); compiling a locking
        # queryset needs an open transaction, so the clause is added here.
        self.submit_row = _compiled(services.submit_row_query) + f' FOR UPDATE OF "{_ATTEMPTS}"'
        self.answers = _compiled(services.answers_query)
        started = services.start_changes(services.StartPlan(timezone.now(), None), timezone.now())
        self.start = (
            f"UPDATE {_ATTEMPTS} SET {', '.join(f'{k} = %s' for k in started)} "  # noqa: S608
            "WHERE id = %s AND state = %s RETURNING id"
        )
        self.code_failure = (
            f"UPDATE {_ATTEMPTS} SET code_failures = code_failures + 1 WHERE id = %s"  # noqa: S608
        )

    @staticmethod
    def update(fields: list[str]) -> str:
        return f"UPDATE {_ATTEMPTS} SET {', '.join(f'{k} = %s' for k in fields)} WHERE id = %s"  # noqa: S608


def _compiled(query: Callable[[int], Any]) -> str:
    sql, params = query(0).query.sql_with_params()
    if list(params) != [0]:  # the attempt id must be the only parameter
        raise RuntimeError(f"unexpected parameters {params!r} in {sql}")
    return sql


class _Context:
    """What Django's RequestContextMiddleware gives the audit log: address and request id."""

    def __init__(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> None:
        self.scope = scope
        self.headers = headers
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        self.request_id = (given or str(uuid.uuid4()))[:36]

    def ip(self) -> str | None:
        client = self.scope.get("client")
        meta = {
            "HTTP_X_FORWARDED_FOR": self.headers.get(b"x-forwarded-for", b"").decode("latin-1"),
            "REMOTE_ADDR": client[0] if client else "",
        }
        return client_ip(types.SimpleNamespace(META=meta))  # type: ignore[arg-type]


class FastExams:
    """ASGI middleware: takes the save, start and submit routes, passes the rest to `app`."""

    def __init__(self, app: Any, *, pool_size: int | None = None) -> None:
        self.app = app
        self.pool_size = pool_size or settings.EXAMS_FAST_ANSWERS_POOL_SIZE
        self._pools = asyncdb.LoopPools("exams-fast", self.pool_size)
        self._sql: _Sql | None = None
        self._saves: Batcher[_Save, list[services.Ack]] = Batcher(
            self._write_batch, concurrency=settings.EXAMS_FAST_ANSWERS_BATCHES
        )

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        match = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != METHOD[match[2]] or not enabled():
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        context = _Context(scope, headers)
        extra: list[tuple[bytes, bytes]]
        with _in_language(_language(headers)):
            if not _host_allowed(headers):
                # What Django's CommonMiddleware would refuse (DisallowedHost).
                status, body, extra = 400, _json({"detail": _("Yêu cầu không hợp lệ.")}), []
            else:
                status, body, extra = await self._serve(
                    match[2], int(match[1]), scope, headers, receive, context
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
                    (b"x-request-id", context.request_id.encode("latin-1")),
                    (b"content-length", b"%d" % len(body)),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _serve(
        self,
        route: str,
        attempt_id: int,
        scope: dict[str, Any],
        headers: dict[bytes, bytes],
        receive: Any,
        context: _Context,
    ) -> Result:
        path = scope["path"]
        for limit in ratelimit.matching(METHOD[route], path):
            who = f"p{path}" if limit.per == "path" else f"ip{context.ip() or 'unknown'}"
            ok, retry_after = await ratelimit.ahit(
                f"{limit.name}:{who}", limit.requests, limit.seconds
            )
            if not ok:
                message = ratelimit.too_many_message(retry_after)
                return 429, _json({"detail": message}), [(b"retry-after", b"%d" % retry_after)]
        token = headers.get(_TOKEN, b"").decode("latin-1")
        raw = b""
        if route != "submit":  # submit takes no body; Django does not read it either
            read = await _body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            if read is None:
                return 413, _json({"detail": _("Dữ liệu gửi lên quá lớn.")}), []
            raw = read
        try:
            if route == "answers":
                payload = _parse(raw, AnswersIn)
                answers = [a.dict() for a in payload.answers]
                acks = await self._write(attempt_id, token, answers)
                out = [{"position": a.position, "seq": a.seq, "saved": a.saved} for a in acks]
                return 200, _json({"acks": out}), []
            if route == "start":
                start = _parse(raw, StartIn)
                request = ASGIRequest(scope, io.BytesIO(raw))
                data = await self._start(attempt_id, token, start.access_code, request, context)
            else:
                data = await self._submit_request(attempt_id, token, context)
            return 200, _json(data), []
        except _Refusal as refusal:
            return refusal.status, _json(refusal.body), []
        except services.ExamError as error:
            return error.status, _json({"detail": error.message, "code": error.code}), []
        except Exception:
            # Nothing was acknowledged, so the player keeps what it sent and sends it again.
            logger.exception("exam %s failed (attempt %s)", route, attempt_id)
            return 500, _json({"detail": _("Đã xảy ra lỗi.")}), []

    # --- answers --------------------------------------------------------------------------

    async def _write(
        self, attempt_id: int, token: str, answers: list[dict[str, Any]]
    ) -> list[services.Ack]:
        latest = services.plan_answers(answers)
        save = _Save(attempt_id, token, latest, timezone.now(), translation.get_language())
        return await self._saves.run(save)

    async def _write_batch(self, saves: list[_Save]) -> list[list[services.Ack] | Exception]:
        """The saves that arrived together (core.batching), written in as few transactions as
        possible. A transaction holds at most one save per attempt (a candidate's later save
        goes in the next one, so each is checked on the row as the earlier one left it); when a
        save is refused, its transaction is rolled back, the refusal is its answer, and the
        others are written again without it."""
        results: dict[int, list[services.Ack] | Exception] = {}
        waiting = list(range(len(saves)))
        while waiting:
            together: list[int] = []
            later: list[int] = []
            seen: set[int] = set()
            for index in waiting:
                attempt_id = saves[index].attempt_id
                (later if attempt_id in seen else together).append(index)
                seen.add(attempt_id)
            refused = await self._write_together([saves[i] for i in together])
            results.update({together[n]: error for n, error in refused.items()})
            if refused:
                later += [i for n, i in enumerate(together) if n not in refused]
            else:
                results.update({i: saves[i].acks for i in together})
            waiting = sorted(later)
        return [results[i] for i in range(len(saves))]

    async def _write_together(self, saves: list[_Save]) -> dict[int, Exception]:
        """One transaction, two round trips: BEGIN, the locking read of the attempt rows (in id
        order, so two transactions never wait on each other in a cycle) and the upsert go out
        together (pipeline mode); every save is checked on its row read, and only then COMMIT,
        or ROLLBACK (which undoes the upsert sent ahead) when any is refused. The locks are
        taken before the upsert runs, so a submission cannot slip in between, and nothing is
        acknowledged before the COMMIT returned. Returns the refusals by index in `saves`."""
        refused: dict[int, Exception] = {}
        writes = [(s.attempt_id, s.latest, s.now) for s in saves if s.latest]
        pool = await self._pool()
        async with pool.connection() as conn:
            try:
                async with conn.pipeline(), conn.transaction():
                    read = await conn.execute(_SELECT_MANY, [sorted({s.attempt_id for s in saves})])
                    upsert = None
                    if writes:
                        upsert = await conn.execute(
                            _UPSERT_MANY, services.upsert_many_params(writes)
                        )
                    rows = {
                        values[0]: dict(zip(services.ATTEMPT_ROW_FIELDS, values[1:], strict=True))
                        for values in await read.fetchall()
                    }
                    for index, save in enumerate(saves):
                        error = _refusal(save, rows.get(save.attempt_id))
                        if error is not None:
                            refused[index] = error
                    if refused:
                        raise _RollBack
                    stored: dict[int, set[int]] = {}
                    for attempt_id, position in await upsert.fetchall() if upsert else []:
                        stored.setdefault(attempt_id, set()).add(int(position))
            except _RollBack:
                return refused
        for save in saves:
            save.acks = services.acks_for(save.latest, stored.get(save.attempt_id, set()))
        return refused

    # --- start ----------------------------------------------------------------------------

    async def _start(
        self,
        attempt_id: int,
        token: str,
        access_code: str,
        request: ASGIRequest,
        context: _Context,
    ) -> dict[str, Any]:
        """services.start_attempt on the event loop."""
        from psycopg.rows import dict_row

        now = timezone.now()
        ip = client_ip(request)
        sql = self._compiled()
        pool = await self._pool()
        after: list[Callable[[], Awaitable[None]]] = []
        async with pool.connection() as conn:
            row = await _one(conn, sql.start_row, attempt_id, dict_row)
            if row is None:
                raise services.ExamError("not_found", _("Không tìm thấy."), 404)
            try:
                plan = services.plan_start(
                    row,
                    token,
                    access_code=access_code,
                    ip=ip,
                    url=request.build_absolute_uri(),
                    seb_header=request.META.get(SEB_HEADER),
                    now=now,
                )
            except services.WrongCode:
                await conn.execute(sql.code_failure, [attempt_id])
                raise
            attempt: Attempt | None = None
            if plan is None:
                if services.expired(row, now):
                    await self._submit(conn, attempt_id, None, "server", now, context, after)
            else:
                changes = services.start_changes(plan, now)
                started = services.attempt_from_row(attempt_id, row, **changes)
                # One statement, so one round trip and its own transaction: the UPDATE, and the
                # audit row only if the UPDATE changed the attempt (else a concurrent start won).
                logged, params = audit.insert_sql(
                    self._audit_row(
                        "exams.attempt.start",
                        started,
                        services.start_audit_after(plan, ip),
                        now,
                        context,
                    ),
                    after="started",
                )
                cursor = await conn.execute(
                    f"WITH started AS ({sql.start}) {logged}",
                    [*changes.values(), attempt_id, Attempt.State.READY.value, *params],
                )
                if cursor.rowcount == 1:
                    attempt = started
                if attempt is not None:
                    room, exam = row["room_id"], row["exam_id"]
                    after.append(lambda: live.apush_room(room, exam, event="start"))
            if attempt is None:  # already started, or a concurrent start won
                fresh = await _one(conn, sql.start_row, attempt_id, dict_row)
                attempt = services.attempt_from_row(attempt_id, fresh)
        await _run_after(after)
        return state_payload(attempt, now)

    # --- submit ---------------------------------------------------------------------------

    async def _submit_request(
        self, attempt_id: int, token: str, context: _Context
    ) -> dict[str, Any]:
        """services.submit_attempt(token=…) on the event loop."""
        now = timezone.now()
        pool = await self._pool()
        after: list[Callable[[], Awaitable[None]]] = []
        async with pool.connection() as conn:
            attempt = await self._submit(conn, attempt_id, token, "candidate", now, context, after)
        await _run_after(after)
        return state_payload(attempt, now)

    async def _submit(
        self,
        conn: Any,
        attempt_id: int,
        token: str | None,
        by: str,
        now: Any,
        context: _Context,
        after: list[Callable[[], Awaitable[None]]],
    ) -> Attempt:
        """One transaction: lock the attempt, decide, write it and its audit row. What is to
        happen after the commit is appended to `after`."""
        from psycopg.rows import dict_row

        sql = self._compiled()
        # Pipeline mode: BEGIN, the locking read and the answers' read go out together (the
        # answers are read once the lock is held: statements run in order), then the writes
        # and COMMIT. Two round trips instead of six.
        async with conn.pipeline(), conn.transaction():
            read = conn.cursor(row_factory=dict_row)
            await read.execute(sql.submit_row, [attempt_id])
            stored = await conn.execute(sql.answers, [attempt_id])
            row = await read.fetchone()
            if row is None:
                raise services.ExamError("not_found", _("Không tìm thấy."), 404)
            if token is not None:
                services.check_token(row["token_hash"], token)
            if not services.submit_needed(row, by=by):
                return services.attempt_from_row(attempt_id, row)
            answers = [(p, r) for p, r in await stored.fetchall()]
            values = services.plan_submit(row, attempt_id, answers, by=by, now=now)
            await conn.execute(sql.update(list(values)), [*values.values(), attempt_id])
            attempt = services.attempt_from_row(attempt_id, row, **values)
            await self._audit(
                conn,
                "exams.attempt.submit",
                attempt,
                services.submit_audit_after(by, values, len(answers)),
                now,
                context,
            )
        room, exam = row["room_id"], row["exam_id"]
        after.append(lambda: live.apush_room(room, exam, event="submit"))
        after.append(lambda: _grades.run(attempt_id))
        return attempt

    async def _audit(
        self,
        conn: Any,
        action: str,
        attempt: Attempt,
        after: dict[str, Any],
        now: Any,
        context: _Context,
    ) -> None:
        await conn.execute(*audit.insert_sql(self._audit_row(action, attempt, after, now, context)))

    @staticmethod
    def _audit_row(
        action: str, attempt: Attempt, after: dict[str, Any], now: Any, context: _Context
    ) -> Any:
        """The row core.audit.record writes for `attempt` with the candidate as actor."""
        return audit.event(
            action,
            attempt,
            actor=attempt.candidate.user,
            after=after,
            ip=context.ip(),
            request_id=context.request_id,
            at=now,
        )

    # --- pool -----------------------------------------------------------------------------

    def _compiled(self) -> _Sql:
        if self._sql is None:
            self._sql = _Sql()
        return self._sql

    async def _pool(self) -> Any:
        return await self._pools.get()

    async def aclose(self) -> None:
        """Close this loop's pool (tests; a worker's pool goes with its process)."""
        await self._pools.aclose()


@dataclass
class _Save:
    attempt_id: int
    token: str
    latest: dict[int, dict[str, Any]]
    now: Any
    language: str
    acks: list[services.Ack] = field(default_factory=list)


def _refusal(save: _Save, row: dict[str, Any] | None) -> services.ExamError | None:
    """Why `save` may not be written on `row` (its attempt read under lock), in its language."""
    with _in_language(save.language):
        try:
            if row is None:
                raise services.ExamError("not_found", _("Không tìm thấy."), 404)
            services.check_answers_allowed(row, save.token, save.latest, save.now)
        except services.ExamError as error:
            return error
    return None


class _RollBack(Exception):
    """Leaves a batch's transaction, rolled back, when one of its saves is refused."""


class _Refusal(Exception):
    """A request django-ninja would refuse before the endpoint runs (body, schema)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _parse(raw: bytes, schema: type[pydantic.BaseModel]) -> Any:
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        # As config.api answers django-ninja's unreadable body.
        detail = _("Không đọc được dữ liệu gửi lên: nội dung không phải JSON hợp lệ.")
        raise _Refusal(400, {"detail": detail}) from None
    if data is None:  # an empty body, as django-ninja reports it
        missing = {"type": "missing", "loc": ["body", "payload"], "msg": "Field required"}
        raise _Refusal(422, {"detail": [missing]})
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as error:
        # The shape django-ninja gives a body that does not match the schema.
        errors = [
            {"type": e["type"], "loc": ["body", "payload", *e["loc"]], "msg": e["msg"]}
            for e in error.errors(include_url=False)
        ]
        raise _Refusal(422, {"detail": errors}) from None


async def _one(conn: Any, sql: str, attempt_id: int, row_factory: Any) -> Any:
    cursor = conn.cursor(row_factory=row_factory)
    await cursor.execute(sql, [attempt_id])
    return await cursor.fetchone()


async def _run_after(jobs: list[Callable[[], Awaitable[None]]]) -> None:
    """After the commit, as transaction.on_commit: a failure here is logged, not answered with
    an error, since what the candidate did is already stored."""
    for job in jobs:
        try:
            await job()
        except Exception:
            logger.exception("exam side effect after commit failed")


async def _send_grades(attempt_ids: list[int]) -> list[None]:
    from .tasks import grade_attempts

    # Sending to the broker blocks (a socket to Redis): a thread, not the event loop.
    await asyncio.get_running_loop().run_in_executor(None, grade_attempts.delay, attempt_ids)
    return [None] * len(attempt_ids)


# A submission's grading waits up to 0.1 s for others to go in the same message: in a submit
# burst one send to the broker per submission took ~15 % of a worker, and a send finished long
# before the next submission came, so without the wait nothing went together.
_grades: Batcher[int, None] = Batcher(_send_grades, linger=0.1)


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


def _in_language(language: str) -> Any:
    # Switching the language (context variables set and reset) showed as 4 % of a worker's
    # time under the save load: only when it is not already the active one.
    if language == translation.get_language():
        return contextlib.nullcontext()
    return translation.override(language)


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
