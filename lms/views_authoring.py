"""Teacher authoring pages: a class course from the roster, modules, activities of every kind,
flipped lessons, quiz questions, reordering (HTMX), grading and pulling online-test results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.api import SchoolClass, Subject

from . import access, authoring, services
from .models import Activity, Course, Module, Submission
from .views import AuthedRequest


def _managed(request: AuthedRequest, course_id: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("school_class"), pk=course_id)
    if not access.can_manage_course(request.user, course):
        raise Http404
    return course


def _managed_activity(request: AuthedRequest, activity_id: int) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("module__course__school_class"), pk=activity_id
    )
    if not access.can_manage_course(request.user, activity.module.course):
        raise Http404
    return activity


def _errors(request: AuthedRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def course_new(request: AuthedRequest) -> HttpResponse:
    """A class course made from one of the teacher's (class, subject) teaching assignments."""
    pairs = authoring.teachable(request.user)
    if request.method == "POST":
        raw = request.POST.get("pair", "")
        class_id, _sep, subject_id = raw.partition(":")
        if not (class_id.isdigit() and subject_id.isdigit()):
            messages.error(request, _("Cần chọn lớp và môn học."))
            return redirect("lms:course_new")
        school_class = get_object_or_404(SchoolClass, pk=int(class_id))
        if not access.teaches(request.user, school_class, int(subject_id)):
            raise Http404
        try:
            course = services.create_course(
                request.user,
                kind=Course.Kind.CLASS,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                school_class=school_class,
                subject=get_object_or_404(Subject, pk=int(subject_id)),
            )
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("lms:course_new")
        messages.success(request, _("Đã tạo khoá học và ghi danh học sinh của lớp."))
        return redirect("lms:course_edit", course.pk)
    return render(request, "lms/course_new.html", {"pairs": pairs})


def _editor_context(course: Course) -> dict[str, Any]:
    modules = list(course.modules.prefetch_related("activities__prerequisites"))
    return {
        "course": course,
        "modules": modules,
        "lessons": list(course.lessons.all()),
        "kinds": Activity.Kind.choices,
        "rules": Activity.Rule.choices,
        "phases": [p for p in Activity.Phase.choices if p[0]],
        "activities": [a for m in modules for a in m.activities.all()],
        # Removed activities that learners had worked on, which the teacher may bring back.
        "archived": list(
            Activity.all_objects.filter(module__course=course, archived_at__isnull=False)
            .select_related("module")
            .order_by("-archived_at", "pk")
        ),
        "semesters": authoring.semesters_of(course),
        "grade_columns": authoring.GRADE_COLUMNS if course.school_class_id else (),
    }


