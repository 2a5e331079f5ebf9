"""The course page of a signed-in, enrolled learner served from the event loop (production ASGI).

At peak thousands of teachers open the same PD course page. Through Django's request cycle (a
thread hop, fifteen middlewares, the session, the user, three queries, the template frame) this
2-core machine served about as many of them as it serves a bare signed-in page, well under the
goal (bench/lms). Here `GET /lms/courses/<id>/` is answered without entering Django:

1. The session is read from Redis exactly where the cache-backed session engines keep it; the
   session must be a password sign-in (ModelBackend) that owes no second factor and has no
   pending messages.
2. One PostgreSQL statement (psycopg's async pool) gives what Django would check and what the
   page shows: the user's password hash (the session's auth hash must still match it, as
   django.contrib.auth.get_user checks), `is_active`, their name, the course row with its
   `outline_version`, the enrolment, whether they might manage the course, and their completed
   activities.
3. Those values, with the language and the scheme, make the key of a page Django rendered
   earlier for this user in exactly that state. The page is stored with its CSRF tokens cut
   out; each response gets fresh tokens masked from the request's own CSRF cookie, as Django's
   `get_token` makes them, and its own X-Request-ID.

A page is only stored from Django's own response for this request: the view reports the state
it rendered (`report_state`), and the response is kept only when that equals the state read in
step 2, the status is 200 and nothing sets a cookie. A progress write, an outline change (its
version), a name change, a new password or another language therefore changes the key, and the
page is never stale. Anything unusual (no CSRF cookie yet, a query string, another sign-in
backend, a manager of the course, a missing row, a cache miss) goes to Django unchanged, so
every refusal (sign-in redirect, 404, second factor) is Django's own.

Only on PostgreSQL with the Redis cache and a cache-backed session engine, and only when
LMS_FAST_COURSE_PAGE is on. tests/lms/test_fastpage.py compares both paths.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import pickle
import re
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, parse_cookie
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.html import escape

from core.api import User, asyncdb, ratelimit

from . import structure
from .access import ADMINS
from .models import Activity, Course, CourseEnrolment, Module, Progress

logger = logging.getLogger("django.request")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# The view writes the state it rendered here (Django's ASGIRequest keeps the scope it was given).
SCOPE_KEY = "lms.fastpage"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SECOND_FACTOR_KEY = "second_factor_required"  # core.twofactor.SESSION_KEY
TIMEOUT = 3600
POOL_SIZE = 4
LOCAL_ENTRIES = 512  # frames and blocks kept in each worker process (least recently used go)
_SESSION_KEY_RE = re.compile(r"^[a-z0-9]{32}$")
_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)
_MASKED = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % (2 * CSRF_SECRET_LENGTH))
_SERIALIZER = RedisSerializer()
_CSRF, _NAME, _BODY = 0, 1, 2  # places in a stored frame
_NAME_BEFORE, _NAME_AFTER = b'data-testid="current-user">', b"</span>"  # templates/base.html
_INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}
# A random byte below 248 (4 x 62) stands for the allowed character of its remainder; the few
# bytes above are dropped, so every character is equally likely.
_EVEN = 256 - 256 % len(CSRF_ALLOWED_CHARS)
_TO_CHAR = bytes(ord(CSRF_ALLOWED_CHARS[b % len(CSRF_ALLOWED_CHARS)]) for b in range(256))
_UNEVEN = bytes(range(_EVEN, 256))
# _SHIFT[secret character][mask character]: the cipher character (the sum of their places).
_SHIFT = [bytearray(256) for _ in range(256)]
for _c, _i in _INDEX.items():
    for _m, _j in _INDEX.items():
        _SHIFT[ord(_c)][ord(_m)] = ord(CSRF_ALLOWED_CHARS[(_i + _j) % len(CSRF_ALLOWED_CHARS)])


def _redis_url() -> str | None:
    """The default cache's one Redis server (RedisCache splits LOCATION on , and ;)."""
    location = settings.CACHES["default"].get("LOCATION")
    if isinstance(location, str) and not re.search("[;,]", location):
        return location
    return None


def enabled() -> bool:
    # The switch is read on every request (tests flip it); what it stands on is looked up once
    # (a few dictionary lookups per request add up at this rate), again when settings change.
    if not getattr(settings, "LMS_FAST_COURSE_PAGE", False):
        return False
    if _SETUP[0] is None:
        _SETUP[0] = _setup_allows()
    return bool(_SETUP[0])


_SETUP: list[bool | None] = [None]


