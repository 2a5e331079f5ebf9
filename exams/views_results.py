"""The coordinator's results pages (score review and publication, item analysis, the candidate
import from Excel) and the candidate's result page. Coordinators of the exam's organisation only;
anyone else gets 404, as on every exams page."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessment import api as assessment
from core.api import xlsx_response

from . import exports, importing, permissions, services
from .analysis import analyse_subject, score_rows, summarise
from .models import Attempt, Candidate, Exam
from .views_candidate import _current, _error_page

SESSION_IMPORT = "exams.import"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # option labels of a version, as the player shows them


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- Score review and publication -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    rooms = list(
        permissions.rooms_for(request.user)
        .filter(session__exam=exam)
        .select_related("session__subject", "results_reviewed_by")
        .order_by("session__starts", "name")
    )
    if request.method == "POST":
        return _review_action(request, exam, {r.pk: r for r in rooms})
    room = next((r for r in rooms if str(r.pk) == request.GET.get("room")), None)
    candidates = (
        Candidate.objects.filter(exam=exam)
        .select_related("attempt", "room", "session__subject__test")
        .order_by("room__name", "seat", "number")
    )
    subjects = list(exam.subjects.order_by("pk"))
    subject = next((x for x in subjects if str(x.pk) == request.GET.get("subject")), None)
    if room is not None:
        candidates = candidates.filter(room=room)
    if subject is not None:
        candidates = candidates.filter(session__subject=subject)
    summary = summarise(score_rows(candidates))
    return render(
        request,
        "exams/review.html",
        {
            "exam": exam,
            "rooms": rooms,
            "room": room,
            "subjects": subjects,
            "subject": subject,
            "summary": summary,
            "chart": assessment.histogram(
                summary.histogram, title=_("Số thí sinh theo khoảng điểm (thang 10)")
            ),
            "all_reviewed": all(r.results_reviewed for r in rooms),
            "submitted": Attempt.State.SUBMITTED,
        },
    )


def _review_action(request: HttpRequest, exam: Exam, rooms: dict[int, Any]) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action in ("review", "unreview"):
            room = rooms.get(int(request.POST.get("room") or 0))
            if room is None:
                return HttpResponse(status=404)
            services.mark_room_reviewed(request.user, room, reviewed=action == "review")
        elif action == "policy":
            services.set_result_policy(
                request.user, exam, show_answers=request.POST.get("show_answers") == "1"
            )
        elif action == "publish":
            services.publish_reviewed_results(request.user, exam)
            messages.success(request, _("Đã công bố kết quả cho thí sinh."))
        elif action == "unpublish":
            services.unpublish_results(request.user, exam)
        else:
            return HttpResponse(status=400)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except ValueError:
        return HttpResponse(status=400)
    return redirect("exams:review", exam_id=exam.pk)


# --- Item analysis ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_analysis(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    subjects = list(exam.subjects.select_related("test").order_by("pk"))
    if request.method == "POST":
        if not request.POST.get("subject"):
            return HttpResponse(status=400)
        subject = next((s for s in subjects if str(s.pk) == request.POST.get("subject")), None)
        if subject is None:
            return HttpResponse(status=404)
        result = services.publish_item_statistics(request.user, subject)
        messages.success(
            request,
            _("Đã ghi thống kê của %(n)s câu hỏi vào ngân hàng câu hỏi.")
            % {"n": len(result.items)},
        )
        return redirect("exams:item_analysis", exam_id=exam.pk)
    analyses = []
    for subject in subjects:
        result = analyse_subject(subject)
        chart = assessment.bar_chart(
            [_("Câu %(n)s") % {"n": i.number} for i in result.items],
            [i.facility * 100 for i in result.items],
            title=_("Độ khó p theo câu (phần trăm điểm đạt được) — %(s)s") % {"s": subject.name},
            value_format="{:.0f}",
            max_value=100,
        )
        analyses.append({"result": result, "chart": chart})
    return render(request, "exams/item_analysis.html", {"exam": exam, "analyses": analyses})


@login_required
def item_analysis_xlsx(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = permissions.exam_for(request.user, exam_id)
    return xlsx_response(
        exports.item_analysis_workbook(exam), f"phan-tich-cau-hoi-{exam.code}.xlsx"
    )


# --- Candidates from Excel ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_candidates(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Upload → preview (nothing stored) → confirm (all or nothing)."""
    exam = permissions.exam_for(request.user, exam_id)
    sessions = list(exam.sessions.order_by("starts", "pk"))
    context: dict[str, Any] = {"exam": exam, "sessions": sessions, "max_rows": importing.MAX_ROWS}
    if request.method == "GET":
        return render(request, "exams/import.html", context)
    session = next((s for s in sessions if str(s.pk) == request.POST.get("session")), None)
    if session is None:
        context["errors"] = [_("Hãy chọn ca thi.")]
        return render(request, "exams/import.html", context, status=400)
    context["session"] = session
    if request.POST.get("confirm"):
        return _commit_import(request, exam, session, context)
    upload = request.FILES.get("file")
    if upload is None:
        context["errors"] = [_("Hãy chọn tệp Excel (.xlsx).")]
        return render(request, "exams/import.html", context, status=400)
    if upload.size and upload.size > importing.MAX_BYTES:
        context["errors"] = [
            _("Tệp %(f)s lớn hơn giới hạn %(mb)s MB.")
            % {"f": upload.name, "mb": importing.MAX_BYTES // (1024 * 1024)}
        ]
        return render(request, "exams/import.html", context, status=400)
    data = upload.read()
    name = str(upload.name or "")
    try:
        taken = set(Candidate.objects.filter(exam=exam).values_list("number", flat=True))
        people = importing.parse_candidates(data, name, taken=taken)
    except ValidationError as error:
        context["errors"] = _errors(error)
        return render(request, "exams/import.html", context, status=400)
    digest = hashlib.sha256(data).hexdigest()
    # The checked file waits in the session for the confirmation; nothing is stored otherwise.
    request.session[SESSION_IMPORT] = {
        "exam": exam.pk,
        "session": session.pk,
        "name": name,
        "digest": digest,
        "data": base64.b64encode(data).decode(),
    }
    context.update({"people": people, "digest": digest, "name": name})
    return render(request, "exams/import.html", context)


def _commit_import(
    request: HttpRequest, exam: Exam, session: Any, context: dict[str, Any]
) -> HttpResponse:
    pending = request.session.get(SESSION_IMPORT) or {}
    if (
        pending.get("exam") != exam.pk
        or pending.get("session") != session.pk
        or pending.get("digest") != request.POST.get("digest")
    ):
        context["errors"] = [_("Bản xem trước đã hết hạn: hãy tải tệp lên lại.")]
        return render(request, "exams/import.html", context, status=400)
    try:
        made = services.import_candidates(
            request.user, session, base64.b64decode(pending["data"]), pending["name"]
        )
    except ValidationError as error:
        context["errors"] = _errors(error)
        return render(request, "exams/import.html", context, status=400)
    del request.session[SESSION_IMPORT]
    messages.success(request, _("Đã thêm %(n)s thí sinh.") % {"n": len(made)})
    return redirect("exams:exam", exam_id=exam.pk)


@login_required
def import_template(request: HttpRequest, exam_id: int) -> HttpResponse:
    permissions.exam_for(request.user, exam_id)
    return xlsx_response(importing.template_xlsx(), "mau-danh-sach-thi-sinh.xlsx")


# --- The candidate's result -----------------------------------------------------------------


def _answer_text(row: dict[str, Any], response: Any) -> str:
    """A response as the candidate saw the question: options by their letter in this version."""
    if response in (None, "", [], {}):
        return "—"
    order = row.get("choice_order") or []
    letter = {option: LETTERS[i] for i, option in enumerate(order)}
    if isinstance(response, str):
        return letter.get(response, response)
    if isinstance(response, list):
        return ", ".join(sorted(letter.get(str(r), str(r)) for r in response))
    if isinstance(response, dict):
        judged = {True: _("Đ"), False: _("S")}
        return " ".join(
            f"{k}:{judged.get(v, str(v)) if isinstance(v, bool) else v}"
            for k, v in sorted(response.items())
        )
    return str(response)


def _key_text(key: Any) -> str:
    if isinstance(key, dict):
        judged = {True: _("Đ"), False: _("S")}
        return " ".join(f"{k}:{judged.get(bool(v))}" for k, v in sorted(key.items()))
    if isinstance(key, list):
        return ", ".join(str(k) for k in key)
    return "" if key is None else str(key)


def result(request: HttpRequest) -> HttpResponse:
    """The candidate's score (and, when the exam allows, answers against the key) once the
    results are published; before that, nothing but "not published yet"."""
    try:
        attempt_id, token = _current(request)
        services.authenticate(attempt_id, token)
    except services.ExamError as error:
        return _error_page(request, error)
    attempt = Attempt.objects.select_related("candidate__exam", "candidate__session__subject").get(
        pk=attempt_id
    )
    candidate = attempt.candidate
    exam = candidate.exam
    context: dict[str, Any] = {"candidate": candidate, "exam": exam, "published": False}
    if exam.results_published is None or attempt.state != Attempt.State.SUBMITTED:
        return render(request, "exams/result.html", context)
    (row,) = score_rows([candidate])
    context.update({"published": True, "row": row, "attempt": attempt})
    if exam.show_answers:
        answers = {a.position: a for a in attempt.answers.all()}
        context["answers"] = [
            {
                "position": r["position"],
                "response": _answer_text(r, answers[r["position"]].response)
                if r["position"] in answers
                else "—",
                "key": _key_text(r.get("key")),
                "score": answers[r["position"]].score if r["position"] in answers else None,
                "points": r["points"],
            }
            for r in attempt.layout
        ]
    return render(request, "exams/result.html", context)
