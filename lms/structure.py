"""The cached outline of a course (modules and their activities), shared by every learner.

Thousands of teachers open the same PD course page at peak; its outline changes only when the
author edits it, so it is kept in the cache under a key carrying `Course.outline_version`. The
services that change the outline bump that version inside their own transaction (`forget`), so
readers of the new row never see the old outline and nothing has to be deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import F
from django.template.loader import render_to_string
from django.utils.translation import get_language

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


def _key(course_id: int, version: int) -> str:
    return f"lms:outline:{course_id}:v{version}"


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
    key = _key(course.pk, course.outline_version)
    found = cache.get(key)
    if found is None:
        found = _build(course)
        cache.set(key, found, TIMEOUT)
    return found


def forget(course_id: int) -> None:
    """Make the cached outline stale: the next reader of the course row gets a new key."""
    Course.objects.filter(pk=course_id).update(outline_version=F("outline_version") + 1)


def page_key(
    course_id: int, version: int, language: str, manages: bool, done: Iterable[int]
) -> str:
    """The cache key of a course page's main block (lms.fastpage reads it too)."""
    digest = hashlib.blake2s(",".join(map(str, sorted(done))).encode(), digest_size=8).hexdigest()
    return f"lms:page:{course_id}:v{version}:{language}:{int(manages)}:{digest}"


def page_body(
    course: Course, done: frozenset[int], manages: bool, request: Any = None
) -> tuple[str, int]:
    """The course page's main block as HTML and the learner's percentage.

    The block depends only on the outline (versioned), the set of activities this learner has
    completed, whether they manage the course and the language. Learners move through a course
    in much the same order, so few distinct completed sets exist at once and most requests are
    served from one cache read, without rendering a template.
    """
    key = page_key(course.pk, course.outline_version, get_language(), manages, done)
    found = cache.get(key)
    if found is None:
        tree = outline(course)
        total = tree.activity_count
        percent = round(100 * len(done) / total) if total else 0
        html = render_to_string(
            "lms/_course_body.html",
            {
                "course": course,
                "outline": tree,
                "done": done,
                "percent": percent,
                "manages": manages,
            },
        )
        found = (html, percent)
        cache.set(key, found, TIMEOUT)
    return found