@receiver(setting_changed)
def _forget_setup(**kwargs: Any) -> None:
    _SETUP[0] = None
    _session_auth_hash.cache_clear()  # it depends on SECRET_KEY


def _setup_allows() -> bool:
    cache = caches["default"]
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    return bool(
        asyncdb.default_is_postgresql()
        and isinstance(cache, RedisCache)
        and _redis_url() is not None
        and session_cache is cache
        and settings.SESSION_ENGINE
        in ("django.contrib.sessions.backends.cached_db", "django.contrib.sessions.backends.cache")
        and not settings.SESSION_SAVE_EVERY_REQUEST
        and not settings.CSRF_USE_SESSIONS
        and MODEL_BACKEND in settings.AUTHENTICATION_BACKENDS
    )


@functools.lru_cache(maxsize=4096)
def _session_auth_hash(password: str) -> str:
    """What get_user compares with the session's hash (it depends on the password hash and the
    secret key alone): made once per password, not once per request."""
    return User(password=password).get_session_auth_hash()


def page_state(
    *,
    user: tuple[int, str, str, bool],
    course: tuple[int, int, str, str, str, int],
    done: Iterable[int],
    language: str,
    secure: bool,
) -> str:
    """Everything the page of an enrolled learner who does not manage the course shows:
    (id, username, full name, is_staff), (id, outline version, title, description, kind,
    periods), their completed activities, the language and the scheme (HSTS)."""
    raw = repr((user, course, tuple(sorted(done)), language, secure)).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def report_state(request: Any, course: Course, done: Iterable[int], body: str) -> None:
    """Called by the course view for an enrolled learner who does not manage the course: tells
    the fast path what this response shows, so it may keep the page (only on its own misses)."""
    marker = getattr(request, "scope", {}).get(SCOPE_KEY)
    if marker is None:
        return
    from django.utils.translation import get_language

    user = request.user
    marker["state"] = page_state(
        user=(user.pk, user.get_username(), user.full_name, bool(user.is_staff)),
        course=_course_tuple(
            course.pk,
            course.outline_version,
            course.title,
            course.description,
            course.kind,
            course.pd_periods,
        ),
        done=done,
        language=get_language(),
        secure=request.is_secure(),
    )
    marker["body"] = body


def _course_tuple(*values: Any) -> tuple[int, int, str, str, str, int]:
    pk, version, title, description, kind, periods = values
    return (int(pk), int(version), str(title), str(description), str(kind), int(periods))


def _col(model: Any, field: str) -> str:
    return str(model._meta.get_field(field).column)


def _state_sql() -> str:
    u, c, e = User._meta.db_table, Course._meta.db_table, CourseEnrolment._meta.db_table
    p, a, m = Progress._meta.db_table, Activity._meta.db_table, Module._meta.db_table
    from core.api import Membership, TeachingAssignment

    ms, ta = Membership._meta.db_table, TeachingAssignment._meta.db_table
    # The roles are constants of the code, written into the statement: one parameter fewer to
    # encode on every request.
    if not all(re.fullmatch("[a-z_]+", str(role)) for role in ADMINS):
        raise RuntimeError(f"unexpected role names {ADMINS!r}")
    roles = ", ".join(f"'{role}'" for role in sorted(ADMINS))
    # "might manage" is wider than access.can_manage_course (any admin role anywhere, teaching
    # any subject of the class): such people simply go to Django.
    return (
        f"SELECT u.password, u.is_active, u.is_staff, u.is_superuser, u.username, u.full_name,"  # noqa: S608
        f" c.outline_version, c.title, c.description, c.kind, c.pd_periods,"
        f" c.{_col(Course, 'owner')} = u.id"
        f" OR EXISTS (SELECT 1 FROM {ms} m WHERE m.{_col(Membership, 'user')} = u.id"
        f"  AND m.role IN ({roles}))"
        f" OR (c.{_col(Course, 'school_class')} IS NOT NULL AND EXISTS (SELECT 1 FROM {ta} t"
        f"  WHERE t.{_col(TeachingAssignment, 'teacher')} = u.id"
        f"  AND t.{_col(TeachingAssignment, 'school_class')} = c.{_col(Course, 'school_class')})),"
        f" EXISTS (SELECT 1 FROM {e} e WHERE e.{_col(CourseEnrolment, 'course')} = c.id"
        f"  AND e.{_col(CourseEnrolment, 'user')} = u.id),"
        # The same rows as progress.completed_in_course.
        f" ARRAY(SELECT p.{_col(Progress, 'activity')} FROM {p} p"
        f"  JOIN {a} a ON a.id = p.{_col(Progress, 'activity')}"
        f"  JOIN {m} mo ON mo.id = a.{_col(Activity, 'module')}"
        f"  WHERE p.{_col(Progress, 'user')} = u.id AND mo.{_col(Module, 'course')} = c.id"
        f"  AND a.archived_at IS NULL AND p.completed_at IS NOT NULL)"
        f" FROM {u} u, {c} c WHERE u.id = %s AND c.id = %s"
    )


