"""School admins link parents' accounts to their students (Law 91/2025: a parent sees and
downloads a child's data). Another school's students, links and pages are 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import permissions, privacy
from .http import AuthedRequest
from .models import Guardianship, Organisation
from .vietnamese import fold

SEARCH_LIMIT = 20


def _school_for(request: AuthedRequest, school_id: int) -> Organisation:
    school = get_object_or_404(Organisation, pk=school_id)
    if not permissions.reaches(request.user, school, privacy.ADMIN_ROLES):
        raise Http404
    return school


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def guardians(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = _school_for(request, school_id)
    students = privacy.school_students(school)
    if request.method == "POST":
        child = students.filter(pk=_int(request.POST.get("child")) or 0).first()
        if child is None:
            messages.error(request, _("Hãy chọn một học sinh của trường."))
            return redirect("school_guardians", school_id=school.pk)
        try:
            link = privacy.link_guardian_at_school(
                request.user,
                school,
                child=child,
                guardian_username=request.POST.get("guardian", ""),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Đã liên kết %(g)s với học sinh %(c)s.")
                % {"g": link.guardian.full_name, "c": child.full_name},
            )
        return redirect("school_guardians", school_id=school.pk)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        folded = fold(query)
        found = list(
            students.filter(name_folded__contains=folded).order_by("name_key")[:SEARCH_LIMIT]
        ) or list(students.filter(username__startswith=query).order_by("username")[:SEARCH_LIMIT])
    return render(
        request,
        "core/guardians.html",
        {
            "school": school,
            "query": query,
            "found": found,
            "links": privacy.school_guardianships(school)[:500],
        },
    )


@login_required
@require_POST
def guardian_unlink(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = _school_for(request, school_id)
    link = privacy.school_guardianships(school).filter(pk=_int(request.POST.get("link")) or 0)
    found: Guardianship | None = link.first()
    if found is None:
        messages.error(request, _("Không tìm thấy liên kết này."))
        return redirect("school_guardians", school_id=school.pk)
    try:
        privacy.unlink_guardian(request.user, school, found)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Đã huỷ liên kết người giám hộ."))
    return redirect("school_guardians", school_id=school.pk)
