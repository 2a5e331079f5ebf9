"""Teachers' pages: build a test (parts, bank items, blueprint grid), generate it, make versions
and download the papers, assign it to a class or group, grade, regrade, read the results.

Views parse, call one service and render; other schools' objects are 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.api import User, record_personal_data_views, xlsx_response
from question_bank.api import ItemVersion, Level, approved_items, search_approved_items

from . import analysis, builder, charts, grading, papers, services
from .management.commands.make_versions import parse_codes
from .models import (
    Assignment,
    Attempt,
    Regrade,
    ResultPolicy,
    StudentGroup,
    Test,
    TestItem,
    TestVersion,
)
from .permissions import (
    assignable_classes,
    assignment_or_404,
    is_staff,
    results_visible_assignment_ids,
    staff_school,
    test_or_404,
    visible_tests,
)
from .scoring import Rounding

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _staff_only(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Tests ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def test_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    errors: list[str] = []
    if request.method == "POST":
        try:
            test = services.create_test(
                request.user,
                title=request.POST.get("title", "").strip(),
                exam_name=request.POST.get("exam_name", "").strip(),
                subject=_subject(request.POST.get("subject")),
                grade=_int(request.POST.get("grade"), _("Khối")),
                duration_minutes=_int(request.POST.get("duration_minutes"), _("Thời gian")) or 45,
                school=staff_school(request.user),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect("assessment:test", test_id=test.pk)
    tests = (
        visible_tests(request.user)
        .select_related("subject")
        .annotate(n_versions=Count("versions", distinct=True))
        .order_by("-created")[:200]
    )
    from core.api import Subject

    return render(
        request,
        "assessment/teacher/test_list.html",
        {"tests": tests, "errors": errors, "subjects": Subject.objects.order_by("name")},
    )


def _subject(code: str | None) -> Any:
    from core.api import Subject

    if not code:
        return None
    subject = Subject.objects.filter(code=code).first()
    if subject is None:
        raise ValidationError(_("Không có môn học mã “%(c)s”.") % {"c": code})
    return subject


def _int(raw: str | None, label: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(_("%(f)s phải là số nguyên.") % {"f": label})
    return int(raw)


def _decimal(raw: str | None, label: str) -> Decimal | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(
            _("%(f)s: “%(v)s” không phải là số.") % {"f": label, "v": raw}
        ) from exc


def _test_context(request: HttpRequest, test: Test, **extra: Any) -> dict[str, Any]:
    assignments = list(
        test.assignments.select_related("school_class__school", "group").order_by("-opens")
    )
    for a in assignments:
        a.test = test
    return {
        "test": test,
        "outline": builder.outline(test),
        "versions": list(test.versions.values_list("code", flat=True)),
        "assignments": assignments,
        # Links to results only where the teacher may open them (Law 91/2025).
        "results_visible": results_visible_assignment_ids(request.user, test, assignments),
        "roundings": [r.value for r in Rounding],
        "levels": Level.choices,
        "types": list(builder.TYPE_LABELS.items()),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def test_detail(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.update_test(
                request.user,
                test,
                title=request.POST.get("title", "").strip(),
                exam_name=request.POST.get("exam_name", "").strip(),
                grade=_int(request.POST.get("grade"), _("Khối")),
                duration_minutes=_int(request.POST.get("duration_minutes"), _("Thời gian")) or 45,
                rounding=request.POST.get("rounding", test.rounding),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã lưu đề kiểm tra."))
            return redirect("assessment:test", test_id=test.pk)
    return render(
        request, "assessment/teacher/test_detail.html", _test_context(request, test, errors=errors)
    )


@login_required
@require_POST
def part_add(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    try:
        services.add_part(request.user, test, title=request.POST.get("title", ""))
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("assessment:test", test_id=test.pk)


@login_required
@require_GET
def bank_search(request: HttpRequest, test_id: int) -> HttpResponse:
    """Approved bank items for the add-item panel (an HTMX fragment)."""
    test = test_or_404(request.user, test_id)
    filters = {
        "subject": test.subject.code if test.subject else "",
        "grade": test.grade,
        "level": request.GET.get("level", ""),
        "type": request.GET.get("type", ""),
    }
    items = search_approved_items(
        request.user,
        request.GET.get("q", ""),
        filters,
        limit=30,
        prefix=request.GET.get("prefix") == "1",  # an as-you-type request
    )
    in_test = set(
        TestItem.objects.filter(part__test=test).values_list("item_version__item_id", flat=True)
    )
    rows = [
        {
            "item": item,
            "stem_html": _stem(item),
            "type_label": builder.TYPE_LABELS.get(item.type, item.type),
            "in_test": item.pk in in_test,
        }
        for item in items
    ]
    return render(
        request,
        "assessment/teacher/_bank_results.html",
        {"test": test, "rows": rows, "parts": list(test.parts.all())},
    )


def _stem(item: Any) -> str:
    version = item.current_version
    return str((version.content or {}).get("stem_html", "")) if version else ""


@login_required
@require_POST
def item_add(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    part = get_object_or_404(test.parts, pk=_int(request.POST.get("part"), _("Phần")) or 0)
    version_id = _int(request.POST.get("item_version"), _("Câu hỏi")) or 0
    version = ItemVersion.objects.select_related("item").filter(pk=version_id).first()
    if version is None or not approved_items(user=request.user).filter(pk=version.item_id).exists():
        raise Http404
    try:
        services.add_item(
            request.user,
            part,
            version,
            points=_decimal(request.POST.get("points"), _("Điểm")),
            fixed_position=request.POST.get("fixed_position") == "on",
        )
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("Đã thêm câu hỏi vào %(p)s.") % {"p": part.title})
    return redirect("assessment:test", test_id=test.pk)


@login_required
@require_POST
def item_remove(request: HttpRequest, test_id: int, item_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    item = get_object_or_404(TestItem, pk=item_id, part__test=test)
    services.remove_item(request.user, item)
    messages.success(request, _("Đã bỏ câu hỏi khỏi đề."))
    return redirect("assessment:test", test_id=test.pk)


# --- Blueprint -----------------------------------------------------------------------------


def _extra_columns(test: Test, raw: list[str]) -> list[tuple[int, str]]:
    out = []
    for value in raw:
        part, _sep, item_type = value.partition(":")
        if part.isdigit() and item_type in builder.TYPE_LABELS:
            out.append((int(part), item_type))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def blueprint(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    errors: list[str] = []
    raw = request.GET.getlist("col") + request.POST.getlist("col")
    if request.GET.get("col-part") and request.GET.get("col-type"):
        raw.append(f"{request.GET['col-part']}:{request.GET['col-type']}")
    extra = _extra_columns(test, raw)
    if request.method == "POST":
        try:
            services.save_blueprint(request.user, test, builder.parse_grid(test, request.POST))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã lưu ma trận đề."))
            return redirect("assessment:blueprint", test_id=test.pk)
    return _blueprint_page(request, test, errors=errors, extra=extra)


def _blueprint_page(
    request: HttpRequest,
    test: Test,
    *,
    errors: list[str] | None = None,
    shortfalls: list[Any] | None = None,
    extra: list[tuple[int, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "assessment/teacher/blueprint.html",
        {
            "test": test,
            "grid": builder.blueprint_grid(test, extra),
            "errors": errors or [],
            "shortfalls": shortfalls or [],
            "parts": list(test.parts.all()),
            "types": list(builder.TYPE_LABELS.items()),
            "extra": [f"{p}:{t}" for p, t in extra or []],
        },
        status=status,
    )


@login_required
@require_POST
def generate(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    seed = request.POST.get("seed", "").strip() or "0"
    try:
        created = services.generate_from_blueprint(request.user, test, seed=seed)
    except services.BlueprintShortfall as exc:
        return _blueprint_page(
            request, test, shortfalls=[s.as_dict() for s in exc.shortfalls], status=422
        )
    messages.success(
        request, _("Đã rút %(n)s câu hỏi từ ngân hàng theo ma trận.") % {"n": len(created)}
    )
    return redirect("assessment:test", test_id=test.pk)


# --- Versions and papers -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def versions(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            raw_codes = request.POST.get("codes", "").strip()
            try:
                codes = parse_codes(raw_codes) if raw_codes else None
            except CommandError as exc:
                raise ValidationError(str(exc)) from exc
            count = len(codes) if codes else _int(request.POST.get("count"), _("Số mã đề")) or 4
            if not 1 <= count <= 99:
                raise ValidationError(_("Số mã đề phải từ 1 đến 99."))
            services.make_versions(
                request.user,
                test,
                count=count,
                seed=request.POST.get("seed", "").strip() or "0",
                codes=codes,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã tạo các mã đề."))
            return redirect("assessment:versions", test_id=test.pk)
    rows = list(test.versions.order_by("code"))
    return render(
        request,
        "assessment/teacher/versions.html",
        {
            "test": test,
            "rows": rows,
            "errors": errors,
            "seed": rows[0].seed if rows else "",
            "codes_value": ",".join(v.code for v in rows),
            "keys": _key_rows(rows),
        },
    )


def _key_rows(rows: list[TestVersion]) -> list[list[str]]:
    """The answer-key table: one row per position, one column per version."""
    if not rows:
        return []
    n = max(len(v.layout) for v in rows)
    return [
        [str(i + 1)]
        + [papers.key_text(v.layout[i]["key"]) if i < len(v.layout) else "" for v in rows]
        for i in range(n)
    ]


@login_required
@require_GET
def version_file(request: HttpRequest, test_id: int, code: str, kind: str) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    if kind not in ("docx", "pdf"):
        raise Http404
    version = get_object_or_404(TestVersion, test=test, code=code)
    header = papers.header_for(test, version)
    items = papers.load_items(version)
    name = f"de_{test.pk}_ma_{version.code}"
    if kind == "docx":
        return _download(papers.version_docx(header, items), f"{name}.docx", DOCX)
    return _download(
        papers.to_pdf(papers.version_html(header, items)), f"{name}.pdf", "application/pdf"
    )


@login_required
@require_GET
def answer_sheet(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    version = test.versions.order_by("code").first()
    if version is None:
        raise Http404
    data = papers.to_pdf(papers.answer_sheet_html(test, version.layout))
    return _download(data, f"de_{test.pk}_phieu_tra_loi.pdf", "application/pdf")


@login_required
@require_GET
def key_table(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    data = papers.key_table_xlsx(test, test.versions.order_by("code"))
    return xlsx_response(data, f"de_{test.pk}_dap_an.xlsx")


# --- Assigning -----------------------------------------------------------------------------


def _when(raw: str | None, label: str) -> dt.datetime:
    value = parse_datetime((raw or "").strip())
    if value is None:
        raise ValidationError(_("%(f)s: cần ngày giờ dạng 2026-12-01T07:30.") % {"f": label})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, test_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    classes = list(assignable_classes(request.user))
    groups = list(
        StudentGroup.objects.filter(school_class__in=classes).select_related("school_class")
    )
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        try:
            target = post.get("target", "")
            kind, _sep, raw_id = target.partition(":")
            group = None
            if kind == "group":
                group = next((g for g in groups if str(g.pk) == raw_id), None)
                school_class = group.school_class if group else None
            else:
                school_class = next((c for c in classes if str(c.pk) == raw_id), None)
            if school_class is None:
                raise ValidationError(_("Hãy chọn lớp hoặc nhóm."))
            policy = post.get("result_policy", ResultPolicy.AFTER_CLOSE)
            if policy not in ResultPolicy.values:
                raise ValidationError(_("Cách công bố kết quả không hợp lệ."))
            services.assign_test(
                request.user,
                test,
                school_class,
                group=group,
                opens=_when(post.get("opens"), _("Mở")),
                closes=_when(post.get("closes"), _("Đóng")),
                time_limit_minutes=_int(post.get("time_limit_minutes"), _("Thời gian"))
                or test.duration_minutes,
                max_attempts=_int(post.get("max_attempts"), _("Số lần làm")) or 1,
                shuffle_per_student=post.get("shuffle_per_student") == "on",
                result_policy=policy,
                show_correct_answers=post.get("show_correct_answers") == "on",
                blind_grading=post.get("blind_grading") == "on",
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã giao bài kiểm tra."))
            return redirect("assessment:test", test_id=test.pk)
    return render(
        request,
        "assessment/teacher/assign.html",
        {
            "test": test,
            "classes": classes,
            "groups": groups,
            "errors": errors,
            "policies": ResultPolicy.choices,
            "post": request.POST,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def groups(request: HttpRequest, class_id: int) -> HttpResponse:
    _staff_only(request)
    school_class = get_object_or_404(assignable_classes(request.user), pk=class_id)
    students = list(User.objects.filter(enrolments__school_class=school_class).order_by("name_key"))
    errors: list[str] = []
    if request.method == "POST":
        chosen = set(request.POST.getlist("students"))
        try:
            services.create_group(
                request.user,
                school_class,
                name=request.POST.get("name", ""),
                students=[s for s in students if str(s.pk) in chosen],
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã tạo nhóm."))
            return redirect("assessment:groups", class_id=school_class.pk)
    return render(
        request,
        "assessment/teacher/groups.html",
        {
            "school_class": school_class,
            "students": students,
            "groups": StudentGroup.objects.filter(school_class=school_class).prefetch_related(
                "students"
            ),
            "errors": errors,
        },
    )


# --- Grading and regrading -----------------------------------------------------------------


@login_required
@require_GET
def grading_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    order = "student" if request.GET.get("order") == "student" else "item"
    rows = grading.queue(assignment, order=order, pending_only=request.GET.get("pending") == "1")
    current_id = _int(request.GET.get("answer"), _("Bài")) if request.GET.get("answer") else None
    index = next((i for i, r in enumerate(rows) if r.answer == current_id), 0)
    current = rows[index] if rows else None
    if not assignment.blind_grading and current is not None:
        # The answer on screen is the student's personal data; blind grading shows only a code.
        student = Attempt.objects.filter(pk=current.attempt).values_list("student_id", flat=True)
        record_personal_data_views(
            request.user,
            list(student),
            _("Bài làm trong bài kiểm tra: %(t)s") % {"t": assignment.test.title},
        )
    return render(
        request,
        "assessment/teacher/grading.html",
        {
            "assignment": assignment,
            "rows": rows,
            "current": current,
            "previous": rows[index - 1] if rows and index > 0 else None,
            "next": rows[index + 1] if rows and index + 1 < len(rows) else None,
            "order": order,
            "pending": request.GET.get("pending") == "1",
            "pending_count": sum(1 for r in rows if not r.graded),
        },
    )


def parse_rubric(post: Any) -> dict[str, str]:
    names = post.getlist("criterion")
    values = post.getlist("criterion_points")
    out: dict[str, str] = {}
    for name, value in zip(names, values, strict=False):
        name = " ".join(name.split())
        if name and value.strip():
            if _decimal(value, name) is None:  # pragma: no cover - empty handled above
                continue
            out[name] = value.strip().replace(",", ".")
    return out


@login_required
@require_POST
def grade_answer(request: HttpRequest, assignment_id: int, answer_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    answer = grading.answer_in(assignment, answer_id)
    if answer is None:
        raise Http404
    order = request.POST.get("order", "item")
    try:
        if request.POST.get("rubric_criteria"):
            # a structured rubric: one level per criterion, the score is their exact sum
            count = _int(request.POST.get("rubric_criteria"), _("Tiêu chí")) or 0
            levels = [_int(request.POST.get(f"level_{i}"), _("Mức")) for i in range(count)]
            if any(level is None for level in levels):
                raise ValidationError(_("Hãy chọn một mức cho mỗi tiêu chí."))
            services.grade_with_rubric(
                request.user,
                answer,
                levels=[int(level or 0) for level in levels],
                comment=request.POST.get("comment", "").strip(),
            )
            messages.success(request, _("Đã lưu điểm câu %(n)s.") % {"n": answer.position})
            target = _int(request.POST.get("next"), "next") or answer.pk
            url = reverse("assessment:grading", args=[assignment.pk])
            order_q = "student" if order == "student" else "item"
            return redirect(f"{url}?order={order_q}&answer={target}")
        rubric = parse_rubric(request.POST)
        points = _decimal(request.POST.get("points"), _("Điểm"))
        if points is None and rubric:
            points = sum((Decimal(v) for v in rubric.values()), Decimal(0))
        if points is None:
            raise ValidationError(_("Câu %(n)s: hãy nhập điểm.") % {"n": answer.position})
        services.grade_manually(
            request.user,
            answer,
            points=points,
            comment=request.POST.get("comment", "").strip(),
            rubric_scores=rubric,
        )
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        target = answer.pk
    else:
        messages.success(request, _("Đã lưu điểm câu %(n)s.") % {"n": answer.position})
        target = _int(request.POST.get("next"), "next") or answer.pk
    url = reverse("assessment:grading", args=[assignment.pk])
    return redirect(f"{url}?order={'student' if order == 'student' else 'item'}&answer={target}")


@login_required
@require_http_methods(["GET", "POST"])
def correct_item(request: HttpRequest, test_id: int, item_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    test_item = get_object_or_404(
        TestItem.objects.select_related("item_version__item"), pk=item_id, part__test=test
    )
    errors: list[str] = []
    log: list[Any] = []
    if request.method == "POST":
        version = ItemVersion.objects.filter(
            pk=_int(request.POST.get("version"), _("Phiên bản")) or 0,
            item_id=test_item.item_version.item_id,
        ).first()
        try:
            if version is None:
                raise ValidationError(_("Hãy chọn một phiên bản của câu hỏi này."))
            services.correct_item(request.user, test_item, version)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Đã sửa đáp án và chấm lại."))
            return redirect("assessment:correct_item", test_id=test.pk, item_id=test_item.pk)
    # The key belongs to the test, but the log names students: only the classes whose results
    # the user may see.
    log = list(
        Regrade.objects.filter(
            test_item=test_item,
            attempt__assignment_id__in=results_visible_assignment_ids(request.user, test),
        )
        .select_related("attempt__student", "attempt__assignment")
        .order_by("-at", "attempt_id", "position")
    )
    return render(
        request,
        "assessment/teacher/correct_item.html",
        {
            "test": test,
            "test_item": test_item,
            "versions": ItemVersion.objects.filter(item_id=test_item.item_version.item_id)
            .order_by("-number")
            .only("pk", "number", "created"),
            "log": [
                {
                    "row": r,
                    "before": _fmt(r.before),
                    "after": _fmt(r.after),
                    "total_before": _fmt(r.total_before),
                    "total_after": _fmt(r.total_after),
                    "who": grading.anonymous_code(r.attempt.assignment_id, r.attempt_id)
                    if r.attempt.assignment.blind_grading
                    else r.attempt.student.full_name,
                }
                for r in log
            ],
            "errors": errors,
        },
    )


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else str(Decimal(value).normalize())


# --- Results -------------------------------------------------------------------------------


@login_required
@require_GET
def results(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    stats = analysis.class_stats(assignment)
    _log_result_views(request, stats, _("Kết quả bài kiểm tra: %(t)s"), assignment)
    return render(
        request,
        "assessment/teacher/results.html",
        {
            "assignment": assignment,
            "stats": stats,
            "students": sorted(stats.students, key=lambda r: r.name),
            "chart": charts.histogram(stats.histogram, title=_("Phổ điểm (hệ 10)")),
            "pending": assignment.attempts.filter(needs_manual=True).count(),
        },
    )


@login_required
@require_GET
def item_analysis_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    rows = analysis.item_analysis(assignment)
    # Items in the order of the test, with the position of each in the teacher's outline.
    order = list(
        TestItem.objects.filter(part__test=assignment.test)
        .order_by("part__order", "order")
        .values_list("item_version_id", flat=True)
    )
    ordered = [(v, rows[v]) for v in order if v in rows] + [
        (v, r) for v, r in sorted(rows.items()) if v not in order
    ]
    table = [
        {
            "number": n,
            "version": v,
            **r,
            "distractor_list": sorted(r["distractors"].items()),
            "flag": r["discrimination_27"] is not None and r["discrimination_27"] < 0.2,
        }
        for n, (v, r) in enumerate(ordered, start=1)
    ]
    chart = charts.bar_chart(
        [str(row["number"]) for row in table],
        [float(row["facility"]) for row in table],
        title=_("Độ khó (tỉ lệ điểm đạt) theo câu"),
        value_format="{:.2f}",
        max_value=1.0,
    )
    return render(
        request,
        "assessment/teacher/item_analysis.html",
        {"assignment": assignment, "rows": table, "chart": chart},
    )


@login_required
@require_GET
def results_export(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    data = analysis.results_xlsx(assignment)
    _log_result_views(
        request, analysis.class_stats(assignment), _("Xuất kết quả bài kiểm tra: %(t)s"), assignment
    )
    return xlsx_response(data, f"ket_qua_{assignment.pk}.xlsx")


def _log_result_views(request: HttpRequest, stats: Any, what: str, assignment: Any) -> None:
    # Law 91/2025: each student whose scores the teacher saw gets a row in their access log.
    record_personal_data_views(
        request.user,
        [r.student_id for r in stats.students],
        what % {"t": f"{assignment.test.title} (#{assignment.pk})"},
    )


@login_required
@require_POST
def publish_statistics(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_or_404(request.user, assignment_id)
    services.publish_item_statistics(request.user, assignment)
    messages.success(request, _("Đã ghi thống kê câu hỏi vào ngân hàng."))
    return redirect("assessment:item_analysis", assignment_id=assignment.pk)


def assignment_list_for(test: Test) -> list[Assignment]:
    return list(test.assignments.select_related("school_class", "group"))
