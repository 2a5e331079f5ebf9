"""The simulator as a plain ASGI application (no framework: it only needs a few routes).

Routes (all JSON):
  POST /oauth/token                                   client credentials → bearer token
  GET  /ims/oneroster/rostering/v1p2/{collection}[/{id}]          orgs, schools, academicSessions,
       courses, classes, users, students, teachers, enrollments (limit, offset, filter)
  GET/PUT/DELETE /ims/oneroster/gradebook/v1p2/{categories|lineItems|results}[/{id}]
  POST /ims/oneroster/gradebook/v1p2/classes/{c}/academicSessions/{s}/results   bulk upsert
  GET  /admin/stats, GET/POST /admin/faults, PUT/DELETE /admin/records/{collection}/{id},
  GET  /admin/verify/{lineItemId}, POST /admin/seed {"path": bundle.zip}
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from .bundle import load_bundle
from .faults import Faults
from .signatures import verify_line_item
from .store import Store

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ROSTER = "/ims/oneroster/rostering/v1p2/"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2/"
ROSTER_COLLECTIONS = {"orgs", "academicSessions", "courses", "classes", "users", "enrollments"}
# Views over a stored collection, as OneRoster defines them.
ROSTER_VIEWS = {
    "schools": ("orgs", lambda r: r.get("type") == "school"),
    "terms": ("academicSessions", lambda r: r.get("type") == "term"),
    "students": ("users", lambda r: any(x.get("role") == "student" for x in r.get("roles", []))),
    "teachers": ("users", lambda r: any(x.get("role") == "teacher" for x in r.get("roles", []))),
}
GRADEBOOK_COLLECTIONS = {"categories", "lineItems", "results"}
BULK_RESULTS = re.compile(r"^classes/([^/]+)/academicSessions/([^/]+)/results$")
FILTER_RE = re.compile(r"^\s*([\w.]+)\s*(=|!=|>=|<=|>|<|~)\s*'([^']*)'\s*$")


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _field(record: dict[str, Any], dotted: str) -> list[str]:
    """Values of a possibly dotted field; a GUID ref or list of refs yields their sourcedIds."""
    values: list[Any] = [record]
    for part in dotted.split("."):
        nxt: list[Any] = []
        for v in values:
            item = v.get(part) if isinstance(v, dict) else None
            nxt.extend(item if isinstance(item, list) else [item])
        values = nxt
    out = []
    for v in values:
        if isinstance(v, dict):
            v = v.get("sourcedId")
        if v is not None:
            out.append(str(v))
    return out


def _matches(record: dict[str, Any], clause: str) -> bool:
    match = FILTER_RE.match(clause)
    if not match:
        raise HttpError(400, f"unsupported filter clause: {clause}")
    name, op, wanted = match.groups()
    values = _field(record, name)
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda v: v == wanted,
        "!=": lambda v: v != wanted,
        ">": lambda v: v > wanted,
        ">=": lambda v: v >= wanted,
        "<": lambda v: v < wanted,
        "<=": lambda v: v <= wanted,
        "~": lambda v: wanted.lower() in v.lower(),
    }
    return any(tests[op](v) for v in values)


def apply_filter(records: list[dict[str, Any]], expression: str) -> list[dict[str, Any]]:
    if not expression:
        return records
    if " OR " in expression:
        raise HttpError(400, "OR filters are not supported by the simulator")
    clauses = expression.split(" AND ")
    return [r for r in records if all(_matches(r, c) for c in clauses)]


class Simulator:
    def __init__(
        self,
        store: Store,
        *,
        clients: dict[str, str],
        faults: Faults | None = None,
        token_ttl: int = 3600,
    ) -> None:
        self.store = store
        self.clients = clients
        self.faults = faults or Faults()
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = unquote(scope["path"])
        method = scope["method"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        try:
            if path.startswith("/admin/"):
                status, payload, extra = self.admin(method, path[len("/admin/") :], body, query)
            elif path == "/oauth/token" and method == "POST":
                status, payload, extra = self.token(headers, body)
            elif path.startswith((ROSTER, GRADEBOOK)):
                self.authorise(headers)
                await self.send_faults_before()
                status, payload, extra = self.api(method, path, body, query)
                if self.faults.roll(self.faults.timeout_rate):
                    await asyncio.sleep(self.faults.timeout_s)
                if self.faults.roll(self.faults.drop_rate):
                    await self.drop(send)
                    return
            else:
                raise HttpError(404, "not found")
        except HttpError as exc:
            status, payload, extra = (
                exc.status,
                {"imsx_codeMajor": "failure", "imsx_description": exc.message},
                {},
            )
        await self.respond(send, status, payload, extra)

    async def send_faults_before(self) -> None:
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        if self.faults.roll(self.faults.error_rate):
            raise HttpError(500, "injected failure")

    async def drop(self, send: Send) -> None:
        # Promise a body, send part of it, then fail: the server closes the connection.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
        raise ConnectionAbortedError("injected dropped connection")

    async def respond(self, send: Send, status: int, payload: Any, extra: dict[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
        ]
        headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    # --- OAuth 2.0 client credentials ------------------------------------------------------

    def token(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        import base64

        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}, {}
        if not client_id or not secrets.compare_digest(self.clients.get(client_id, "\0"), secret):
            return 401, {"error": "invalid_client"}, {}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        self.tokens_issued += 1
        return (
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl,
                "scope": form.get("scope", ""),
            },
            {},
        )

    def authorise(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        expires = self.tokens.get(token)
        if expires is None or expires < time.monotonic():
            raise HttpError(401, "invalid or expired token")

    # --- OneRoster ---------------------------------------------------------------------------

    def api(
        self, method: str, path: str, body: bytes, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        roster = path.startswith(ROSTER)
        rest = path[len(ROSTER if roster else GRADEBOOK) :].strip("/")
        if not roster and method == "POST":
            match = BULK_RESULTS.match(rest)
            if not match:
                raise HttpError(404, "not found")
            results = _json(body).get("results")
            if not isinstance(results, list) or not all(_has_id(r) for r in results):
                raise HttpError(400, "results must be a list of objects with sourcedId")
            self.store.upsert_many("results", results)
            if self.faults.roll(self.faults.duplicate_rate):
                self.store.upsert_many("results", results)
            return (
                200,
                {
                    "sourcedIdPairs": [
                        {"suppliedSourcedId": r["sourcedId"], "allocatedSourcedId": r["sourcedId"]}
                        for r in results
                    ]
                },
                {},
            )
        collection, _, sourced_id = rest.partition("/")
        allowed = ROSTER_COLLECTIONS | set(ROSTER_VIEWS) if roster else GRADEBOOK_COLLECTIONS
        if collection not in allowed or "/" in sourced_id:
            raise HttpError(404, "not found")
        if method == "GET":
            return self.read(collection, sourced_id, query)
        if roster:
            raise HttpError(405, "rostering is read-only for consumers")
        if method == "PUT" and sourced_id:
            wrapper = {"categories": "category", "lineItems": "lineItem", "results": "result"}
            item = _json(body).get(wrapper[collection])
            if not isinstance(item, dict) or item.get("sourcedId", sourced_id) != sourced_id:
                raise HttpError(400, f"body must be {{'{wrapper[collection]}': {{...}}}}")
            item["sourcedId"] = sourced_id
            verified = None
            if collection == "lineItems":
                checks = verify_line_item(item)
                verified = bool(checks) and all(c["valid"] for c in checks) if checks else None
            created = self.store.get(collection, sourced_id) is None
            self.store.upsert_many(collection, [item], verified=verified)
            if self.faults.roll(self.faults.duplicate_rate):
                self.store.upsert_many(collection, [item], verified=verified)
            return (201 if created else 200), {wrapper[collection]: item}, {}
        if method == "DELETE" and sourced_id:
            item = self.store.get(collection, sourced_id)
            if item is None:
                raise HttpError(404, "not found")
            item["status"] = "tobedeleted"
            self.store.upsert_many(collection, [item])
            return 204, None, {}
        raise HttpError(405, "method not allowed")

    def read(
        self, collection: str, sourced_id: str, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        base, keep = ROSTER_VIEWS.get(collection, (collection, None))
        if sourced_id:
            item = self.store.get(base, sourced_id)
            if item is None or (keep is not None and not keep(item)):
                raise HttpError(404, f"{sourced_id} not found")
            return 200, {_singular(collection): item}, {}
        records = self.store.all(base)
        if keep is not None:
            records = [r for r in records if keep(r)]
        records = apply_filter(records, query.get("filter", ""))
        try:
            limit = int(query.get("limit", "100"))
            offset = int(query.get("offset", "0"))
        except ValueError as exc:
            raise HttpError(400, "limit and offset must be integers") from exc
        page = records[offset : offset + limit]
        return 200, {collection: page}, {"x-total-count": str(len(records))}

    # --- Administration (the test harness's side door; not part of OneRoster) --------------

    def admin(
        self, method: str, rest: str, body: bytes, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if rest == "stats" and method == "GET":
            return 200, {**self.store.stats(), "tokensIssued": self.tokens_issued}, {}
        if rest == "faults":
            if method == "POST":
                try:
                    self.faults.update(_json(body))
                except ValueError as exc:
                    raise HttpError(400, str(exc)) from exc
            return 200, self.faults.as_dict(), {}
        if rest == "seed" and method == "POST":
            counts = load_bundle(self.store, _json(body)["path"])
            return 200, counts, {}
        if rest.startswith("verify/") and method == "GET":
            item = self.store.get("lineItems", rest[len("verify/") :])
            if item is None:
                raise HttpError(404, "not found")
            return 200, {"signatures": verify_line_item(item)}, {}
        if rest.startswith("records/"):
            collection, _, sourced_id = rest[len("records/") :].partition("/")
            if method == "PUT":
                item = _json(body)
                item["sourcedId"] = sourced_id
                self.store.upsert_many(collection, [item])
                return 200, item, {}
            if method == "GET":
                item = self.store.get(collection, sourced_id)
                if item is None:
                    raise HttpError(404, "not found")
                return 200, item, {}
        raise HttpError(404, "not found")


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise HttpError(400, f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise HttpError(400, "a JSON object is required")
    return data


def _has_id(item: Any) -> bool:
    return isinstance(item, dict) and bool(item.get("sourcedId"))


def _singular(collection: str) -> str:
    irregular = {
        "categories": "category",
        "classes": "class",
        "academicSessions": "academicSession",
        "students": "user",
        "teachers": "user",
        "schools": "org",
        "terms": "academicSession",
    }
    return irregular.get(collection, collection.rstrip("s"))
