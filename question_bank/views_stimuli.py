"""The shared stimulus page: edit a passage or figure several items hang off (each save is a
new version) and see its versions and the items it reaches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import permissions, services
from .views_items import _stimuli


@login_required
def stimulus_edit(request: HttpRequest, stimulus_id: int) -> HttpResponse:
    stimulus = get_object_or_404(_stimuli(request.user), pk=stimulus_id)
    if not permissions.can_edit_stimulus(request.user, stimulus):
        raise PermissionDenied
    errors: list[str] = []
    form = {"title": stimulus.title, "html": stimulus.html}
    if request.method == "POST":
        form = {"title": request.POST.get("title", ""), "html": request.POST.get("html", "")}
        try:
            services.revise_stimulus(request.user, stimulus, html=form["html"], title=form["title"])
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Đã lưu ngữ liệu."))
            return redirect("question_bank:stimulus_edit", stimulus_id=stimulus.pk)
    context = {
        "stimulus": stimulus,
        "form": form,
        "errors": errors,
        "versions": stimulus.versions.select_related("created_by").order_by("-number"),
        "items": stimulus.items.select_related("subject").order_by("pk"),
    }
    return render(
        request, "question_bank/stimulus_edit.html", context, status=400 if errors else 200
    )