@login_required
def course_edit(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = _managed(request, course_id)
    return render(request, "lms/course_edit.html", _editor_context(course))


@login_required
@require_POST
def module_add(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = _managed(request, course_id)
    title = request.POST.get("title", "").strip()
    if not title:
        messages.error(request, _("Cần nhập tên chương."))
    else:
        services.add_module(request.user, course, title=title)
    return redirect("lms:course_edit", course.pk)


@login_required
@require_POST
def lesson_add(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = _managed(request, course_id)
    try:
        starts = authoring.when(request.POST.get("class_starts_at"), _("Giờ lên lớp"))
        if starts is None:
            raise ValidationError(_("Cần nhập giờ lên lớp."))
        services.create_flipped_lesson(
            request.user, course, title=request.POST.get("title", ""), class_starts_at=starts
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("lms:course_edit", course.pk)


@login_required
@require_POST
def activity_add(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = _managed(request, course_id)
    module = _target_module(request, course)
    try:
        data = authoring.from_form(request.POST)
        activity = services.add_activity(
            request.user, module, **authoring.service_kwargs(module, data)
        )
        messages.success(request, _("Đã thêm hoạt động “%(t)s”.") % {"t": activity.title})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("lms:course_edit", module.course_id)


@login_required
@require_POST
def activity_move(request: AuthedRequest, activity_id: int, direction: str) -> HttpResponse:
    """Up or down one place. HTMX swaps the module's list; without scripts the page reloads."""
    activity = _managed_activity(request, activity_id)
    if direction not in ("up", "down"):
        raise Http404
    services.move_activity(request.user, activity, -1 if direction == "up" else 1)
    module = activity.module
    if request.headers.get("HX-Request"):
        return render(
            request,
            "lms/_module_activities.html",
            {"module": Module.objects.prefetch_related("activities").get(pk=module.pk)},
        )
    return redirect("lms:course_edit", module.course_id)


def _target_module(request: AuthedRequest, course: Course) -> Module:
    raw = request.POST.get("module", "")
    return get_object_or_404(
        Module.objects.select_related("course__school_class"),
        pk=int(raw) if raw.isdigit() else 0,
        course=course,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthedRequest, activity_id: int) -> HttpResponse:
    """Edit an activity (same rules as adding) or move it to another module of the course."""
    activity = _managed_activity(request, activity_id)
    course = activity.module.course
    if request.method == "POST":
        target = _target_module(request, course)
        try:
            data = authoring.from_form(request.POST)
            services.update_activity(
                request.user,
                activity,
                module=target,
                **authoring.service_kwargs(target, data),
            )
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("lms:activity_edit", activity.pk)
        messages.success(request, _("Đã lưu hoạt động “%(t)s”.") % {"t": data.title.strip()})
        return redirect("lms:course_edit", course.pk)
    context = _editor_context(course)
    context.update(
        {
            "activity": activity,
            "required": set(activity.prerequisites.values_list("pk", flat=True)),
            "has_work": services.has_learner_work(activity),
        }
    )
    return render(request, "lms/activity_edit.html", context)


@login_required
@require_POST
def activity_delete(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = _managed_activity(request, activity_id)
    outcome = services.remove_activity(request.user, activity)
    if outcome == "archived":
        messages.success(
            request,
            _(
                "Đã lưu trữ hoạt động “%(t)s”: học sinh không còn thấy hoạt động, bài nộp và "
                "điểm đã có vẫn được giữ."
            )
            % {"t": activity.title},
        )
    else:
        messages.success(request, _("Đã xoá hoạt động “%(t)s”.") % {"t": activity.title})
    return redirect("lms:course_edit", activity.module.course_id)


@login_required
@require_POST
def activity_restore(request: AuthedRequest, activity_id: int) -> HttpResponse:
    """An archived activity back at the end of its module (listed under "Đã lưu trữ")."""
    activity = get_object_or_404(
        Activity.all_objects.select_related("module__course__school_class"), pk=activity_id
    )
    if not access.can_manage_course(request.user, activity.module.course):
        raise Http404
    try:
        services.restore_activity(request.user, activity)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Đã khôi phục hoạt động “%(t)s” vào cuối chương “%(m)s”.")
            % {"t": activity.title, "m": activity.module.title},
        )
    return redirect("lms:course_edit", activity.module.course_id)


@login_required
@require_POST
def module_move(request: AuthedRequest, module_id: int, direction: str) -> HttpResponse:
    """Up or down one place. HTMX swaps the list of modules; without scripts the page reloads."""
    module = get_object_or_404(Module.objects.select_related("course__school_class"), pk=module_id)
    if not access.can_manage_course(request.user, module.course):
        raise Http404
    if direction not in ("up", "down"):
        raise Http404
    services.move_module(request.user, module, -1 if direction == "up" else 1)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "lms/_modules.html",
            {"modules": list(module.course.modules.prefetch_related("activities"))},
        )
    return redirect("lms:course_edit", module.course_id)


@login_required
@require_POST
def quiz_question_add(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = _managed_activity(request, activity_id)
    options = [o.strip() for o in request.POST.get("options", "").splitlines() if o.strip()]
    raw = request.POST.get("correct", "")
    try:
        services.add_quiz_question(
            request.user,
            activity,
            prompt=request.POST.get("prompt", ""),
            options=options,
            correct=int(raw) - 1 if raw.isdigit() else -1,
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("lms:course_edit", activity.module.course_id)


@login_required
@require_POST
def activity_import_results(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = _managed_activity(request, activity_id)
    try:
        n = services.import_test_results(request.user, activity)
        messages.success(request, _("Đã lấy %(n)s kết quả bài kiểm tra.") % {"n": n})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("lms:course_edit", activity.module.course_id)


@login_required
@require_http_methods(["GET", "POST"])
def submissions(request: AuthedRequest, activity_id: int) -> HttpResponse:
    """The teacher grades the latest attempt of each student with the rubric."""
    activity = _managed_activity(request, activity_id)
    if activity.kind != Activity.Kind.ASSIGNMENT:
        raise Http404
    if request.method == "POST":
        raw_id = request.POST.get("submission", "")
        sub = get_object_or_404(
            Submission, pk=int(raw_id) if raw_id.isdigit() else 0, activity=activity
        )
        rubric = activity.rubric or [{"criterion": _("Điểm"), "max": 10}]
        try:
            services.grade_submission(
                request.user,
                sub,
                points=[request.POST.get(f"p{i}", "") or "0" for i in range(len(rubric))],
                feedback=request.POST.get("feedback", ""),
            )
            messages.success(request, _("Đã chấm bài của %(n)s.") % {"n": sub.student.full_name})
        except (ValidationError, ArithmeticError) as exc:
            if isinstance(exc, ValidationError):
                _errors(request, exc)
            else:
                messages.error(request, _("Điểm thành phần phải là số."))
        return redirect("lms:submissions", activity.pk)
    latest: dict[int, Submission] = {}
    for sub in activity.submissions.select_related("student").order_by("attempt"):
        latest[sub.student_id] = sub
    return render(
        request,
        "lms/submissions.html",
        {
            "activity": activity,
            "course": activity.module.course,
            "rubric": activity.rubric or [{"criterion": _("Điểm"), "max": 10}],
            "rows": sorted(latest.values(), key=lambda s: s.student.full_name),
        },
    )
