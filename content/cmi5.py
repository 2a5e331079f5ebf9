"""cmi5 run-time rules: the launch, its LMS.LaunchData, and what an AU may send when.

The writes (sessions, statements, documents) are in services.py; this module only reads the
course structure, builds what the AU is given and judges each statement against the cmi5
specification (section 9: statement API requirements).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from .models import Cmi5Session, Package, PackageAttempt
from .packages.cmi5 import MANIFEST, AssignableUnit, CourseStructure, course_structure

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
LAUNCHED = ADL + "launched"
INITIALIZED = ADL + "initialized"
COMPLETED = ADL + "completed"
PASSED = ADL + "passed"
FAILED = ADL + "failed"
TERMINATED = ADL + "terminated"
ABANDONED = ADL_W3ID + "abandoned"
WAIVED = ADL_W3ID + "waived"
SATISFIED = ADL_W3ID + "satisfied"
# Verbs only the LMS may use (cmi5 9.3.6-9.3.9).
LMS_ONLY = {LAUNCHED, ABANDONED, WAIVED, SATISFIED}
AU_DEFINED = {INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED}
MOVE_ON_VERBS = {COMPLETED, PASSED, FAILED}

EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
SESSION_ID = EXT + "sessionid"
CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
LAUNCH_DATA = "LMS.LaunchData"
LEARNER_PREFERENCES = "cmi5LearnerPreferences"


class Cmi5Rejected(PermissionDenied):
    """A statement or request the cmi5 rules forbid (answered 403, as cmi5 asks of the LMS)."""


def structure(package: Package) -> CourseStructure:
    with default_storage.open(package.storage_prefix + MANIFEST, "rb") as handle:
        return course_structure(handle.read())


def actor(attempt: PackageAttempt) -> dict[str, Any]:
    """The learner as the AU sees them: a stable pseudonym, never their national identifier."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"cmi5-learner:{attempt.learner_id}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.WAGTAILADMIN_BASE_URL, "name": digest},
    }


def same_agent(agent: Any, attempt: PackageAttempt) -> bool:
    """An `agent` query parameter or statement actor names this attempt's learner."""
    if isinstance(agent, str):
        try:
            agent = json.loads(agent)
        except json.JSONDecodeError:
            return False
    expected = actor(attempt)["account"]
    return isinstance(agent, dict) and agent.get("account") == expected


def launch_url(au: AssignableUnit, *, base: str, endpoint: str, fetch: str, **params: str) -> str:
    """The AU's URL with the cmi5 launch parameters (cmi5 8.1) appended to its own query."""
    query = urlencode({"endpoint": endpoint, "fetch": fetch, **params})
    url = au.url if urlsplit(au.url).scheme else base + au.url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def launch_data(
    course: CourseStructure, au: AssignableUnit, session: Cmi5Session, return_url: str
) -> dict[str, Any]:
    """The LMS.LaunchData state document (cmi5 10.0)."""
    data: dict[str, Any] = {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"objectType": "Activity", "id": au.id}]},
            "extensions": {SESSION_ID: str(session.session_id)},
        },
        "launchMode": session.launch_mode,
        "returnURL": return_url,
        "moveOn": au.move_on,
    }
    if au.mastery_score is not None:
        data["masteryScore"] = au.mastery_score
    if au.launch_parameters:
        data["launchParameters"] = au.launch_parameters
    if au.entitlement_key:
        data["entitlementKey"] = {"courseStructure": au.entitlement_key}
    return data


def lms_statement(
    attempt: PackageAttempt,
    verb: str,
    object_id: str,
    session: Cmi5Session | None,
    *,
    extensions: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    object_type: str = "",
) -> dict[str, Any]:
    """A statement the LMS itself records (launched, abandoned, satisfied)."""
    context: dict[str, Any] = {
        "registration": str(attempt.registration),
        "contextActivities": {"category": [{"id": CATEGORY_CMI5}]},
        "extensions": {**({SESSION_ID: str(session.session_id)} if session else {})},
    }
    context["extensions"].update(extensions or {})
    obj: dict[str, Any] = {"objectType": "Activity", "id": object_id}
    if object_type:
        obj["definition"] = {"type": object_type}
    statement: dict[str, Any] = {
        "actor": actor(attempt),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": obj,
        "context": context,
    }
    if result:
        statement["result"] = result
    return statement


