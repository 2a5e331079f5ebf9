"""Pages of online tests for students: the assignment page and the player."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import services
from .models import Assignment, Attempt
from .papers import key_text
from .permissions import own_attempt_or_404, takes
from .views_data import result_payload


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.select_related("test", "group"), pk=assignment_id
    )
    if not takes(request.user, assignment):
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            attempt = services.start_attempt(request.user, assignment)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            return redirect("assessment:attempt", attempt_id=attempt.pk)
    return render(request, "assessment/assignment.html", {"assignment": assignment, "error": error})


@login_required
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The player's shell; questions come from the API, which never sends keys."""
    attempt = get_object_or_404(Attempt.objects.select_related("assignment__test"), pk=attempt_id)
    if attempt.student_id != request.user.pk:
        raise Http404
    return render(request, "assessment/player.html", {"attempt": attempt})


@login_required
def result_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The student's review, built from the same payload as the API: nothing the result policy
    withholds (score, keys, solutions) is in the page."""
    attempt = own_attempt_or_404(request.user, attempt_id)
    result = result_payload(attempt)
    return render(
        request,
        "assessment/result.html",
        {
            "attempt": attempt,
            "result": result,
            "answers": [
                {
                    **a,
                    "response_text": key_text(a["response"]) or "—",
                    "key_text": key_text(a.get("key")),
                }
                for a in result.get("answers", [])
            ],
        },
    )
