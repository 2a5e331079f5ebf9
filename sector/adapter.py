"""The narrow seam to the sector platform. Another protocol means another class, nothing else.

`SectorAdapter` is all the rest of the app uses; `OneRosterAdapter` speaks OneRoster 1.2 REST
(JSON) with OAuth 2.0 client credentials.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from django.conf import settings

ROSTER = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
PAGE = 500


class SectorError(Exception):
    """The remote refused for good (bad request, not found): retrying will not help."""


class TransientSectorError(SectorError):
    """Unreachable, timed out, 5xx, 429: deliver again later."""


@dataclass
class Roster:
    """The remote roster of one school (or of everything), as OneRoster 1.2 JSON objects."""

    orgs: list[dict[str, Any]] = field(default_factory=list)
    classes: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    academic_sessions: list[dict[str, Any]] = field(default_factory=list)


class SectorAdapter(Protocol):
    def fetch_roster(self, school_id: str | None) -> Roster: ...

    def put_transcript(self, transcript: dict[str, Any]) -> None:
        """Upsert one transcript (line item + results); repeating it must change nothing."""

    def fetch_transcript(
        self, line_item_id: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]: ...


_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class OneRosterAdapter:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.http = client or httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )

    # --- OAuth 2.0 client credentials, token cached per process until shortly before expiry ---

    def _token(self, refresh: bool = False) -> str:
        cache_key = (self.base_url, self.client_id)
        with _tokens_lock:
            cached = _tokens.get(cache_key)
            if cached and not refresh and cached[1] > time.monotonic():
                return cached[0]
            response = self._send(
                "POST",
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
            if response.status_code != 200:
                raise SectorError(f"OAuth token refused: HTTP {response.status_code}")
            body = response.json()
            ttl = float(body.get("expires_in", 3600))
            _tokens[cache_key] = (body["access_token"], time.monotonic() + ttl * 0.9)
            return str(body["access_token"])

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, self.base_url + path, **kwargs)
        except httpx.TransportError as exc:  # refused, timed out, dropped mid-response
            raise TransientSectorError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientSectorError(f"HTTP {response.status_code} at {path}")
        return response

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token()}"}
        response = self._send(method, path, headers=headers, **kwargs)
        if response.status_code == 401:  # expired or revoked: one fresh token, once
            headers = {"Authorization": f"Bearer {self._token(refresh=True)}"}
            response = self._send(method, path, headers=headers, **kwargs)
        if response.status_code >= 400 and response.status_code != 404:
            raise SectorError(f"HTTP {response.status_code} at {path}: {response.text[:300]}")
        return response

    def _collection(self, path: str, name: str, filter_: str = "") -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": PAGE, "offset": offset}
            if filter_:
                params["filter"] = filter_
            response = self._call("GET", path, params=params)
            if response.status_code == 404:
                return items
            page = response.json().get(name, [])
            items.extend(page)
            total = int(response.headers.get("x-total-count", len(items)))
            offset += len(page)
            if not page or offset >= total:
                return items

    # --- SectorAdapter -----------------------------------------------------------------------

    def fetch_roster(self, school_id: str | None) -> Roster:
        orgs = self._collection(f"{ROSTER}/orgs", "orgs")
        if school_id:  # a sourcedId, or the school code the sector keeps as `identifier`
            orgs = [o for o in orgs if school_id in (o["sourcedId"], o.get("identifier"))]
            school_id = orgs[0]["sourcedId"] if orgs else school_id
        by_school = f"school.sourcedId='{school_id}'" if school_id else ""
        classes = self._collection(f"{ROSTER}/classes", "classes", by_school)
        enrollments = self._collection(f"{ROSTER}/enrollments", "enrollments", by_school)
        users = self._collection(f"{ROSTER}/users", "users")
        if school_id:
            wanted = {e["user"]["sourcedId"] for e in enrollments if e.get("user")}
            users = [
                u
                for u in users
                if u["sourcedId"] in wanted
                or any((r.get("org") or {}).get("sourcedId") == school_id for r in u["roles"])
            ]
        sessions = self._collection(f"{ROSTER}/academicSessions", "academicSessions")
        return Roster(
            orgs=orgs,
            classes=classes,
            users=users,
            enrollments=enrollments,
            academic_sessions=sessions,
        )

    def put_transcript(self, transcript: dict[str, Any]) -> None:
        line_item = transcript["lineItem"]
        self._call(
            "PUT", f"{GRADEBOOK}/lineItems/{line_item['sourcedId']}", json={"lineItem": line_item}
        )
        class_id = line_item["class"]["sourcedId"]
        session_id = line_item["academicSession"]["sourcedId"]
        self._call(
            "POST",
            f"{GRADEBOOK}/classes/{class_id}/academicSessions/{session_id}/results",
            json={"results": transcript["results"]},
        )

    def fetch_transcript(
        self, line_item_id: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        response = self._call("GET", f"{GRADEBOOK}/lineItems/{line_item_id}")
        line_item = response.json()["lineItem"] if response.status_code == 200 else None
        results = self._collection(
            f"{GRADEBOOK}/results", "results", f"lineItem.sourcedId='{line_item_id}'"
        )
        return line_item, results


def default_adapter() -> SectorAdapter:
    """The deployment's adapter, from SECTOR_API_URL / SECTOR_CLIENT_ID / SECTOR_CLIENT_SECRET."""
    return OneRosterAdapter(
        settings.SECTOR_API_URL,
        settings.SECTOR_CLIENT_ID,
        settings.SECTOR_CLIENT_SECRET,
        timeout=settings.SECTOR_TIMEOUT,
    )