@dataclass(frozen=True)
class _Plan:
    secret: str  # the request's CSRF cookie
    state: str  # page_state of this request
    frame_key: str
    body_key: str  # structure.page_body's cache entry
    name: bytes  # the learner's name as the frame shows it
    identity: tuple[str, ...]  # values of this learner that must not be in a shared frame


class FastCoursePage:
    """ASGI middleware: serves the course page from its cache when it may, else `app`."""

    def __init__(self, app: Any, *, pool_size: int = POOL_SIZE) -> None:
        self.app = app
        self.pool_size = pool_size
        self.served = 0  # pages answered here (tests and curiosity)
        self._path: re.Pattern[str] | None = None
        self._sql: str | None = None
        self._pools = asyncdb.LoopPools("lms-fast-course-page", pool_size)
        self._local: OrderedDict[str, Any] = OrderedDict()
        self._redis: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def _match(self, path: str) -> re.Match[str] | None:
        if self._path is None:
            sample = reverse("lms:course", args=[987654321])
            self._path = re.compile("^" + re.escape(sample).replace("987654321", r"(\d+)") + "$")
        return self._path.match(path)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        match = (
            self._match(scope["path"])
            if scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("query_string")
            and enabled()
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        try:
            plan = await self._plan(scope, int(match[1]))
        except Exception:
            # The fast path is an optimisation: on any failure Django answers.
            logger.exception("course page fast path failed")
            plan = None
        if plan is None:
            await self.app(scope, receive, send)
            return
        found = await self._pieces(plan)
        if found is not None:
            await self._serve(scope, send, *found, plan)
            self.served += 1
            return
        await self._render_and_keep(scope, receive, send, plan)

    async def _plan(self, scope: dict[str, Any], course_id: int) -> _Plan | None:
        """What this request's page is made of when it may be served here, else None."""
        names = [name for name, _v in scope["headers"]]
        if names.count(b"cookie") != 1 or names.count(b"host") != 1:
            return None
        headers = dict(scope["headers"])
        host = headers[b"host"].decode("latin-1")
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return None
        secure = _is_secure(scope, headers)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        if ratelimit.matching("GET", scope["path"]):
            return None
        cookies = parse_cookie(headers[b"cookie"].decode("latin-1"))
        session_key = cookies.get(settings.SESSION_COOKIE_NAME, "")
        secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
        language = cookies.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if (
            not _SESSION_KEY_RE.match(session_key)
            # Without a CSRF cookie Django makes one (Set-Cookie): its job.
            or len(secret) != CSRF_SECRET_LENGTH
            or not set(secret) <= _CSRF_CHARS
            or language not in dict(settings.LANGUAGES)
            or CookieStorage.cookie_name in cookies
        ):
            return None
        store = import_module(settings.SESSION_ENGINE).SessionStore
        cache = caches[settings.SESSION_CACHE_ALIAS]
        raw = await self._client().get(cache.make_key(store.cache_key_prefix + session_key))
        if raw is None:
            return None
        session = _SERIALIZER.loads(raw)
        if not isinstance(session, dict) or session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND:
            return None
        try:
            user_id = int(session[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            return None
        session_hash = session.get(HASH_SESSION_KEY)
        if (
            not isinstance(session_hash, str)
            or session.get(SECOND_FACTOR_KEY) != {"uid": user_id, "required": False}
            or SessionStorage.session_key in session
        ):
            return None
        row = await self._state_row(user_id, course_id)
        if row is None:
            return None
        (password, is_active, is_staff, is_superuser, username, full_name) = row[:6]
        version, title, description, kind, periods, might_manage, enrolled, done = row[6:]
        # As get_user: the hash of the current password, else Django refuses (or, with a
        # fallback key, updates the session).
        current = _session_auth_hash(password)
        if (
            not is_active
            or is_superuser
            or might_manage
            or not enrolled
            or not constant_time_compare(session_hash, current)
        ):
            return None
        course = _course_tuple(course_id, version, title, description, kind, periods)
        state = page_state(
            user=(user_id, username, full_name, bool(is_staff)),
            course=course,
            done=done,
            language=language,
            secure=secure,
        )
        # The frame (base.html around the block) is the same for every learner who is not
        # staff, bar their name and the CSRF tokens: one per course state, language, scheme.
        frame = hashlib.blake2b(
            repr((course, language, secure, bool(is_staff))).encode(), digest_size=16
        ).hexdigest()
        return _Plan(
            secret=secret,
            state=state,
            frame_key=cache.make_key(f"lms:fastpage:frame:{course_id}:{frame}"),
            body_key=cache.make_key(structure.page_key(course_id, version, language, False, done)),
            # As base.html shows it: {{ user.full_name|default:user.get_username }}, escaped.
            name=escape(full_name or username).encode(),
            identity=(username, full_name),
        )

    async def _pieces(self, plan: _Plan) -> tuple[dict[str, Any], bytes] | None:
        """The frame and the block, from this process's memory or from Redis. Both keys name
        their content (every input is in the key), so a copy kept here is never stale."""
        # The block's key does not carry the course's title (the outline version does not
        # change with it); paired with the frame's key here, a copy follows the title too.
        body_key = f"{plan.body_key}|{plan.frame_key}"
        frame, body = self._local.get(plan.frame_key), self._local.get(body_key)
        if frame is None or body is None:
            raw_frame, raw_body = await self._client().mget(plan.frame_key, plan.body_key)
            if raw_frame is None or raw_body is None:
                return None
            frame = pickle.loads(raw_frame)  # noqa: S301
            html, _percent = _SERIALIZER.loads(raw_body)
            body = str(html).encode()
            self._remember(plan.frame_key, frame)
            self._remember(body_key, body)
        else:
            self._local.move_to_end(plan.frame_key)
            self._local.move_to_end(body_key)
        return frame, body

    def _remember(self, key: str, value: Any) -> None:
        self._local[key] = value
        self._local.move_to_end(key)
        while len(self._local) > LOCAL_ENTRIES:
            self._local.popitem(last=False)

    async def _state_row(self, user_id: int, course_id: int) -> tuple[Any, ...] | None:
        if self._sql is None:
            self._sql = _state_sql()
        pool = await self._pool()
        async with pool.connection() as conn:
            cursor = await conn.execute(self._sql, [user_id, course_id])
            return await cursor.fetchone()

    async def _serve(
        self, scope: dict[str, Any], send: Send, frame: dict[str, Any], body: bytes, plan: _Plan
    ) -> None:
        fill = {_NAME: plan.name, _BODY: body}
        # Each token masked afresh, as get_token does for every response.
        page = b"".join(
            part if isinstance(part, bytes) else _mask(plan.secret) if part == _CSRF else fill[part]
            for part in frame["parts"]
        )
        # Django's own headers in Django's order; three of them belong to this response.
        fresh = {
            b"content-length": b"%d" % len(page),
            b"x-request-id": _request_id(scope),
            b"set-cookie": _csrf_cookie(plan.secret),
        }
        headers = [(name, fresh.get(name.lower(), value)) for name, value in frame["headers"]]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    async def _render_and_keep(
        self, scope: dict[str, Any], receive: Receive, send: Send, plan: _Plan
    ) -> None:
        """Django answers; its frame is kept when the view rendered exactly the planned state."""
        marker: dict[str, str | None] = {"state": None, "body": None}
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app({**scope, SCOPE_KEY: marker}, receive, capture)
        headers = start.get("headers", [])
        renewal = f"{settings.CSRF_COOKIE_NAME}={plan.secret};".encode()
        if (
            marker["state"] != plan.state
            or marker["body"] is None
            or start.get("status") != 200
            # Django renews the CSRF cookie it used (same value, new expiry); any other cookie
            # (a saved session, a new CSRF secret) belongs to that one response.
            or any(
                name.lower() == b"set-cookie" and not value.startswith(renewal)
                for name, value in headers
            )
        ):
            return
        parts = _frame_parts(b"".join(chunks), plan, marker["body"].encode())
        if parts is not None:
            frame = pickle.dumps({"headers": list(headers), "parts": parts})
            await self._client().set(plan.frame_key, frame, ex=TIMEOUT)

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._redis.get(loop)
        if client is None:
            import redis.asyncio

            client = self._redis[loop] = redis.asyncio.Redis.from_url(str(_redis_url()))
        return client

    async def _pool(self) -> Any:
        return await self._pools.get()

    async def aclose(self) -> None:
        """Close this loop's pool and Redis client (tests; a worker's go with its process)."""
        await self._pools.aclose()
        client = self._redis.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def _frame_parts(page: bytes, plan: _Plan, body: bytes) -> list[bytes | int] | None:
    """The page as text and places (_CSRF, _NAME, _BODY), or None when the frame cannot be
    told apart from this learner's own values: then nothing is kept."""
    if page.count(body) != 1:
        return None
    before, after = page.split(body)
    parts: list[bytes | int] = []
    for text in (before, after):
        for i, piece in enumerate(_cut_tokens(text, plan.secret)):
            parts.append(piece if i % 2 == 0 else _CSRF)
        parts.append(_BODY)
    parts.pop()
    needle = _NAME_BEFORE + plan.name + _NAME_AFTER
    if sum(p.count(needle) for p in parts if isinstance(p, bytes)) != 1:
        return None
    out: list[bytes | int] = []
    for part in parts:
        if isinstance(part, bytes) and needle in part:
            head, tail = part.split(needle)
            out += [head + _NAME_BEFORE, _NAME, _NAME_AFTER + tail]
        else:
            out.append(part)
    # Nothing else of this learner may stay in what other learners get.
    for value in plan.identity:
        mine = escape(value).encode()
        if mine and any(mine in p for p in out if isinstance(p, bytes)):
            return None
    return out


def _cut_tokens(body: bytes, secret: str) -> list[bytes]:
    """The body split around its CSRF tokens (those that unmask to `secret`): text, token
    place, text, ... Other 64-character words are left alone."""
    parts, last = [], 0
    for found in _MASKED.finditer(body):
        if _unmask(found.group().decode()) == secret:
            parts.append(body[last : found.start()])
            parts.append(b"")
            last = found.end()
    parts.append(body[last:])
    return parts


def _mask(secret: str) -> bytes:
    """A fresh token for `secret`, as Django's csrf.get_token makes one for every use (a random
    mask, then each character of the secret shifted by the mask's), from one read of the
    system's random source and two table lookups per character."""
    mask = b""
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += os.urandom(2 * CSRF_SECRET_LENGTH).translate(_TO_CHAR, _UNEVEN)
    mask = mask[:CSRF_SECRET_LENGTH]
    return mask + bytes([_SHIFT[c][m] for c, m in zip(secret.encode(), mask, strict=True)])


def _unmask(token: str) -> str:
    """The secret of a masked token (what Django's CSRF check compares)."""
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    n = len(CSRF_ALLOWED_CHARS)
    return "".join(
        CSRF_ALLOWED_CHARS[(_INDEX[x] - _INDEX[y]) % n] for x, y in zip(cipher, mask, strict=True)
    )


def _csrf_cookie(secret: str) -> bytes:
    """The renewal of the CSRF cookie Django sends with a page that used it (its
    CsrfViewMiddleware), as Django's ASGI handler writes it. Its expiry moves on each second:
    the header is made once per second with a placeholder and the secret put in."""
    second = int(time.time())
    if _COOKIE[0] != second:
        _COOKIE[:] = [second, _build_csrf_cookie(_PLACEHOLDER)]
    header: bytes = _COOKIE[1]
    return header.replace(_PLACEHOLDER.encode(), secret.encode(), 1)


_PLACEHOLDER = "X" * CSRF_SECRET_LENGTH  # 32 X: in the header only as the value
_COOKIE: list[Any] = [None, b""]


def _build_csrf_cookie(secret: str) -> bytes:
    response = HttpResponse()
    response.set_cookie(
        settings.CSRF_COOKIE_NAME,
        secret,
        max_age=settings.CSRF_COOKIE_AGE,
        domain=settings.CSRF_COOKIE_DOMAIN,
        path=settings.CSRF_COOKIE_PATH,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=settings.CSRF_COOKIE_HTTPONLY,
        samesite=settings.CSRF_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )
    morsel = response.cookies[settings.CSRF_COOKIE_NAME]
    return morsel.output(header="").encode("ascii").strip()


def _is_secure(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    """As HttpRequest.is_secure with SECURE_PROXY_SSL_HEADER."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, expected = settings.SECURE_PROXY_SSL_HEADER
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = headers.get(header)
        if value is not None:
            return value.decode("latin-1").split(",", 1)[0].strip() == expected
    return scope.get("scheme") == "https"


def _request_id(scope: dict[str, Any]) -> bytes:
    """As core.middleware.RequestContextMiddleware: the caller's X-Request-ID, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id" and value:
            return value.decode("latin-1")[:36].encode("latin-1")
    return str(uuid.uuid4()).encode()
