"""Object permissions: `user.has_perm("lms.change_gradebook", book)` and friends."""

from __future__ import annotations

from typing import Any

import rules

from . import access
from .models import Course, GradeBook


@rules.predicate
def views_book(user: Any, obj: GradeBook | None) -> bool:
    return obj is not None and access.can_view_book(user, obj)


@rules.predicate
def edits_book(user: Any, obj: GradeBook | None) -> bool:
    return obj is not None and access.can_edit_book(user, obj)


@rules.predicate
def approves_book(user: Any, obj: GradeBook | None) -> bool:
    return obj is not None and access.can_approve_book(user, obj)


@rules.predicate
def views_course(user: Any, obj: Course | None) -> bool:
    return obj is not None and access.can_view_course(user, obj)


@rules.predicate
def manages_course(user: Any, obj: Course | None) -> bool:
    return obj is not None and access.can_manage_course(user, obj)


rules.add_perm("lms.view_gradebook", views_book)
rules.add_perm("lms.change_gradebook", edits_book)
rules.add_perm("lms.approve_gradebook", approves_book)
rules.add_perm("lms.view_course", views_course)
rules.add_perm("lms.change_course", manages_course)
