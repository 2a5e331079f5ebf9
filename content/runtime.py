"""Reading a learner's SCORM run-time data (cmi) into the fields we report on."""

from __future__ import annotations

import re
from typing import Any

from .packages.report import PackageKind

_SCORM12_TIME = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def seconds(duration: str) -> float:
    """Seconds in a SCORM 1.2 (HHHH:MM:SS.SS) or SCORM 2004 / xAPI (ISO 8601) duration."""
    if match := _SCORM12_TIME.match(duration or ""):
        hours, minutes, secs = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(secs)
    if match := _ISO_DURATION.match(duration or ""):
        years, months, days, hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        return (((years * 365 + months * 30 + days) * 24 + hours) * 60 + minutes) * 60 + secs
    return 0.0


def summarise(kind: str, cmi: dict[str, Any]) -> dict[str, Any]:
    """The reported fields of a `{"core": ...}` (1.2) or flat (2004) cmi object."""
    if kind == PackageKind.SCORM12:
        status = str(_get(cmi, "core.lesson_status") or "")
        completion = "completed" if status in {"completed", "passed", "failed"} else status
        success = status if status in {"passed", "failed"} else ""
        raw, top = _number(_get(cmi, "core.score.raw")), _number(_get(cmi, "core.score.max"))
        session = str(_get(cmi, "core.session_time") or "")
        return {
            "completion": completion,
            "success": success,
            "score_raw": raw,
            "score_max": top,
            "score_scaled": raw / top if raw is not None and top else None,
            "suspend_data": str(_get(cmi, "suspend_data") or ""),
            "location": str(_get(cmi, "core.lesson_location") or ""),
            "session_time": session,
            "total_seconds": seconds(str(_get(cmi, "core.total_time") or "")) + seconds(session),
        }
    session = str(_get(cmi, "session_time") or "")
    return {
        "completion": str(_get(cmi, "completion_status") or ""),
        "success": str(_get(cmi, "success_status") or ""),
        "score_raw": _number(_get(cmi, "score.raw")),
        "score_max": _number(_get(cmi, "score.max")),
        "score_scaled": _number(_get(cmi, "score.scaled")),
        "suspend_data": str(_get(cmi, "suspend_data") or ""),
        "location": str(_get(cmi, "location") or ""),
        "session_time": session,
        "total_seconds": seconds(str(_get(cmi, "total_time") or "")) + seconds(session),
    }


def resume_data(kind: str, cmi: dict[str, Any]) -> dict[str, Any]:
    """The stored cmi to load before Initialize, marked as a resumed attempt when suspended."""
    if not cmi:
        return {}
    data = {k: v for k, v in cmi.items() if k not in {"session_time"}}
    if kind == PackageKind.SCORM12:
        core = dict(data.get("core") or {})
        core.pop("session_time", None)
        core["entry"] = "resume" if core.get("exit") == "suspend" else ""
        data["core"] = core
    else:
        data["entry"] = "resume" if data.get("exit") == "suspend" else ""
    return data
