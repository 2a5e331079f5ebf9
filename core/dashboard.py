"""What each role sees on the home page."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from . import audit_search, permissions
from .models import (
    Enrolment,
    Membership,
    Organisation,
    OrgKind,
    Role,
    SchoolClass,
    SchoolLevel,
    SchoolYear,
    TeachingAssignment,
)

ADMIN_VIEW_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN, Role.EXAM_COORDINATOR})


@dataclass
class TaughtClass:
    """One class a teacher teaches, with every subject they teach in it."""

    school_class: SchoolClass
    student_count: int
    subjects: list[str] = field(default_factory=list)


@dataclass
class LevelSummary:
    level: str
    label: str
    schools: int = 0
    classes: int = 0
    students: int = 0


def for_user(user: Any) -> dict[str, Any]:
    roles = permissions.role_paths(user)
    context: dict[str, Any] = {
        "role_labels": [Role(r).label for r in sorted(roles) if r in Role.values],
        "school_year": SchoolYear.objects.filter(is_current=True).first(),
    }
    if Role.TEACHER in roles or Role.SUBJECT_HEAD in roles:
        context["homeroom_classes"] = list(
            SchoolClass.objects.filter(homeroom_teacher=user)
            .select_related("school", "school_year")
            .annotate(student_count=Count("enrolments"))
        )
        context["teaching"] = _taught_classes(user)
        context["teaching_students"] = sum(t.student_count for t in context["teaching"])
        context["teaching_many_schools"] = (
            len({t.school_class.school_id for t in context["teaching"]}) > 1
        )
    if Role.STUDENT in roles:
        context["my_classes"] = list(
            Enrolment.objects.filter(student=user)
            .select_related(
                "school_class__school",
                "school_class__homeroom_teacher",
                "school_class__school_year",
            )
            .annotate(student_count=Count("school_class__enrolments"))
            .order_by("-school_class__school_year__start")
        )
        # Assignments and tests appear here once the LMS publishes them.
        context["upcoming"] = []
    context["can_audit"] = audit_search.can_search(user)
    admin_roles = ADMIN_VIEW_ROLES & set(roles)
    if admin_roles or getattr(user, "is_superuser", False):
        context.update(_organisation_overview(user, admin_roles))
    return context


def _taught_classes(user: Any) -> list[TaughtClass]:
    by_class: dict[int, TaughtClass] = {}
    assignments = (
        TeachingAssignment.objects.filter(teacher=user)
        .select_related("school_class__school", "subject")
        .annotate(student_count=Count("school_class__enrolments"))
        .order_by("school_class__grade", "school_class__name", "subject__name")
    )
    for a in assignments:
        taught = by_class.setdefault(
            a.school_class_id,
            TaughtClass(a.school_class, a.student_count),
        )
        taught.subjects.append(a.subject.name)
    return list(by_class.values())


def _organisation_overview(user: Any, admin_roles: AbstractSet[str]) -> dict[str, Any]:
    """Schools the person administers, with counts, and totals per school level."""
    schools_qs = Organisation.objects.filter(kind=OrgKind.SCHOOL)
    if not user.is_superuser:
        schools_qs = schools_qs.filter(permissions.path_q(user, admin_roles, "path"))
    schools = list(
        schools_qs.annotate(class_count=Count("classes", distinct=True)).order_by("name")
    )
    student_counts = dict(
        Enrolment.objects.filter(school_class__school__in=schools)
        .values_list("school_class__school")
        .annotate(n=Count("id"))
    )
    for school in schools:
        school.student_count = student_counts.get(school.pk, 0)  # type: ignore[attr-defined]
        school.can_import = permissions.can_manage_school(user, school)  # type: ignore[attr-defined]

    levels = {value: LevelSummary(value, str(label)) for value, label in SchoolLevel.choices}
    for school in schools:
        if school.level in levels:
            row = levels[school.level]
            row.schools += 1
            row.classes += school.class_count
            row.students += school.student_count  # type: ignore[attr-defined]
    teacher_count = (
        Membership.objects.filter(
            role__in=[Role.TEACHER, Role.SUBJECT_HEAD], organisation__in=schools
        )
        .values("user")
        .distinct()
        .count()
    )
    # The organisations the person's admin roles are held at, not everything below them.
    managed = list(
        Organisation.objects.filter(
            memberships__user=user, memberships__role__in=admin_roles
        ).distinct()
    )
    return {
        "admin_schools": schools,
        "managed_orgs": managed,
        "department_view": user.is_superuser or any(not org.is_school for org in managed),
        "level_summary": [row for row in levels.values() if row.schools],
        "totals": {
            "schools": len(schools),
            "classes": sum(s.class_count for s in schools),
            "students": sum(student_counts.values()),
            "teachers": teacher_count,
        },
    }
