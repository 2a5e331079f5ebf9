"""OneRoster sourcedIds for local objects: the sector's own id when the object came from it.

These ids are the idempotency keys of delivery, so they must be stable: derived from the
objects, never random.
"""

from __future__ import annotations

from typing import Any

from .models import RemoteRecord, SchoolLink

PREFIX = "hoclieu"


def _remote(kind: str, local_id: int) -> str | None:
    return (
        RemoteRecord.objects.filter(kind=kind, local_id=local_id)
        .values_list("sourced_id", flat=True)
        .first()
    )


def org_id(school: Any) -> str:
    link = SchoolLink.objects.filter(school=school).values_list("remote_id", flat=True).first()
    return link or f"{PREFIX}-org-{school.code}"


def class_id(school_class: Any) -> str:
    return _remote(RemoteRecord.Kind.CLASS, school_class.pk) or f"{PREFIX}-class-{school_class.pk}"


def user_ids(users: list[Any]) -> dict[int, str]:
    remote = dict(
        RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.USER, local_id__in=[u.pk for u in users]
        ).values_list("local_id", "sourced_id")
    )
    return {u.pk: remote.get(u.pk) or f"{PREFIX}-user-{u.username}" for u in users}


def session_id(school_year: Any, semester: int) -> str:
    return f"{PREFIX}-as-{school_year.name}-hk{semester}"


def line_item_id(class_sourced_id: str, subject: Any, school_year: Any, semester: int) -> str:
    return f"{class_sourced_id}-{subject.code}-{school_year.name}-hk{semester}"
