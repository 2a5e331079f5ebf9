"""Who may build, assign, grade and read the results of a test.

Staff of the test's school (and those above it) manage it; the author always may. Everything
else answers 404, like a missing object, so other schools' tests are invisible.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.api import Membership, Organisation, OrgKind, SchoolClass, permissions

from .models import Assignment, Attempt, StudentGroup, Test

STAFF = permissions.STAFF_ROLES


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or permissions.has_role(user, STAFF))


def staff_school(user: Any) -> Organisation | None:
    """The school a teacher works at (the first staff membership at a school)."""
    membership = (
        Membership.objects.filter(user=user, role__in=STAFF, organisation__kind=OrgKind.SCHOOL)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def visible_tests(user: Any) -> QuerySet[Test]:
    if not getattr(user, "is_authenticated", False):
        return Test.objects.none()
    if user.is_superuser:
        return Test.objects.all()
    return Test.objects.filter(
        Q(created_by=user) | permissions.path_q(user, STAFF, "school__path")
    ).distinct()


def can_manage_test(user: Any, test: Test) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or test.created_by_id == user.pk:
        return True
    return permissions.reaches(user, test.school, STAFF)


def test_or_404(user: Any, test_id: int) -> Test:
    test = Test.objects.select_related("school", "subject").filter(pk=test_id).first()
    if test is None or not can_manage_test(user, test):
        raise Http404
    return test


def can_manage_assignment(user: Any, assignment: Assignment) -> bool:
    return can_manage_test(user, assignment.test) and (
        getattr(user, "is_superuser", False)
        or permissions.reaches(user, assignment.school_class.school, STAFF)
        or assignment.created_by_id == user.pk
    )


def assignment_or_404(user: Any, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related(
            "test__school", "test__subject", "school_class__school", "group"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not can_manage_assignment(user, assignment):
        raise Http404
    return assignment


def assignable_classes(user: Any) -> QuerySet[SchoolClass]:
    """Classes a teacher may give a test to: those of schools they work at."""
    if getattr(user, "is_superuser", False):
        return SchoolClass.objects.select_related("school").order_by("grade", "name")
    return (
        SchoolClass.objects.filter(permissions.path_q(user, STAFF, "school__path"))
        .select_related("school")
        .order_by("grade", "name")
    )


def group_or_404(user: Any, group_id: int) -> StudentGroup:
    group = StudentGroup.objects.select_related("school_class__school").filter(pk=group_id).first()
    if group is None or not assignable_classes(user).filter(pk=group.school_class_id).exists():
        raise Http404
    return group


def takes(student: Any, assignment: Assignment) -> bool:
    """True when the student is given this assignment (in the class, and in its group if any)."""
    if assignment.group is not None:
        return assignment.group.students.filter(pk=student.pk).exists() and (
            assignment.school_class.enrolments.filter(student_id=student.pk).exists()
        )
    return assignment.school_class.enrolments.filter(student_id=student.pk).exists()


def own_attempt_or_404(user: Any, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_related("assignment__test").filter(pk=attempt_id).first()
    if attempt is None or attempt.student_id != getattr(user, "pk", None):
        raise Http404
    return attempt
