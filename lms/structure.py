"""The cached outline of a course (modules and their activities), shared by every learner.

Thousands of teachers open the same PD course page at peak; its outline changes only when the
author edits it, so it is kept in the cache and dropped by the services that change it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from .models import Activity, Course, FlippedLesson

TIMEOUT = 3600


@dataclass(frozen=True)
class ActivityItem:
    pk: int
    title: str
    kind: str
    kind_label: str
    rule_label: str
    due_at: object


@dataclass(frozen=True)
class ModuleItem:
    pk: int
    title: str
    activities: tuple[ActivityItem, ...]


@dataclass(frozen=True)
class Outline:
    modules: tuple[ModuleItem, ...]
    lessons: tuple[tuple[int, str, object], ...]
    activity_count: int


def _key(course_id: int) -> str:
    return f"lms:outline:{course_id}"


def _build(course: Course) -> Outline:
    by_module: dict[int, list[ActivityItem]] = {}
    for a in Activity.objects.filter(module__course=course).order_by("position", "pk"):
        by_module.setdefault(a.module_id, []).append(
            ActivityItem(
                a.pk,
                a.title,
                a.kind,
                str(a.get_kind_display()),
                str(a.get_rule_display()),
                a.due_at,
            )
        )
    modules = tuple(
        ModuleItem(m.pk, m.title, tuple(by_module.get(m.pk, [])))
        for m in course.modules.order_by("position", "pk")
    )
    lessons = tuple(
        (lesson.pk, lesson.title, lesson.class_starts_at)
        for lesson in FlippedLesson.objects.filter(course=course)
    )
    return Outline(modules, lessons, sum(len(m.activities) for m in modules))


def outline(course: Course) -> Outline:
    found = cache.get(_key(course.pk))
    if found is None:
        found = _build(course)
        cache.set(_key(course.pk), found, TIMEOUT)
    return found


def forget(course_id: int) -> None:
    """Drop the cached outline once the change that made it stale has committed."""
    transaction.on_commit(lambda: cache.delete(_key(course_id)))
