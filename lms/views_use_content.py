"""“Dùng cho lớp của tôi”: a teacher adds a repository item to one of their course modules.

The page lives in the LMS (which already depends on content.api) so content never imports lms;
the content preview links here by URL name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from content import api as content_api
from core.api import TeachingAssignment

from . import access, services
from .models import Activity, Course, Module
from .views import AuthedRequest


def _modules(user: Any) -> list[Module]:
    """Modules of the courses the person owns or teaches, in course order."""
    taught = TeachingAssignment.objects.filter(teacher=user).values("school_class_id")
    courses = Course.objects.filter(Q(owner=user) | Q(school_class_id__in=taught))
    modules = Module.objects.filter(course__in=courses).select_related("course")
    return [
        m
        for m in modules.order_by("course__title", "course_id", "position", "pk")
        if access.can_manage_course(user, m.course)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def use_content(request: AuthedRequest, page_id: int) -> HttpResponse:
    item = content_api.visible_items(request.user).filter(pk=page_id).first()
    if item is None:
        raise Http404
    modules = _modules(request.user)
    if request.method == "POST":
        raw = request.POST.get("module", "")
        if not raw.isdigit():
            messages.error(request, _("Hãy chọn một chương trong khoá học của bạn."))
            return redirect("lms:use_content", page_id)
        module = Module.objects.select_related("course").filter(pk=int(raw)).first()
        if module is None or not access.can_manage_course(request.user, module.course):
            raise Http404
        try:
            activity = services.add_activity(
                request.user,
                module,
                kind=Activity.Kind.CONTENT,
                title=request.POST.get("title", "").strip() or item.title,
                rule=Activity.Rule.VIEWED,
                ref_id=str(item.pk),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("lms:use_content", page_id)
        messages.success(
            request,
            _("Đã thêm “%(t)s” vào chương “%(m)s”.") % {"t": activity.title, "m": module.title},
        )
        return redirect("lms:course_edit", module.course_id)
    return render(
        request,
        "lms/use_content.html",
        {"item": item, "modules": modules},
    )
