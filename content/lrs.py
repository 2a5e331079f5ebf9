"""Our own xAPI endpoint for package content, and the cmi5 launch (on the play origin).

`run/<token>/xapi` is the `endpoint` a cmi5 AU is launched with: statements, activities/state
and agents/profile, the parts of the xAPI LRS interface cmi5 needs. The attempt token in the
path says whose attempt it is; a cmi5 AU must also present the one-time auth token from the
fetch URL (`Authorization: Basic <token>`), which names its session.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import cmi5, play, services, xapi
from .models import Cmi5Session, PackageAttempt, XapiDocument
from .packages.report import PackageKind
from .views import _attempt

VERSION = "1.0.3"


def _xapi(response: HttpResponse) -> HttpResponse:
    response["X-Experience-API-Version"] = VERSION
    return response


def _error(message: Any, status: int) -> HttpResponse:
    messages = message if isinstance(message, list) else [str(message)]
    return _xapi(JsonResponse({"detail": messages}, status=status))


def _base(request: HttpRequest, token: str) -> str:
    return f"{play.play_origin(request)}/content/run/{token}/"


# --- launch ---------------------------------------------------------------------------------


@xframe_options_exempt
@require_GET
def launch(request: HttpRequest, token: str, index: int) -> HttpResponse:
    """Start a new session of the package's AU number `index` and send the browser to it."""
    attempt = _attempt(request, token)
    if attempt.package.kind != PackageKind.CMI5:
        raise Http404
    course = cmi5.structure(attempt.package)
    if not 0 <= index < len(course.aus):
        raise Http404
    au = course.aus[index]
    base = _base(request, token)
    session = services.launch_cmi5_au(attempt, au.id, return_url=base)
    attempt.refresh_from_db()
    url = cmi5.launch_url(
        au,
        base=base + "f/",
        endpoint=base + "xapi",
        fetch=f"{base}cmi5/fetch/{session.session_id}",
        actor=json.dumps(cmi5.actor(attempt)),
        registration=str(attempt.registration),
        activityId=au.id,
    )
    return HttpResponseRedirect(url)


@csrf_exempt
@require_POST
def fetch(request: HttpRequest, token: str, session_id: Any) -> HttpResponse:
    """The fetch URL: the session's auth token, once (cmi5 8.2, errors as in 8.2.3)."""
    attempt = _attempt(request, token)
    session = get_object_or_404(Cmi5Session, attempt=attempt, session_id=session_id)
    try:
        auth_token = services.fetch_cmi5_token(session)
    except cmi5.Cmi5Rejected as exc:
        return JsonResponse({"error-code": "1", "error-text": str(exc)})
    return JsonResponse({"auth-token": auth_token})


# --- the xAPI endpoint ----------------------------------------------------------------------


def _caller(request: HttpRequest, token: str) -> tuple[PackageAttempt, Cmi5Session | None]:
    """The attempt (from the path) and, for cmi5, the session its auth token names."""
    attempt = _attempt(request, token)
    if attempt.package.kind != PackageKind.CMI5:
        return attempt, None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "basic" or not secret:
        raise cmi5.Cmi5Rejected(_("Thiếu mã truy cập cmi5 (Authorization: Basic)."))
    digest = hashlib.sha256(secret.strip().encode()).hexdigest()
    session = Cmi5Session.objects.filter(attempt=attempt, token_sha256=digest).first()
    if session is None:
        raise cmi5.Cmi5Rejected(_("Mã truy cập cmi5 không hợp lệ."))
    return attempt, session


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_("Nội dung không phải JSON: %(error)s") % {"error": exc}) from exc


@csrf_exempt
@require_http_methods(["POST", "PUT"])
def statements(request: HttpRequest, token: str) -> HttpResponse:
    try:
        attempt, session = _caller(request, token)
        body = _body(request)
        if request.method == "PUT":
            statement_id = request.GET.get("statementId", "")
            if not isinstance(body, dict) or not statement_id:
                raise ValidationError(_("PUT cần statementId và một câu lệnh."))
            if body.setdefault("id", statement_id) != statement_id:
                raise ValidationError(_("id của câu lệnh khác statementId."))
            items = [body]
        else:
            items = body if isinstance(body, list) else [body]
        ids = [str(s.id) for s in services.record_package_statements(attempt, session, items)]
    except cmi5.Cmi5Rejected as exc:
        return _error(exc, 403)
    except ValidationError as exc:
        return _error(exc.messages, 400)
    except xapi.StatementConflict as exc:
        return _error(exc, 409)
    if request.method == "PUT":
        return _xapi(HttpResponse(status=204))
    return _xapi(JsonResponse(ids, safe=False))


def _document(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    attempt, session = _caller(request, token)
    params = request.GET
    agent = params.get("agent", "")
    if session is not None and not cmi5.same_agent(agent, attempt):
        raise cmi5.Cmi5Rejected(_("agent phải đúng là người học đã được khởi chạy."))
    state = kind == XapiDocument.Kind.STATE
    if state and not params.get("activityId"):
        raise ValidationError(_("Thiếu tham số activityId."))
    where = {
        "activity_id": params.get("activityId", "") if state else "",
        "registration": params.get("registration", "") if state else "",
    }
    document_id = params.get("stateId" if state else "profileId", "")
    learner = attempt.learner
    if request.method in {"PUT", "POST"}:
        if not document_id:
            raise ValidationError(_("Thiếu mã tài liệu (stateId / profileId)."))
        services.save_xapi_document(
            learner,
            kind,
            **where,
            document_id=document_id,
            content=request.body,
            content_type=request.content_type or "application/octet-stream",
            merge=request.method == "POST",
        )
        return _xapi(HttpResponse(status=204))
    if request.method == "DELETE":
        services.delete_xapi_document(learner, kind, **where, document_id=document_id)
        return _xapi(HttpResponse(status=204))
    documents = XapiDocument.objects.filter(learner=learner, kind=kind, **where)
    if not document_id:
        ids = list(documents.values_list("document_id", flat=True))
        return _xapi(JsonResponse(ids, safe=False))
    document = documents.filter(document_id=document_id).first()
    if document is None:
        return _xapi(HttpResponse(status=404))
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{hashlib.sha1(bytes(document.content)).hexdigest()}"'  # noqa: S324
    return _xapi(response)


def _document_view(kind: str) -> Any:
    @csrf_exempt
    @require_http_methods(["GET", "PUT", "POST", "DELETE"])
    def view(request: HttpRequest, token: str) -> HttpResponse:
        try:
            return _document(request, token, kind)
        except cmi5.Cmi5Rejected as exc:
            return _error(exc, 403)
        except ValidationError as exc:
            return _error(exc.messages, 400)

    return view


activity_state = _document_view(XapiDocument.Kind.STATE)
agent_profile = _document_view(XapiDocument.Kind.AGENT_PROFILE)


@require_GET
def about(request: HttpRequest, token: str) -> HttpResponse:
    _attempt(request, token)
    return _xapi(JsonResponse({"version": [VERSION]}))
