"""Pages for personal-data protection (Law 91/2025): view logs, guardians' downloads,
departure and anonymisation. Permission failures are 404, like other schools' objects."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import privacy, services
from .http import AuthedRequest
from .models import User


@login_required
@require_GET
def my_view_log(request: AuthedRequest) -> HttpResponse:
    return _render_log(request, request.user)


@login_required
@require_GET
def person_view_log(request: AuthedRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    if not privacy.can_see_view_log(request.user, person):
        raise Http404
    return _render_log(request, person)


def _render_log(request: AuthedRequest, person: User) -> HttpResponse:
    return render(
        request,
        "core/privacy_log.html",
        {
            "person": person,
            "views": privacy.view_log(request.user, person)[:500],
            "children": request.user.wards.select_related("child")
            if person == request.user
            else [],
            "can_administer": privacy.can_administer_person(request.user, person)
            and person != request.user,
        },
    )


@login_required
@require_GET
def person_data_export(request: AuthedRequest, user_id: int) -> HttpResponse:
    """A parent or guardian downloads their child's data (the person's own is /me/...)."""
    person = get_object_or_404(User, pk=user_id)
    try:
        data = services.export_personal_data(request.user, person)
    except PermissionDenied:
        raise Http404 from None
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{person.pk}.json"'
    return response


@login_required
@require_POST
def person_depart(request: AuthedRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    if not privacy.can_administer_person(request.user, person) or person == request.user:
        raise Http404
    privacy.mark_departed(request.user, person)
    messages.success(request, _("Đã ghi nhận người này rời đi và khoá đăng nhập."))
    return redirect("person_view_log", user_id=person.pk)


@login_required
@require_POST
def person_anonymise(request: AuthedRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    if not privacy.can_administer_person(request.user, person) or person == request.user:
        raise Http404
    privacy.anonymise_person(request.user, person)
    messages.success(request, _("Đã ẩn danh dữ liệu cá nhân; điểm số và thống kê được giữ lại."))
    return redirect("person_view_log", user_id=person.pk)
