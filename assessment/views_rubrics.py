"""The rubric page of a test item: criteria with levels (descriptor + points), written here or
taken from a template, and kept as a template for reuse."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .models import RubricTemplate, TestItem
from .permissions import staff_school, test_or_404

CRITERIA_SLOTS = 6
LEVEL_SLOTS = 4


def usable_templates(user: Any) -> QuerySet[RubricTemplate]:
    """The teacher's own templates and those shared in their school."""
    school = staff_school(user)
    shared = Q(shared=True, school=school) if school is not None else Q(pk__in=[])
    return RubricTemplate.objects.filter(Q(owner=user) | shared)


def read_criteria(post: QueryDict) -> list[dict[str, Any]]:
    """The filled rows of the form; blank rows are left out, half-filled ones kept so the
    rubric rules report them."""
    criteria = []
    for i in range(CRITERIA_SLOTS):
        name = post.get(f"c{i}_name", "").strip()
        levels = [
            {
                "descriptor": post.get(f"c{i}_l{j}_descriptor", "").strip(),
                "points": post.get(f"c{i}_l{j}_points", "").strip(),
            }
            for j in range(LEVEL_SLOTS)
        ]
        levels = [lv for lv in levels if lv["descriptor"] or lv["points"]]
        if name or levels:
            criteria.append({"name": name, "levels": levels})
    return criteria


def _rows(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i in range(CRITERIA_SLOTS):
        c = criteria[i] if i < len(criteria) else {"name": "", "levels": []}
        levels = list(c.get("levels", []))
        rows.append(
            {
                "index": i,
                "name": c.get("name", ""),
                "levels": [
                    {"index": j, **(levels[j] if j < len(levels) else {})}
                    for j in range(LEVEL_SLOTS)
                ],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def item_rubric(request: HttpRequest, test_id: int, item_id: int) -> HttpResponse:
    test = test_or_404(request.user, test_id)
    test_item = get_object_or_404(TestItem, pk=item_id, part__test=test)
    templates = usable_templates(request.user)
    errors: list[str] = []
    criteria: list[dict[str, Any]] = test_item.rubric
    if request.method == "POST":
        template = None
        if request.POST.get("template"):
            template = templates.filter(pk=request.POST.get("template", "0")).first()
        criteria = read_criteria(request.POST)
        try:
            if request.POST.get("template") and template is None:
                raise ValidationError(_("Mẫu thang điểm không tồn tại."))
            services.set_item_rubric(request.user, test_item, criteria=criteria, template=template)
            if request.POST.get("save_as") and template is None:
                services.save_rubric_template(
                    request.user,
                    name=request.POST.get("save_as", ""),
                    criteria=criteria,
                    shared=bool(request.POST.get("shared")),
                    school=staff_school(request.user),
                )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Đã lưu thang điểm."))
            return redirect("assessment:item_rubric", test_id=test.pk, item_id=test_item.pk)
    return render(
        request,
        "assessment/teacher/item_rubric.html",
        {
            "test": test,
            "test_item": test_item,
            "rows": _rows(criteria),
            "templates": templates,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
