"""Who may see and change LMS objects. Shared by services, views, endpoints and rules.py.

A teacher reaches only the classes they teach (or lead as homeroom teacher); a student only
their own records; a school admin every class of their school.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from core.api import Organisation, OrgKind, Role, SchoolClass, TeachingAssignment, permissions

from .models import Course, GradeBook

ADMINS = (Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN)


def is_admin_of(user: Any, school_class: SchoolClass) -> bool:
    return permissions.reaches(user, school_class.school, ADMINS)


def teaches(user: Any, school_class: SchoolClass | int, subject_id: int | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    qs = TeachingAssignment.objects.filter(school_class=school_class, teacher=user)
    if subject_id is not None:
        qs = qs.filter(subject_id=subject_id)
    return qs.exists()


def can_edit_book(user: Any, book: GradeBook) -> bool:
    return teaches(user, book.school_class, book.subject_id) or is_admin_of(user, book.school_class)


def can_view_book(user: Any, book: GradeBook) -> bool:
    """The whole book (every student's scores): its teacher, the homeroom teacher, admins."""
    return can_edit_book(user, book) or book.school_class.homeroom_teacher_id == getattr(
        user, "pk", None
    )


def can_approve_book(user: Any, book: GradeBook) -> bool:
    return is_admin_of(user, book.school_class)


def visible_books(user: Any) -> QuerySet[GradeBook]:
    if not getattr(user, "is_authenticated", False):
        return GradeBook.objects.none()
    if user.is_superuser:
        return GradeBook.objects.all()
    taught = TeachingAssignment.objects.filter(teacher=user).values_list(
        "school_class_id", "subject_id"
    )
    q = Q(pk__in=[])
    for class_id, subject_id in taught:
        q |= Q(school_class_id=class_id, subject_id=subject_id)
    q |= Q(school_class__homeroom_teacher=user)
    q |= permissions.path_q(user, ADMINS, "school_class__school__path")
    return GradeBook.objects.filter(q)


def can_manage_course(user: Any, course: Course) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if course.owner_id == user.pk or user.is_superuser:
        return True
    # Ids only: the course page must not load the class row just to ask this.
    if course.school_class_id is not None and teaches(
        user, course.school_class_id, course.subject_id
    ):
        return True
    return permissions.reaches(user, course.organisation, ADMINS)


def can_view_course(user: Any, course: Course) -> bool:
    return can_manage_course(user, course) or course.enrolments.filter(user=user).exists()


PD_AUTHORS = (Role.SUBJECT_HEAD, Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN)


def role_paths(user: Any) -> dict[str, set[str]]:
    return permissions.role_paths(user)


def admin_schools(user: Any) -> list[Any]:
    """Schools whose PD report the user may read (school or department admins)."""
    q = permissions.path_q(user, ADMINS, "path")
    return list(Organisation.objects.filter(q, kind=OrgKind.SCHOOL).order_by("name"))
