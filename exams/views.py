"""Pages of exam coordinators and proctors: lists, the live console, printable lists, receipt
verification, results and their Excel export."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api import safe_row

from . import access, permissions, services
from .console import exam_overview
from .models import Attempt, Candidate


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
    """One sheet per room, one per class: number, name, version, state, score, receipt."""
    from openpyxl import Workbook

    exam = permissions.exam_for(request.user, exam_id)
    rows = list(
        Candidate.objects.filter(exam=exam)
        .select_related("room", "attempt")
        .order_by("room__name", "seat", "number")
    )
    header = [
        _("Số báo danh"),
        _("Họ và tên"),
        _("Lớp"),
        _("Phòng"),
        _("Ghế"),
        _("Mã đề"),
        _("Trạng thái"),
        _("Điểm"),
        _("Mã biên nhận"),
    ]
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    groups: dict[str, list[Candidate]] = {}
    for c in rows:
        groups.setdefault(_("Phòng %(r)s") % {"r": c.room.name if c.room else "—"}, []).append(c)
    for c in sorted(rows, key=lambda c: (c.class_name, c.name_key)):
        groups.setdefault(_("Lớp %(c)s") % {"c": c.class_name or "—"}, []).append(c)
    for title, members in groups.items():
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for c in members:
            a = c.attempt
            ws.append(
                safe_row(
                    [
                        c.number,
                        c.full_name,
                        c.class_name,
                        c.room.name if c.room else "",
                        c.seat,
                        a.version_code,
                        a.get_state_display(),
                        float(a.score) if a.score is not None else None,
                        a.receipt,
                    ]
                )
            )
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ket-qua-{exam.code}.xlsx"'
    return response


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
