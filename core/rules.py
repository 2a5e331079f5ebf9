"""Object permissions for django-rules: `user.has_perm("core.view_schoolclass", obj)`."""

from __future__ import annotations

from typing import Any

import rules

from . import permissions
from .models import Organisation, SchoolClass


@rules.predicate
def can_view_class(user: Any, obj: SchoolClass | None) -> bool:
    return obj is not None and permissions.can_view_class(user, obj)


@rules.predicate
def manages_class_school(user: Any, obj: SchoolClass | None) -> bool:
    return obj is not None and permissions.can_manage_school(user, obj.school)


@rules.predicate
def manages_organisation(user: Any, obj: Organisation | None) -> bool:
    return obj is not None and permissions.can_manage_school(user, obj)


@rules.predicate
def can_view_organisation(user: Any, obj: Organisation | None) -> bool:
    return obj is not None and permissions.can_view_organisation(user, obj)


rules.add_perm("core.view_schoolclass", can_view_class)
rules.add_perm("core.change_schoolclass", manages_class_school)
rules.add_perm("core.view_organisation", can_view_organisation)
rules.add_perm("core.manage_roster", manages_organisation)
rules.add_perm("core.change_organisation", manages_organisation)
