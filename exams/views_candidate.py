"""The candidate's pages: sign-in, access code, the exam player and the receipt.

The sign-in token lives in the Django session (and in the player page, which sends it in the
X-Exam-Token header); the pages call the same services as the JSON API.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.api import client_ip

from . import services
from .models import Attempt, Candidate

SESSION_ATTEMPT = "exams.attempt"
SESSION_TOKEN = "exams.token"  # noqa: S105 - a session key


def _remember(request: HttpRequest, signed: services.SignIn) -> None:
    request.session[SESSION_ATTEMPT] = signed.attempt_id
    request.session[SESSION_TOKEN] = signed.token


def _current(request: HttpRequest) -> tuple[int, str]:
    attempt_id, token = request.session.get(SESSION_ATTEMPT), request.session.get(SESSION_TOKEN)
    if not attempt_id or not token:
        raise services.ExamError("unauthenticated", "", 401)
    return int(attempt_id), str(token)


def _error_page(request: HttpRequest, error: services.ExamError) -> HttpResponse:
    if error.code in ("unauthenticated", "not_found"):
        return redirect("exams:sign_in")
    return render(request, "exams/candidate_error.html", {"error": error}, status=error.status)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"values": request.POST}
    if request.method == "POST":
        try:
            signed = services.sign_in_candidate(
                request.POST.get("exam", ""),
                request.POST.get("number", ""),
                request.POST.get("password", ""),
            )
        except services.ExamError as error:
            context["error"] = error.message
            return render(request, "exams/sign_in.html", context, status=error.status)
        _remember(request, signed)
        return redirect("exams:enter")
    return render(request, "exams/sign_in.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_exams(request: HttpRequest) -> HttpResponse:
    candidates = (
        Candidate.objects.filter(user_id=int(request.user.pk or 0))
        .select_related("exam", "session", "room", "attempt")
        .order_by("-session__starts")
    )
    if request.method == "POST":
        try:
            signed = services.sign_in_own_account(
                request.user, int(request.POST.get("candidate", 0))
            )
        except (services.ExamError, ValueError):
            raise Http404 from None
        _remember(request, signed)
        return redirect("exams:enter")
    return render(request, "exams/my_exams.html", {"candidates": candidates})


@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    try:
        attempt_id, token = _current(request)
        attempt = services.attempt_state(attempt_id, token)
    except services.ExamError as error:
        return _error_page(request, error)
    if attempt.state == Attempt.State.IN_PROGRESS:
        return redirect("exams:play")
    if attempt.state == Attempt.State.SUBMITTED:
        return redirect("exams:receipt")
    context: dict[str, Any] = {"attempt": attempt, "candidate": attempt.candidate}
    if request.method == "POST":
        try:
            services.start_attempt(
                attempt_id,
                token,
                access_code=request.POST.get("access_code", ""),
                ip=client_ip(request),
                url=request.build_absolute_uri(),
                seb_header=request.META.get("HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH"),
            )
        except services.ExamError as error:
            context["error"] = error.message
            return render(request, "exams/enter.html", context, status=error.status)
        return redirect("exams:play")
    return render(request, "exams/enter.html", context)


def play(request: HttpRequest) -> HttpResponse:
    try:
        attempt_id, token = _current(request)
        attempt = services.attempt_state(attempt_id, token)
    except services.ExamError as error:
        return _error_page(request, error)
    if attempt.state == Attempt.State.READY:
        return redirect("exams:enter")
    if attempt.state == Attempt.State.SUBMITTED:
        return redirect("exams:receipt")
    return render(
        request,
        "exams/play.html",
        {"attempt": attempt, "candidate": attempt.candidate, "token": token},
    )


def receipt(request: HttpRequest) -> HttpResponse:
    try:
        attempt_id, token = _current(request)
        attempt = services.attempt_state(attempt_id, token)
    except services.ExamError as error:
        return _error_page(request, error)
    if attempt.state != Attempt.State.SUBMITTED:
        return redirect("exams:play")
    if request.GET.get("download"):
        document = services.receipt_document(attempt)
        response = HttpResponse(document, content_type="application/json; charset=utf-8")
        name = f"bien-nhan-{attempt.candidate.exam.code}-{attempt.candidate.number}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Receipt-SHA256"] = attempt.receipt
        return response
    results = attempt.candidate.exam.results_published is not None
    return render(
        request,
        "exams/receipt.html",
        {"attempt": attempt, "candidate": attempt.candidate, "results": results},
    )
