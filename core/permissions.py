"""Who may see and change what, by role and place in the organisation tree.

A role held at an organisation reaches that organisation and everything below it: a department
admin at the Sở reaches every school; a teacher at a school reaches only that school. The
querysets here and the `rules` predicates in rules.py share these helpers so lists and single
objects agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from .models import Membership, Organisation, Role, SchoolClass

STAFF_ROLES = frozenset(
    {
        Role.TEACHER,
        Role.SUBJECT_HEAD,
        Role.SCHOOL_ADMIN,
        Role.EXAM_COORDINATOR,
        Role.DEPARTMENT_ADMIN,
    }
)
ADMIN_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN})

_CACHE_ATTR = "_membership_paths"


def role_paths(user: Any) -> dict[str, set[str]]:
    """{role: {organisation path, ...}} for the user, computed once per user object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    paths: dict[str, set[str]] = {}
    for role, path in Membership.objects.filter(user=user).values_list(
        "role", "organisation__path"
    ):
        paths.setdefault(role, set()).add(path)
    setattr(user, _CACHE_ATTR, paths)
    return paths


def forget(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, roles: Iterable[str]) -> bool:
    mine = role_paths(user)
    return any(r in mine for r in roles)


def reaches(user: Any, org: Organisation | None, roles: Iterable[str]) -> bool:
    """True when the user holds one of `roles` at `org` or at an organisation above it."""
    if org is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    mine = role_paths(user)
    return any(org.path.startswith(p) for r in roles for p in mine.get(r, ()))


def path_q(user: Any, roles: Iterable[str], field: str) -> Q:
    """A filter matching rows whose organisation (at `field`, a path) the user reaches."""
    mine = role_paths(user)
    q = Q(pk__in=[])
    for r in roles:
        for p in mine.get(r, ()):
            q |= Q(**{f"{field}__startswith": p})
    return q


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    mine = role_paths(user)
    all_roles = list(mine)
    q = path_q(user, all_roles, "path")
    # People also see the organisations above their own (name of their office and Sở).
    ancestor_ids: set[int] = set()
    for paths in mine.values():
        for p in paths:
            ancestor_ids.update(int(x) for x in p.strip("/").split("/") if x)
    return Organisation.objects.filter(q | Q(pk__in=ancestor_ids))


def visible_classes(user: Any) -> QuerySet[SchoolClass]:
    if not getattr(user, "is_authenticated", False):
        return SchoolClass.objects.none()
    if user.is_superuser:
        return SchoolClass.objects.all()
    q = path_q(user, STAFF_ROLES, "school__path") | Q(enrolments__student=user)
    return SchoolClass.objects.filter(q).distinct()


def can_view_class(user: Any, school_class: SchoolClass) -> bool:
    if reaches(user, school_class.school, STAFF_ROLES):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and school_class.enrolments.filter(student=user).exists()
    )


def can_manage_school(user: Any, school: Organisation) -> bool:
    return reaches(user, school, ADMIN_ROLES)


def can_view_organisation(user: Any, org: Organisation) -> bool:
    return visible_organisations(user).filter(pk=org.pk).exists()
