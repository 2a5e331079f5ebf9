"""Exam coordinators manage the exams of the organisations they reach; proctors see only the
rooms they are assigned to. Anything else is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.api import Role, permissions

from .models import Exam, Room

COORDINATOR_ROLES = frozenset({Role.EXAM_COORDINATOR, Role.DEPARTMENT_ADMIN})


def managed_exams(user: Any) -> QuerySet[Exam]:
    if not getattr(user, "is_authenticated", False):
        return Exam.objects.none()
    if user.is_superuser:
        return Exam.objects.all()
    return Exam.objects.filter(permissions.path_q(user, COORDINATOR_ROLES, "organisation__path"))


def can_manage(user: Any, exam: Exam) -> bool:
    return permissions.reaches(user, exam.organisation, COORDINATOR_ROLES)


def exam_for(user: Any, exam_id: int) -> Exam:
    exam = managed_exams(user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404
    return exam


def rooms_for(user: Any) -> QuerySet[Room]:
    """Rooms the user proctors or coordinates."""
    if not getattr(user, "is_authenticated", False):
        return Room.objects.none()
    if user.is_superuser:
        return Room.objects.all()
    q = Q(proctors=user) | permissions.path_q(
        user, COORDINATOR_ROLES, "session__exam__organisation__path"
    )
    return Room.objects.filter(q).distinct()


def room_for(user: Any, room_id: int) -> Room:
    room = rooms_for(user).select_related("session__exam").filter(pk=room_id).first()
    if room is None:
        raise Http404
    return room
