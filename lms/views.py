"""Web pages of the LMS. Views parse input, call services or permission-filtered reads, render."""

from __future__ import annotations

import csv
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content import api as content_api
from core.api import (
    SchoolYear,
    User,
    current_school_year,
    record_personal_data_views,
    xlsx_response,
)

from . import (
    access,
    certificates,
    dashboards,
    exports,
    fastpage,
    pd,
    progress,
    readiness,
    services,
    structure,
)
from .gradebook import book_report, column_label
from .models import (
    Activity,
    Certificate,
    Course,
    CourseEnrolment,
    FlippedLesson,
    GradeBook,
    Progress,
)


class AuthedRequest(HttpRequest):
    user: User


def _course_for(request: AuthedRequest, course_id: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("organisation"), pk=course_id)
    if not access.can_view_course(request.user, course):
        raise Http404
    return course


def _activity_for(request: AuthedRequest, activity_id: int) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("module__course", "lesson"), pk=activity_id
    )
    if not access.can_view_course(request.user, activity.module.course):
        raise Http404
    return activity


@login_required
@require_GET
def course_detail(request: AuthedRequest, course_id: int) -> HttpResponse:
    """The page every enrolled learner opens at peak. Its cost: the learner's enrolment (with the
    course), the role check and their completed activities, three small queries; the main block
    comes from the cache (structure.page_body), so most requests render only the frame."""
    enrolment = (
        CourseEnrolment.objects.select_related("course__organisation")
        .filter(course_id=course_id, user=request.user)
        .first()
    )
    if enrolment is not None:
        course = enrolment.course
    else:
        course = get_object_or_404(Course.objects.select_related("organisation"), pk=course_id)
    manages = access.can_manage_course(request.user, course)
    if enrolment is None and not manages:
        raise Http404
    done = progress.completed_in_course(request.user, course.pk) if enrolment else frozenset()
    body, _percent = structure.page_body(course, done, manages)
    if enrolment is not None and not manages:
        fastpage.report_state(request, course, done, body)
    return render(request, "lms/course_detail.html", {"course": course, "body": body})


