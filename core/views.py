"""Web pages for core. Views parse input, call services or permission-filtered queries, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import dashboard, health, privacy, services
from .forms import RosterUploadForm
from .http import AuthedRequest
from .models import Organisation, RosterImport, SchoolClass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, but the change goes through the service so it is audited."""

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_password(self.request.user, form.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a password from a reset e-mail is audited like any other change."""

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_password(form.user, form.user, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", dashboard.for_user(request.user))


@login_required
def class_detail(request: AuthedRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"), pk=class_id
    )
    if not request.user.has_perm("core.view_schoolclass", school_class):
        raise Http404
    students = [
        e.student
        for e in school_class.enrolments.select_related("student").order_by("student__name_key")
    ]
    teaching = school_class.teaching_assignments.select_related("teacher", "subject").order_by(
        "subject__name"
    )
    privacy.record_personal_data_views(
        request.user,
        [s.pk for s in students],
        _("Danh sách lớp %(name)s") % {"name": school_class.name},
    )
    return render(
        request,
        "core/class_detail.html",
        {
            "school_class": school_class,
            "students": students,
            "teaching": teaching,
            "can_manage": request.user.has_perm("core.change_schoolclass", school_class),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = get_object_or_404(Organisation, pk=school_id)
    if not request.user.has_perm("core.manage_roster", school):
        raise PermissionDenied
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        upload, _plan, error = services.preview_roster_import(
            request.user, school=school, filename=file.name, content=file.read()
        )
        if error:
            form.add_error("file", error)
        else:
            return redirect("roster_preview", school_id=school.pk, import_id=upload.pk)
    return render(request, "core/roster_upload.html", {"school": school, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def roster_preview(request: AuthedRequest, school_id: int, import_id: int) -> HttpResponse:
    upload = get_object_or_404(
        RosterImport.objects.select_related("school"), pk=import_id, school_id=school_id
    )
    if not request.user.has_perm("core.manage_roster", upload.school):
        raise PermissionDenied
    summary = upload.summary
    if request.method == "POST" and upload.status == RosterImport.Status.PREVIEWED:
        try:
            summary = services.commit_roster_import(request.user, upload)
        except services.RosterCommitError as exc:
            summary = exc.plan.summary()
            messages.error(request, str(exc))
        except services.RosterAlreadyCommitted as exc:
            messages.info(request, str(exc))
            return redirect("roster_preview", school_id=school_id, import_id=upload.pk)
        else:
            messages.success(
                request,
                _("Đã nhập: %(create)s học sinh mới, %(update)s cập nhật, %(unchanged)s không đổi.")
                % summary,
            )
            return redirect("roster_preview", school_id=school_id, import_id=upload.pk)
    return render(
        request,
        "core/roster_preview.html",
        {"upload": upload, "summary": summary, "school": upload.school},
    )


@login_required
@require_GET
def personal_data(request: AuthedRequest) -> HttpResponse:
    data = services.export_personal_data(request.user, request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="du-lieu-ca-nhan-{request.user.get_username()}.json"'
    )
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    result = health.report()
    return JsonResponse(result, status=200 if result["ok"] else 503)


@login_required
@require_POST
def notify_test(request: AuthedRequest) -> HttpResponse:
    """Sends the signed-in person a live notification: lets them check their connection."""
    from .notifications import notify_user

    notify_user(request.user.pk, _("Kết nối thông báo trực tiếp hoạt động."))
    return HttpResponse(status=204)
