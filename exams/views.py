"""Pages of exam coordinators and proctors: lists, the live console, printable lists, receipt
verification, results and their Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.api import xlsx_response

from . import access, exports, permissions, services
from .console import exam_overview
from .models import Attempt


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    exams = permissions.managed_exams(request.user).select_related("organisation")
    rooms = (
        permissions.rooms_for(request.user)
        .select_related("session__exam")
        .order_by("-session__starts", "name")
    )
    return render(request, "exams/exam_list.html", {"exams": exams, "rooms": rooms})


@login_required
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    context: dict[str, Any] = {"exam": exam, "overview": exam_overview(exam)}
    if request.method == "POST" and "receipt" in request.POST:
        context["check"] = services.verify_receipt(
            request.user, exam, request.POST.get("number", ""), request.POST.get("receipt", "")
        )
        context["checked_number"] = request.POST.get("number", "")
    return render(request, "exams/exam_detail.html", context)


@login_required
@require_POST
def publish(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    if request.POST.get("unpublish"):
        services.unpublish_results(request.user, exam)
    else:
        try:
            services.publish_reviewed_results(request.user, exam)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("exams:review", exam_id=exam.pk)
    return redirect("exams:exam", exam_id=exam.pk)


@login_required
def results_xlsx(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    return xlsx_response(exports.results_workbook(exam), f"ket-qua-{exam.code}.xlsx")


@login_required
def room_console(request: HttpRequest, room_id: int) -> HttpResponse:
    room = permissions.room_for(request.user, room_id)
    return render(request, "exams/console.html", {"room": room})


@login_required
def room_list(request: HttpRequest, room_id: int) -> HttpResponse:
    """Printable list of the room (danh sách phòng thi) and seat cards with passwords."""
    room = permissions.room_for(request.user, room_id)
    candidates = list(room.candidates.select_related("attempt").order_by("seat", "number"))
    cards = request.GET.get("cards") == "1"
    if cards:
        for c in candidates:
            c.password = access.candidate_password(c.pk, c.number)  # type: ignore[attr-defined]
    return render(
        request,
        "exams/room_list.html",
        {"room": room, "candidates": candidates, "cards": cards, "states": Attempt.State},
    )