def _categories(statement: dict[str, Any]) -> set[str]:
    context = statement.get("context") or {}
    categories = (context.get("contextActivities") or {}).get("category") or []
    if isinstance(categories, dict):
        categories = [categories]
    return {c.get("id", "") for c in categories if isinstance(c, dict)}


def check_statement(
    statement: dict[str, Any],
    session: Cmi5Session,
    au: AssignableUnit,
    earlier: list[Cmi5Session],
) -> None:
    """Raise Cmi5Rejected when `statement` breaks a cmi5 rule for this session.

    `earlier` are the other sessions of the same AU in the same registration: completed and
    passed may each be reported once per registration.
    """
    attempt = session.attempt
    verb = (statement.get("verb") or {}).get("id", "")
    context = statement.get("context") or {}
    name = verb.rsplit("/", 1)[-1]

    def reject(message: str) -> None:
        raise Cmi5Rejected(_("cmi5, câu lệnh “%(verb)s”: %(why)s") % {"verb": name, "why": message})

    if not same_agent(statement.get("actor"), attempt):
        reject(_("actor phải đúng là người học đã được khởi chạy."))
    if context.get("registration") != str(attempt.registration):
        reject(_("context.registration không khớp với lượt đăng ký của người học."))
    if (context.get("extensions") or {}).get(SESSION_ID) != str(session.session_id):
        reject(_("thiếu hoặc sai mã phiên (sessionid) trong context.extensions."))
    if verb in LMS_ONLY:
        reject(_("chỉ hệ thống LMS được ghi câu lệnh này."))
    if session.terminated_at or session.abandoned_at:
        reject(_("phiên đã kết thúc, không nhận thêm câu lệnh."))
    if verb != INITIALIZED and not session.initialized_at:
        reject(_("AU phải gửi “initialized” trước mọi câu lệnh khác."))
    if verb not in AU_DEFINED:
        return  # a "cmi5 allowed" statement: any verb, inside an initialized session
    if (statement.get("object") or {}).get("id") != au.id:
        reject(_("object.id phải là mã hoạt động của AU."))
    if CATEGORY_CMI5 not in _categories(statement):
        reject(_("thiếu danh mục cmi5 trong context.contextActivities.category."))
    result = statement.get("result") or {}
    if verb == INITIALIZED and session.initialized_at:
        reject(_("phiên đã được khởi tạo."))
    if verb == TERMINATED and not result.get("duration"):
        reject(_("phải có result.duration."))
    if verb not in MOVE_ON_VERBS:
        return
    if CATEGORY_MOVEON not in _categories(statement):
        reject(_("thiếu danh mục moveon trong context.contextActivities.category."))
    if session.launch_mode != "Normal":
        reject(_("ở chế độ %(mode)s không được ghi kết quả.") % {"mode": session.launch_mode})
    everyone = [session, *earlier]
    if verb == COMPLETED:
        if result.get("completion") is not True:
            reject(_("phải có result.completion = true."))
        if any(s.completed_at for s in everyone):
            reject(_("AU đã được ghi hoàn thành trong lượt đăng ký này."))
        return
    success = verb == PASSED
    if result.get("success") is not success:
        reject(_("result.success phải là %(value)s.") % {"value": str(success).lower()})
    if any(s.passed_at for s in everyone):
        reject(_("AU đã được ghi đạt trong lượt đăng ký này."))
    scaled = (result.get("score") or {}).get("scaled")
    if au.mastery_score is not None and scaled is not None:
        if success and scaled < au.mastery_score:
            reject(_("điểm chuẩn hoá thấp hơn điểm đạt (masteryScore) của AU."))
        if not success and scaled >= au.mastery_score:
            reject(_("điểm chuẩn hoá không thấp hơn điểm đạt (masteryScore) của AU."))


def satisfied(au: AssignableUnit, sessions: list[Cmi5Session]) -> bool:
    """The AU's moveOn criterion (cmi5 10.0 moveOn) is met by these sessions."""
    completed = any(s.completed_at for s in sessions)
    passed = any(s.passed_at for s in sessions)
    return {
        "Completed": completed,
        "Passed": passed,
        "CompletedAndPassed": completed and passed,
        "CompletedOrPassed": completed or passed,
        "NotApplicable": True,
    }.get(au.move_on, False)