@login_required
def activity_detail(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = _activity_for(request, activity_id)
    course = activity.module.course
    learner = course.enrolments.filter(user=request.user).exists()
    if request.method == "POST":
        if not learner:
            raise PermissionDenied
        try:
            if activity.kind == Activity.Kind.QUIZ:
                answers: dict[int, int] = {}
                for q in activity.questions.all():
                    raw = request.POST.get(f"q{q.position}", "")
                    if raw.isdigit():
                        answers[q.position] = int(raw)
                services.answer_quiz(request.user, activity, answers)
                messages.success(request, _("Đã nộp câu trả lời."))
            elif activity.kind == Activity.Kind.ASSIGNMENT:
                services.submit_assignment(
                    request.user,
                    activity,
                    text=request.POST.get("text", ""),
                    file=request.FILES.get("file"),
                )
                messages.success(request, _("Đã nộp bài."))
            elif activity.kind == Activity.Kind.DISCUSSION:
                parent_id = request.POST.get("parent")
                parent = activity.posts.filter(pk=parent_id).first() if parent_id else None
                services.post_message(
                    request.user, activity, body=request.POST.get("body", ""), parent=parent
                )
            elif activity.kind == Activity.Kind.LIVE:
                services.attend_live(request.user, activity)
                return redirect(activity.live_url)
            else:
                seconds = request.POST.get("seconds", "0")
                services.record_view(
                    request.user, activity, seconds=int(seconds) if seconds.isdigit() else 0
                )
                messages.success(request, _("Đã ghi nhận bạn học xong phần này."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        target = activity.lesson_id and redirect("lms:lesson", activity.lesson_id)
        return target or redirect("lms:activity", activity.pk)
    mine = Progress.objects.filter(activity=activity, user=request.user).first()
    return render(
        request,
        "lms/activity_detail.html",
        {
            "activity": activity,
            "course": course,
            "progress": mine,
            "learner": learner,
            "blocked": progress.unavailable_reason(request.user, activity, timezone.now())
            if learner
            else "",
            "player_url": content_api.player_url(int(activity.ref_id), lms_activity_id=activity.pk)
            if learner and activity.kind == Activity.Kind.CONTENT and activity.ref_id.isdigit()
            else None,
            "questions": list(activity.questions.all()),
            "submissions": activity.submissions.filter(student=request.user),
            "posts": activity.posts.filter(parent__isnull=True).prefetch_related("replies__author"),
        },
    )


@login_required
@require_GET
def lesson_detail(request: AuthedRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(FlippedLesson.objects.select_related("course"), pk=lesson_id)
    if not access.can_view_course(request.user, lesson.course):
        raise Http404
    activities = list(lesson.activities.order_by("position", "pk"))
    mine = {
        p.activity_id: p
        for p in Progress.objects.filter(activity__in=activities, user=request.user)
    }
    rows = [(a, mine.get(a.pk)) for a in activities]
    return render(
        request,
        "lms/lesson_detail.html",
        {
            "lesson": lesson,
            "before": [r for r in rows if r[0].phase == Activity.Phase.BEFORE],
            "after": [r for r in rows if r[0].phase == Activity.Phase.AFTER],
            "manages": access.can_manage_course(request.user, lesson.course),
            "now": timezone.now(),
        },
    )


def _managed_lesson(request: AuthedRequest, lesson_id: int) -> FlippedLesson:
    lesson = get_object_or_404(FlippedLesson.objects.select_related("course"), pk=lesson_id)
    if not access.can_manage_course(request.user, lesson.course):
        raise Http404
    return lesson


@login_required
@require_GET
def lesson_readiness(request: AuthedRequest, lesson_id: int) -> HttpResponse:
    lesson = _managed_lesson(request, lesson_id)
    report = readiness.readiness_report(lesson)
    return render(request, "lms/lesson_readiness.html", {"lesson": lesson, "report": report})


@login_required
@require_GET
def lesson_readiness_csv(request: AuthedRequest, lesson_id: int) -> HttpResponse:
    lesson = _managed_lesson(request, lesson_id)
    report = readiness.readiness_report(lesson)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chuan-bi-bai-{lesson.pk}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Vietnamese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Học sinh"),
            *[exports.safe_cell(m.title) for m in report.materials],
            _("Điểm câu hỏi"),
            _("Đã chuẩn bị"),
        ]
    )
    for row in report.students:
        writer.writerow(
            [
                exports.safe_cell(row.full_name),
                *[
                    timezone.localtime(v.at).strftime("%d/%m/%Y %H:%M") if v.at else ""
                    for v in row.viewed
                ],
                str(row.quiz_score) if row.quiz_score is not None else "",
                _("Có") if row.prepared else _("Chưa"),
            ]
        )
    return response


@login_required
@require_GET
def grade_book_detail(request: AuthedRequest, book_id: int) -> HttpResponse:
    book = get_object_or_404(
        GradeBook.objects.select_related("school_class", "subject", "semester__school_year"),
        pk=book_id,
    )
    if not access.can_view_book(request.user, book):
        raise Http404
    report = book_report(book)
    # Law 91/2025: the students whose grades were shown to this viewer (docs/privacy.md).
    record_personal_data_views(
        request.user,
        [row.student_id for row in report.students],
        _("Sổ điểm: %(book)s") % {"book": book},
    )
    return render(
        request,
        "lms/grade_book.html",
        {
            "book": book,
            "report": report,
            "headers": [column_label(c) for c in report.columns],
            "can_edit": access.can_edit_book(request.user, book),
            "can_approve": access.can_approve_book(request.user, book),
        },
    )


@login_required
@require_POST
def grade_book_action(request: AuthedRequest, book_id: int, action: str) -> HttpResponse:
    book = get_object_or_404(GradeBook, pk=book_id)
    if not access.can_view_book(request.user, book):
        raise Http404
    try:
        if action == "submit":
            services.submit_grade_book(request.user, book)
        elif action == "approve":
            services.approve_grade_book(request.user, book)
        elif action == "reopen":
            services.reopen_grade_book(request.user, book, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("lms:grade_book", book.pk)


@login_required
@require_GET
def pd_overview(request: AuthedRequest) -> HttpResponse:
    year: SchoolYear = current_school_year()
    today = timezone.localdate()
    open_courses = Course.objects.filter(kind=Course.Kind.PD, self_enrol=True).select_related(
        "organisation"
    )
    staff_paths = {
        p
        for role in ("teacher", "subject_head", "school_admin")
        for p in access.role_paths(request.user).get(role, ())
    }
    catalogue = [
        c for c in open_courses if any(p.startswith(c.organisation.path) for p in staff_paths)
    ]
    mine = request.user.course_enrolments.filter(course__kind=Course.Kind.PD).select_related(
        "course"
    )
    schools = access.admin_schools(request.user)
    return render(
        request,
        "lms/pd_overview.html",
        {
            "year": year,
            "hours": pd.hours_for(request.user, year),
            "target": pd.target_for(request.user, year),
            "catalogue": catalogue,
            "mine": mine,
            "reports": [(s, pd.school_report(s, year, today)) for s in schools],
        },
    )


@login_required
@require_POST
def pd_enrol(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id, kind=Course.Kind.PD)
    try:
        services.enrol_self(request.user, course)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("lms:pd")
    return redirect("lms:course", course.pk)


@require_GET
def certificate_verify(request: HttpRequest, certificate_id: uuid.UUID) -> HttpResponse:
    """Public: anyone holding the paper can check it was issued (and sealed) here."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrolment__user", "enrolment__course"),
        pk=certificate_id,
    )
    return render(request, "lms/certificate_verify.html", {"c": certificates.describe(certificate)})


@login_required
@require_GET
def certificate_pdf(request: AuthedRequest, certificate_id: uuid.UUID) -> Any:
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    if certificate.enrolment.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return FileResponse(certificate.pdf.open("rb"), content_type="application/pdf")


@login_required
@require_GET
def course_dashboard(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = _course_for(request, course_id)
    manages = access.can_manage_course(request.user, course)
    context: dict[str, Any] = {"course": course, "manages": manages}
    if manages:
        learner_ids = list(course.enrolments.values_list("user_id", flat=True))
        record_personal_data_views(
            request.user, learner_ids, _("Tiến độ học tập: %(course)s") % {"course": course}
        )
        context["rows"] = dashboards.class_rows(course)
        total = max(len(learner_ids) * course_activity_count(course), 1)
        context["chart"] = dashboards.line_chart(
            dashboards.completion_over_time(learner_ids, course), maximum=total
        )
        context.update(dashboards.class_charts(course))
    else:
        context["me"] = dashboards.student_dashboard(request.user, course)
    return render(request, "lms/dashboard.html", context)


def course_activity_count(course: Course) -> int:
    return Activity.objects.filter(module__course=course).count()


@login_required
@require_GET
def course_export(request: AuthedRequest, course_id: int, fmt: str) -> HttpResponse:
    course = _course_for(request, course_id)
    if not access.can_manage_course(request.user, course):
        raise Http404
    rows = dashboards.class_rows(course)
    record_personal_data_views(
        request.user,
        list(course.enrolments.values_list("user_id", flat=True)),
        _("Xuất tiến độ học tập: %(course)s") % {"course": course},
    )
    if fmt == "xlsx":
        return xlsx_response(exports.progress_xlsx(rows, course.title), f"tien-do-{course.pk}.xlsx")
    if fmt != "csv":
        raise Http404
    response = HttpResponse(exports.progress_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tien-do-{course.pk}.csv"'
    return response
