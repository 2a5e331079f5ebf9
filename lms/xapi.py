"""Learning events as xAPI 1.0.3 statements in our own store (LRS-lite).

Statements are validated against the parts of the xAPI schema we produce and accept (actor,
verb, object, result, timestamp) before they are stored. Forwarding to an external LRS, when
LMS_XAPI_FORWARD_URL is set, is queued after commit and retried by Celery.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .models import Activity, Course, Statement

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "experienced": ADL + "experienced",
    "completed": ADL + "completed",
    "scored": ADL + "scored",
    "submitted": ADL + "submitted",
    "commented": ADL + "commented",
    "attended": ADL + "attended",
    "answered": ADL + "answered",
    "registered": ADL + "registered",
}

_IRI = {"type": "string", "pattern": r"^[a-z][a-z0-9+.-]*:[^\s]+$"}
_LANG_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["actor", "verb", "object"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": {
            "type": "object",
            "required": ["account"],
            "properties": {
                "objectType": {"const": "Agent"},
                "name": {"type": "string"},
                "account": {
                    "type": "object",
                    "required": ["homePage", "name"],
                    "properties": {"homePage": _IRI, "name": {"type": "string", "minLength": 1}},
                },
            },
        },
        "verb": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": _IRI, "display": _LANG_MAP},
        },
        "object": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "objectType": {"const": "Activity"},
                "id": _IRI,
                "definition": {"type": "object", "properties": {"name": _LANG_MAP, "type": _IRI}},
            },
        },
        "result": {
            "type": "object",
            "properties": {
                "score": {
                    "type": "object",
                    "properties": {
                        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                        "raw": {"type": "number"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                },
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                "duration": {"type": "string", "pattern": r"^P"},
            },
        },
        "timestamp": {"type": "string"},
    },
}


def _home() -> str:
    return getattr(settings, "LMS_XAPI_HOME", "https://hoclieu.example.vn")


def activity_iri(activity: Activity) -> str:
    return f"{_home()}/lms/activities/{activity.pk}"


def validate(data: dict[str, Any]) -> None:
    try:
        jsonschema.validate(data, SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "statement"
        raise ValidationError(
            _("Câu lệnh xAPI không hợp lệ tại %(where)s: %(msg)s")
            % {"where": where, "msg": exc.message}
        ) from None
    if data.get("timestamp") and parse_datetime(data["timestamp"]) is None:
        raise ValidationError(_("Câu lệnh xAPI không hợp lệ tại timestamp."))


def store(user: Any, data: dict[str, Any]) -> Statement:
    """Validate and keep a statement; forwarding is queued for after the commit."""
    validate(data)
    data = {**data, "id": data.get("id") or str(uuid.uuid4())}
    stamp = parse_datetime(data["timestamp"]) if data.get("timestamp") else timezone.now()
    data["timestamp"] = (stamp or timezone.now()).isoformat()
    statement = Statement.objects.create(
        id=uuid.UUID(data["id"]),
        user=user,
        verb=data["verb"]["id"],
        object_id=data["object"]["id"],
        timestamp=stamp or timezone.now(),
        data=data,
    )
    if getattr(settings, "LMS_XAPI_FORWARD_URL", ""):
        from .tasks import forward_statement

        statement_id = str(statement.pk)
        transaction.on_commit(lambda: forward_statement.delay(statement_id))
    return statement


def _statement(
    user: Any, verb: str, object_id: str, name: str, result: dict[str, Any] | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "actor": {
            "objectType": "Agent",
            "name": user.full_name,
            "account": {"homePage": _home(), "name": user.username},
        },
        "verb": {"id": VERBS[verb], "display": {"vi-VN": verb, "en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"name": {"vi-VN": name}},
        },
        "timestamp": timezone.now().isoformat(),
    }
    if result:
        data["result"] = result
    return data


def record(
    user: Any,
    verb: str,
    activity: Activity,
    *,
    score: Decimal | None = None,
    success: bool | None = None,
    duration_seconds: int = 0,
) -> Statement:
    result: dict[str, Any] = {}
    if score is not None:
        result["score"] = {"raw": float(score), "min": 0, "max": 10, "scaled": float(score) / 10}
    if success is not None:
        result["success"] = success
    if verb == "completed":
        result["completion"] = True
    if duration_seconds:
        result["duration"] = f"PT{int(duration_seconds)}S"
    return store(user, _statement(user, verb, activity_iri(activity), activity.title, result))


def record_course(user: Any, course: Course, verb: str) -> Statement:
    return store(
        user,
        _statement(
            user,
            verb,
            f"{_home()}/lms/courses/{course.pk}",
            course.title,
            {"completion": True} if verb == "completed" else None,
        ),
    )


def seconds_since(start: dt.datetime) -> int:
    return int((timezone.now() - start).total_seconds())
