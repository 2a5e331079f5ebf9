"""Who may build, assign, grade and read the results of a test.

Staff of the test's school (and those above it) manage the test itself; the author always may.
Students' results are narrower (Law 91/2025: children's personal data goes only to those whose
work needs it), see `can_view_results`. Everything else answers 404, like a missing object, so
other schools' tests and other classes' results are invisible.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.api import (
    Membership,
    Organisation,
    OrgKind,
    Role,
    SchoolClass,
    TeachingAssignment,
    permissions,
)

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


def can_view_results(user: Any, assignment: Assignment) -> bool:
    """Whether the user may see, grade and export the students' results of an assignment.

    The one rule for every results, grading, export and item-analysis page and API call. Of
    those who manage the test and reach the class's school (the rule before Law 91/2025), only:
    the test's author and whoever assigned it; the class's homeroom teacher and its teachers of
    the test's subject (of any subject when the test has none); the school's subject head of the
    test's subject; the school's leadership (school admin: principal, vice-principals); anyone
    holding a staff role above the school (office, department), as before. Another teacher of
    the same school is refused.
    """
    return assignment.pk in _results_visible(user, assignment.test, [assignment])


def results_visible_assignment_ids(
    user: Any, test: Test, assignments: list[Assignment] | None = None
) -> set[int]:
    """Which of the test's assignments (all of them by default) pass `can_view_results`, in a
    fixed number of queries however many classes the test was given to."""
    if assignments is None:
        assignments = list(test.assignments.select_related("school_class__school"))
    return _results_visible(user, test, assignments)


def _results_visible(user: Any, test: Test, assignments: list[Assignment]) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return {a.pk for a in assignments}
    if not can_manage_test(user, test):
        return set()
    mine = permissions.role_paths(user)
    visible: set[int] = set()
    undecided: list[Assignment] = []
    for a in assignments:
        school = a.school_class.school
        if not permissions.reaches(user, school, STAFF):
            continue
        above = any(
            school.path.startswith(p) and p != school.path for r in STAFF for p in mine.get(r, ())
        )
        if (
            above
            or school.path in mine.get(Role.SCHOOL_ADMIN, ())
            or user.pk in (test.created_by_id, a.created_by_id, a.school_class.homeroom_teacher_id)
        ):
            visible.add(a.pk)
        else:
            undecided.append(a)
    if not undecided:
        return visible
    headed: set[int] = set()
    if test.subject_id is not None:
        headed = set(
            Membership.objects.filter(
                user=user,
                role=Role.SUBJECT_HEAD,
                subject_id=test.subject_id,
                organisation_id__in={a.school_class.school_id for a in undecided},
            ).values_list("organisation_id", flat=True)
        )
    teaching = TeachingAssignment.objects.filter(
        teacher=user, school_class_id__in={a.school_class_id for a in undecided}
    )
    if test.subject_id is not None:
        teaching = teaching.filter(subject_id=test.subject_id)
    taught = set(teaching.values_list("school_class_id", flat=True))
    visible.update(
        a.pk for a in undecided if a.school_class.school_id in headed or a.school_class_id in taught
    )
    return visible


def assignment_or_404(user: Any, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related(
            "test__school", "test__subject", "school_class__school", "group"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not can_view_results(user, assignment):
        raise Http404
    return assignment


def assignable_classes(user: Any) -> QuerySet[SchoolClass]:
    """Classes a teacher may give a test to (and so later read its results): those they teach
    or are homeroom teacher of; every class of a school they lead (school admin, subject head);
    every class under an office or department where they hold a staff role. Always within the
    schools they still work at."""
    if getattr(user, "is_superuser", False):
        return SchoolClass.objects.select_related("school").order_by("grade", "name")
    mine = permissions.role_paths(user)
    staff_paths = {p for r in STAFF for p in mine.get(r, ())}
    school_paths = set(
        Organisation.objects.filter(path__in=staff_paths, kind=OrgKind.SCHOOL).values_list(
            "path", flat=True
        )
    )
    wide = (staff_paths - school_paths) | {
        p for r in (Role.SCHOOL_ADMIN, Role.SUBJECT_HEAD) for p in mine.get(r, ())
    }
    taught = Q(homeroom_teacher=user) | Q(
        pk__in=TeachingAssignment.objects.filter(teacher=user).values("school_class")
    )
    for p in wide:
        taught |= Q(school__path__startswith=p)
    return (
        SchoolClass.objects.filter(permissions.path_q(user, STAFF, "school__path"))
        .filter(taught)
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
