"""Reading a OneRoster CSV bundle (1.2, and the 1.1 layout) into OneRoster 1.2 JSON objects.

Pure Python, no Django: the simulator seeds itself with it and the platform imports bundles
with it. Errors name the file and line ("users.csv, dòng 5").
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")
USER_ID_RE = re.compile(r"\{([^:}]+):([^}]*)\}")
MAX_ROWS = 200_000


class BundleError(ValueError):
    """The bundle cannot be read; the message says which file and line."""


def _ref(value: str) -> dict[str, str] | None:
    value = (value or "").strip()
    return {"sourcedId": value} if value else None


def _refs(value: str) -> list[dict[str, str]]:
    return [{"sourcedId": v.strip()} for v in (value or "").split(",") if v.strip()]


def _list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _bool(value: str) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes"}


def _rows(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    members = {Path(n).name.lower(): n for n in archive.namelist()}
    member = members.get(f"{name.lower()}.csv")
    if member is None:
        return
    text = archive.read(member).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS:
            raise BundleError(f"{name}.csv: quá {MAX_ROWS} dòng")
        if not any(c.strip() for c in cells):
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        if not row.get("sourcedId"):
            raise BundleError(f"{name}.csv, dòng {number}: thiếu sourcedId")
        yield number, row


def _base(row: dict[str, str]) -> dict[str, Any]:
    return {
        "sourcedId": row["sourcedId"],
        "status": row.get("status") or "active",
        "dateLastModified": row.get("dateLastModified") or "",
    }


def read_bundle(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Every object of the bundle, by OneRoster collection name."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{Path(path).name}: không phải tệp zip OneRoster ({exc})") from exc
    with archive:
        out: dict[str, list[dict[str, Any]]] = {c: [] for c in COLLECTIONS}
        for _n, r in _rows(archive, "orgs"):
            out["orgs"].append(
                {
                    **_base(r),
                    "name": r.get("name", ""),
                    "type": r.get("type", ""),
                    "identifier": r.get("identifier", ""),
                    "parent": _ref(r.get("parentSourcedId", "")),
                }
            )
        for _n, r in _rows(archive, "academicSessions"):
            out["academicSessions"].append(
                {
                    **_base(r),
                    "title": r.get("title", ""),
                    "type": r.get("type", ""),
                    "startDate": r.get("startDate", ""),
                    "endDate": r.get("endDate", ""),
                    "parent": _ref(r.get("parentSourcedId", "")),
                    "schoolYear": r.get("schoolYear", ""),
                }
            )
        for _n, r in _rows(archive, "courses"):
            out["courses"].append(
                {
                    **_base(r),
                    "title": r.get("title", ""),
                    "courseCode": r.get("courseCode", ""),
                    "grades": _list(r.get("grades", "")),
                    "org": _ref(r.get("orgSourcedId", "")),
                    "subjects": _list(r.get("subjects", "")),
                    "subjectCodes": _list(r.get("subjectCodes", "")),
                    "schoolYear": _ref(r.get("schoolYearSourcedId", "")),
                }
            )
        for _n, r in _rows(archive, "classes"):
            out["classes"].append(
                {
                    **_base(r),
                    "title": r.get("title", ""),
                    "grades": _list(r.get("grades", r.get("grade", ""))),
                    "course": _ref(r.get("courseSourcedId", "")),
                    "classCode": r.get("classCode", ""),
                    "classType": r.get("classType", ""),
                    "location": r.get("location", ""),
                    "school": _ref(r.get("schoolSourcedId", "")),
                    "terms": _refs(r.get("termSourcedIds", "")),
                    "subjects": _list(r.get("subjects", "")),
                    "subjectCodes": _list(r.get("subjectCodes", "")),
                    "periods": _list(r.get("periods", "")),
                }
            )
        roles: dict[str, list[dict[str, Any]]] = {}
        for _n, r in _rows(archive, "roles"):
            roles.setdefault(r.get("userSourcedId", ""), []).append(
                {
                    "roleType": r.get("roleType", ""),
                    "role": r.get("role", ""),
                    "org": _ref(r.get("orgSourcedId", "")),
                    "beginDate": r.get("beginDate", ""),
                    "endDate": r.get("endDate", ""),
                }
            )
        for _n, r in _rows(archive, "users"):
            user_roles = roles.get(r["sourcedId"])
            if user_roles is None and r.get("role"):  # OneRoster 1.1: one role, many orgs
                user_roles = [
                    {"roleType": "primary", "role": r["role"], "org": org}
                    for org in _refs(r.get("orgSourcedIds", ""))
                ]
            out["users"].append(
                {
                    **_base(r),
                    "enabledUser": _bool(r.get("enabledUser", "true")),
                    "username": r.get("username", ""),
                    "userIds": [
                        {"type": t, "identifier": i}
                        for t, i in USER_ID_RE.findall(r.get("userIds", ""))
                    ],
                    "givenName": r.get("givenName", ""),
                    "familyName": r.get("familyName", ""),
                    "middleName": r.get("middleName", ""),
                    "identifier": r.get("identifier", ""),
                    "email": r.get("email", ""),
                    "grades": _list(r.get("grades", "")),
                    "roles": user_roles or [],
                    "primaryOrg": _ref(r.get("primaryOrgSourcedId", "")),
                }
            )
        for _n, r in _rows(archive, "enrollments"):
            out["enrollments"].append(
                {
                    **_base(r),
                    "class": _ref(r.get("classSourcedId", "")),
                    "school": _ref(r.get("schoolSourcedId", "")),
                    "user": _ref(r.get("userSourcedId", "")),
                    "role": r.get("role", ""),
                    "primary": _bool(r.get("primary", "")),
                    "beginDate": r.get("beginDate", ""),
                    "endDate": r.get("endDate", ""),
                }
            )
    return out
