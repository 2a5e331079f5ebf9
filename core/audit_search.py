"""Searching the append-only audit log, for administrators.

A department admin (or superuser) sees every event; a school admin sees the events made by
people who hold a role in an organisation they reach, so one school's admin never reads
another school's history. Read-only: nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from . import permissions
from .models import AuditEvent, Organisation, OrgKind, Role


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    school: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def can_search(user: Any) -> bool:
    return bool(
        getattr(user, "is_superuser", False) or permissions.has_role(user, permissions.ADMIN_ROLES)
    )


def sees_everything(user: Any) -> bool:
    return bool(
        getattr(user, "is_superuser", False) or permissions.has_role(user, [Role.DEPARTMENT_ADMIN])
    )


def parse_filters(data: Any) -> tuple[AuditFilters, list[str]]:
    """Filters from a query string, with Vietnamese messages for values that are not valid."""
    errors: list[str] = []

    def date(name: str) -> dt.date | None:
        raw = (data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            errors.append(_("Ngày không hợp lệ: %(value)s (dạng YYYY-MM-DD).") % {"value": raw})
            return None

    school_raw = (data.get("school") or "").strip()
    school = None
    if school_raw:
        if school_raw.isdigit():
            school = int(school_raw)
        else:
            errors.append(_("Mã trường không hợp lệ: %(value)s.") % {"value": school_raw})
    filters = AuditFilters(
        actor=(data.get("actor") or "").strip(),
        action=(data.get("action") or "").strip(),
        object_type=(data.get("object_type") or "").strip(),
        object_id=(data.get("object_id") or "").strip(),
        school=school,
        since=date("since"),
        until=date("until"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        errors.append(_("Ngày bắt đầu phải trước ngày kết thúc."))
    return filters, errors


def schools_for(user: Any) -> QuerySet[Organisation]:
    """The schools the user may filter by."""
    orgs = Organisation.objects.filter(kind=OrgKind.SCHOOL)
    if sees_everything(user):
        return orgs.order_by("name")
    return orgs.filter(permissions.path_q(user, permissions.ADMIN_ROLES, "path")).order_by("name")


def search(user: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events `user` may read that match `filters`, newest first."""
    if not can_search(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if not sees_everything(user):
        reach = permissions.path_q(
            user, permissions.ADMIN_ROLES, "actor__memberships__organisation__path"
        )
        events = events.filter(pk__in=AuditEvent.objects.filter(reach).values("pk"))
    if filters.school is not None:
        school = schools_for(user).filter(pk=filters.school).first()
        if school is None:
            return AuditEvent.objects.none()
        in_school = AuditEvent.objects.filter(
            actor__memberships__organisation__path__startswith=school.path
        ).values("pk")
        events = events.filter(pk__in=in_school)
    if filters.actor:
        events = events.filter(
            Q(actor_label__icontains=filters.actor) | Q(actor__username=filters.actor)
        )
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.since:
        events = events.filter(at__date__gte=filters.since)
    if filters.until:
        events = events.filter(at__date__lte=filters.until)
    return events.order_by("-at", "-id")
