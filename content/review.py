"""Who may review a material: the head of its subject at its school or above, never its author."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.models import Page, Task, TaskState

from core.api import Membership, Role


def _content(obj: Any) -> Any:
    specific = obj.specific if isinstance(obj, Page) else obj
    return specific if hasattr(specific, "subject_id") and hasattr(specific, "school") else None


def can_review(user: Any, obj: Any) -> bool:
    item = _content(obj)
    if item is None or not getattr(user, "is_authenticated", False):
        return False
    if user.pk in {item.author_id, item.owner_id}:
        return False
    return Membership.objects.filter(
        user=user,
        role=Role.SUBJECT_HEAD,
        subject_id=item.subject_id,
        organisation__path__in=_ancestor_paths(item.school.path),
    ).exists()


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def reviewable_task_states(task: Task, user: Any) -> QuerySet[TaskState]:
    states = TaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS, task_id=task.pk)
    ids = [s.pk for s in states if can_review(user, s.workflow_state.content_object)]
    return TaskState.objects.filter(pk__in=ids)
