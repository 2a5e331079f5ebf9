"""xAPI statements (1.0.3) received from H5P and cmi5 content: validated, then summarised."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_IRI = {"type": "string", "pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"}
_LANGMAP = {"type": "object", "additionalProperties": {"type": "string"}}
_ACCOUNT = {
    "type": "object",
    "required": ["homePage", "name"],
    "properties": {"homePage": _IRI, "name": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_AGENT = {
    "type": "object",
    "properties": {
        "objectType": {"enum": ["Agent"]},
        "name": {"type": "string"},
        "mbox": {"type": "string", "pattern": r"^mailto:[^@\s]+@[^@\s]+$"},
        "mbox_sha1sum": {"type": "string", "pattern": r"^[0-9a-f]{40}$"},
        "openid": _IRI,
        "account": _ACCOUNT,
    },
    # Exactly one inverse functional identifier (xAPI Data 2.4.2.1).
    "oneOf": [
        {"required": ["mbox"]},
        {"required": ["mbox_sha1sum"]},
        {"required": ["openid"]},
        {"required": ["account"]},
    ],
    "additionalProperties": False,
}
_GROUP = {
    "type": "object",
    "required": ["objectType"],
    "properties": {
        "objectType": {"const": "Group"},
        "name": {"type": "string"},
        "member": {"type": "array", "items": _AGENT},
        "mbox": {"type": "string"},
        "mbox_sha1sum": {"type": "string"},
        "openid": _IRI,
        "account": _ACCOUNT,
    },
    "additionalProperties": False,
}
_ACTOR = {"oneOf": [_AGENT, _GROUP]}
_ACTIVITY = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "objectType": {"const": "Activity"},
        "id": _IRI,
        "definition": {
            "type": "object",
            "properties": {"name": _LANGMAP, "description": _LANGMAP, "type": _IRI},
        },
    },
    "additionalProperties": False,
}
_SCORE = {
    "type": "object",
    "properties": {
        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
        "raw": {"type": "number"},
        "min": {"type": "number"},
        "max": {"type": "number"},
    },
    "additionalProperties": False,
}
_OBJECT_BASE = {
    "oneOf": [
        _ACTIVITY,
        {**_AGENT, "required": ["objectType"]},
        _GROUP,
        {
            "type": "object",
            "required": ["objectType", "id"],
            "properties": {"objectType": {"const": "StatementRef"}, "id": {"format": "uuid"}},
            "additionalProperties": False,
        },
    ]
}
_CORE = {
    "actor": _ACTOR,
    "verb": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": _IRI, "display": _LANGMAP},
        "additionalProperties": False,
    },
    "result": {
        "type": "object",
        "properties": {
            "score": _SCORE,
            "success": {"type": "boolean"},
            "completion": {"type": "boolean"},
            "response": {"type": "string"},
            "duration": {"type": "string", "pattern": r"^P"},
            "extensions": {"type": "object"},
        },
        "additionalProperties": False,
    },
    "context": {"type": "object"},
    "timestamp": {"type": "string", "format": "date-time"},
    "attachments": {"type": "array"},
}
_SUBSTATEMENT = {
    "type": "object",
    "required": ["objectType", "actor", "verb", "object"],
    "properties": {"objectType": {"const": "SubStatement"}, **_CORE, "object": _OBJECT_BASE},
    "additionalProperties": False,
}
# The statement rules of xAPI 1.0.3 (Data part 2.4) that a JSON Schema can express.
STATEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["actor", "verb", "object"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        **_CORE,
        "object": {"oneOf": [*_OBJECT_BASE["oneOf"], _SUBSTATEMENT]},
        "stored": {"type": "string", "format": "date-time"},
        "authority": _ACTOR,
        "version": {"type": "string", "pattern": r"^1\.0(\.\d+)?$"},
    },
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft202012Validator(
    STATEMENT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def validate(statement: Any) -> dict[str, Any]:
    """The statement with an id and timestamp, or ValidationError listing each broken rule."""
    errors = sorted(_VALIDATOR.iter_errors(statement), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationError(
            [
                _("Câu lệnh xAPI, trường %(field)s: %(error)s")
                % {
                    "field": "/".join(str(p) for p in e.absolute_path) or _("gốc"),
                    "error": e.message,
                }
                for e in errors
            ]
        )
    statement = dict(statement)
    statement.setdefault("id", str(uuid.uuid4()))
    statement.setdefault("timestamp", timezone.now().isoformat())
    return statement


def summarise(statement: dict[str, Any]) -> dict[str, Any]:
    """Attempt fields a completed/answered statement reports (score, success, completion)."""
    result = statement.get("result") or {}
    summary: dict[str, Any] = {}
    score = result.get("score") or {}
    if "raw" in score:
        summary["score_raw"] = float(score["raw"])
    if "max" in score:
        summary["score_max"] = float(score["max"])
    if "scaled" in score:
        summary["score_scaled"] = float(score["scaled"])
    if "success" in result:
        summary["success"] = "passed" if result["success"] else "failed"
    if result.get("completion"):
        summary["completion"] = "completed"
    return summary


class StatementConflict(Exception):
    """A statement id already stored with different content (xAPI Communication 2.1.2)."""


# Properties the LRS itself sets or may normalise: they do not make two statements different.
_LRS_SET = {"stored", "authority", "version"}


def same_statement(stored: dict[str, Any], incoming: dict[str, Any], *, sent: Any) -> bool:
    """Whether `incoming` (validated) restates `stored`; `sent` is what the client sent, so a
    timestamp we filled in ourselves is not compared."""
    ignore = set(_LRS_SET)
    if not (isinstance(sent, dict) and "timestamp" in sent):
        ignore.add("timestamp")
    return {k: v for k, v in stored.items() if k not in ignore} == {
        k: v for k, v in incoming.items() if k not in ignore
    }
