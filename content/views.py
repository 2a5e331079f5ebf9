"""Web pages: the player (platform origin) and the package run-time (play origin)."""

from __future__ import annotations

import json
import mimetypes
import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from provenance.api import Verdict

from . import cmi5, play, runtime, services, signing
from .models import ContentPage, PackageAttempt, PackageFile, PackagePage, XapiDocument
from .packages.report import PackageKind


def _csp() -> str:
    """Package files may run their own inline scripts: they are isolated by origin, not by CSP.

    They may only talk to the play origin and be framed by it and by the platform's player.
    """
    ancestors = " ".join(["'self'", *play.platform_origins()])
    return (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src 'self'; "
        f"frame-ancestors {ancestors}"
    )


def refused(request: HttpRequest, page: ContentPage, verdict: Verdict) -> HttpResponse:
    """A published item that no longer matches its signed manifest is not delivered."""
    context = {"page": page, "problems": verdict.problems, "code": signing.code_for(page)}
    return render(request, "content/refused.html", context, status=409)


@login_required
@require_GET
def player(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(PackagePage, pk=page_id)
    if not page.live and request.user.pk != page.author_id:
        raise Http404
    if page.live:
        verdict = signing.check_delivery(page, actor=request.user)
        if not verdict.valid:
            return refused(request, page, verdict)
    # Launched from an LMS activity (?activity=<id>): its completion rule hears of the result.
    activity = request.GET.get("activity", "")
    attempt = services.start_attempt(
        page.package, request.user, lms_activity_id=int(activity) if activity.isdigit() else None
    )
    token = play.token_for(attempt.pk)
    return render(
        request,
        "content/player.html",
        {
            "page": page,
            "attempt": attempt,
            "run_url": f"{play.play_origin(request)}/content/run/{token}/",
        },
    )


# The xAPI state document holding H5P's own "current state" of the content (what
# getCurrentState() returns), so a learner who reloads goes on where they left off.
H5P_STATE_ID = "h5p-state"


def _h5p_state(attempt: PackageAttempt, activity_id: str) -> str:
    document = XapiDocument.objects.filter(
        learner=attempt.learner,
        kind=XapiDocument.Kind.STATE,
        activity_id=activity_id,
        registration="",
        document_id=H5P_STATE_ID,
    ).first()
    if document is None:
        return ""
    return bytes(document.content).decode("utf-8", "replace")


def _attempt(request: HttpRequest, token: str) -> PackageAttempt:
    if not play.on_play_host(request):
        raise Http404
    attempt_id = play.attempt_id(token)
    if attempt_id is None:
        raise Http404
    return get_object_or_404(PackageAttempt.objects.select_related("package"), pk=attempt_id)


@xframe_options_exempt
@require_GET
def run(request: HttpRequest, token: str) -> HttpResponse:
    attempt = _attempt(request, token)
    package = attempt.package
    activity_id = f"{settings.WAGTAILADMIN_BASE_URL}/content/packages/{package.uuid}"
    config = {
        "kind": package.kind,
        "launch": f"f/{package.launch}",
        "commitUrl": "commit",
        "xapiUrl": "xapi/statements",
        "activityId": activity_id,
        "cmi": runtime.resume_data(package.kind, attempt.cmi),
        "h5p": {
            "frameJs": static("players/h5p/frame.bundle.js"),
            "frameCss": static("players/h5p/styles/h5p.css"),
            "stateUrl": "xapi/activities/state",
            "stateId": H5P_STATE_ID,
            "state": _h5p_state(attempt, activity_id) if package.kind == PackageKind.H5P else "",
        },
    }
    aus: list[dict[str, object]] = []
    if package.kind == PackageKind.CMI5:
        satisfied = set((attempt.cmi.get("cmi5") or {}).get("satisfied") or [])
        aus = [
            {"index": i, "title": au.title or au.id, "satisfied": au.id in satisfied}
            for i, au in enumerate(cmi5.structure(package).aus)
        ]
    response = render(
        request,
        "content/run.html",
        {
            "package": package,
            "config": config,
            "is_h5p": package.kind == PackageKind.H5P,
            "is_cmi5": package.kind == PackageKind.CMI5,
            "aus": aus,
        },
    )
    response["Content-Security-Policy"] = _csp()
    response["Referrer-Policy"] = "no-referrer"
    return response


@xframe_options_exempt
@require_GET
def run_file(request: HttpRequest, token: str, path: str) -> FileResponse:
    attempt = _attempt(request, token)
    path = posixpath.normpath(path)
    file = get_object_or_404(PackageFile, package=attempt.package, path=path)
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(
        default_storage.open(file.storage_name, "rb"), content_type=content_type
    )
    response["Content-Security-Policy"] = _csp()
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(str(exc)) from exc


# Authenticated by the attempt token in the URL, never by cookies: CSRF does not apply.
@csrf_exempt
@require_POST
def commit(request: HttpRequest, token: str) -> JsonResponse:
    attempt = _attempt(request, token)
    try:
        body = _json_body(request)
        if not isinstance(body, dict):
            raise ValidationError("{}")
        services.record_commit(attempt, body)
    except ValidationError as exc:
        return JsonResponse({"result": False, "errorCode": 101, "detail": exc.messages}, status=400)
    return JsonResponse({"result": True, "errorCode": 0})
