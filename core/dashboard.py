"""What each role sees on the home page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from . import permissions
from .models import Enrolment, Organisation, Role, SchoolClass, TeachingAssignment


def for_user(user: Any) -> dict[str, Any]:
    roles = permissions.role_paths(user)
    context: dict[str, Any] = {"roles": sorted(roles), "sections": []}
    if Role.TEACHER in roles or Role.SUBJECT_HEAD in roles:
        homeroom = list(
            SchoolClass.objects.filter(homeroom_teacher=user)
            .select_related("school", "school_year")
            .annotate(student_count=Count("enrolments"))
        )
        teaching = list(
            TeachingAssignment.objects.filter(teacher=user)
            .select_related("school_class__school", "subject")
            .annotate(student_count=Count("school_class__enrolments"))
            .order_by("school_class__grade", "school_class__name", "subject__name")
        )
        context["homeroom_classes"] = homeroom
        context["teaching"] = teaching
    if Role.STUDENT in roles:
        context["my_classes"] = list(
            Enrolment.objects.filter(student=user)
            .select_related(
                "school_class__school",
                "school_class__homeroom_teacher",
                "school_class__school_year",
            )
            .order_by("-school_class__school_year__start")
        )
    admin_roles = {Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN, Role.EXAM_COORDINATOR} & set(roles)
    if admin_roles or getattr(user, "is_superuser", False):
        schools = Organisation.objects.filter(kind="school")
        if not user.is_superuser:
            schools = schools.filter(permissions.path_q(user, admin_roles, "path"))
        orgs = schools.annotate(class_count=Count("classes", distinct=True)).order_by("name")
        context["admin_schools"] = list(orgs)
        student_counts = dict(
            Enrolment.objects.filter(school_class__school__in=context["admin_schools"])
            .values_list("school_class__school")
            .annotate(n=Count("id"))
        )
        for org in context["admin_schools"]:
            org.student_count = student_counts.get(org.pk, 0)
        context["managed_orgs"] = list(
            Organisation.objects.filter(permissions.path_q(user, admin_roles, "path")).exclude(
                kind="school"
            )
        )
    return context
