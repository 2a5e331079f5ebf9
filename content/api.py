"""The public surface of `content` for other apps. Other apps import only this module.

- Models: the page types (all subclasses of ContentPage), Package/PackageFile and ClassUse.
- iter_item_files(item): every file of an item as ItemFile(path, size, sha256, open) in a
  stable order, starting with `item.json` (the item's own content, canonical JSON). Used to
  sign published items.
- published_items(): the published materials (ContentPage queryset, specific pages).
- search(user, q, page=, subject=, grade=, topic=, type=, licence=, school=): the published
  items the person may see matching `q` (accents ignored), one page of them, with facet counts
  (a BrowseResult of FacetValue lists; the same search as the repository page and its API).
- visible_items(user): the published items the person may open (department-wide library plus
  their own schools' libraries); the LMS "use in my class" page checks against it.
- Packages launched from the LMS: player_url(page_id, lms_activity_id=) is where a learner
  plays it; when the attempt is completed content sends the Celery task
  "lms.tasks.record_package_result"(attempt_id, activity_id) by name, which reads the attempt
  with attempt_finished(attempt) / attempt_scaled_score(attempt).
- use_in_class(page, school_class, user=): "use in my class"; items_for_class(school_class)
  lists what teachers added to a class (for the LMS).
- Provenance: item_code(page) is the signed code ("HL-<id>"); sign_published(page, approver)
  signs an item published before signing was wired in; check_delivery(page) verifies it.
- Authoring and review (for the demo): create_library, create_lesson_plan, submit_for_review,
  approve_content, with LessonPlanData.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from core.api import SchoolClass

from .browse import BrowseResult, FacetValue, browse, clean_filters, visible_items
from .files import ItemFile, iter_item_files, page_record
from .lessonplan import LessonPlanData
from .models import (
    ClassUse,
    ContentPage,
    DocumentPage,
    ELecturePage,
    LessonPlanPage,
    LibraryPage,
    Licence,
    Package,
    PackageAttempt,
    PackageFile,
    PackagePage,
)
from .services import (
    approve_content,
    create_lesson_plan,
    create_library,
    submit_for_review,
    use_in_class,
)
from .signing import check_delivery, sign_published
from .signing import code_for as item_code


def attempt_finished(attempt: PackageAttempt) -> bool:
    """The package reported completion (SCORM completed/passed, H5P completed, cmi5 course
    satisfied) or success."""
    return attempt.completion == "completed" or attempt.success == "passed"


def attempt_scaled_score(attempt: PackageAttempt) -> float | None:
    """The attempt's score in 0..1: the package's scaled score, else raw/max; None if none."""
    if attempt.score_scaled is not None:
        scaled = attempt.score_scaled
    elif attempt.score_raw is not None and attempt.score_max:
        scaled = attempt.score_raw / attempt.score_max
    else:
        return None
    return min(1.0, max(0.0, scaled))


def player_url(page_id: int, *, lms_activity_id: int | None = None) -> str | None:
    """Where a learner plays the package item `page_id` (None when it is not a package);
    launched with the LMS activity's id, its completion is reported to that activity."""
    if not PackagePage.objects.filter(pk=page_id).exists():
        return None
    url = reverse("content:player", args=[page_id])
    return f"{url}?activity={lms_activity_id}" if lms_activity_id is not None else url


def search(user: Any, q: str = "", *, page: int = 1, **filters: str) -> BrowseResult:
    """What `user` may see matching every word of `q` and every facet filter (content.browse)."""
    return browse(user, q.strip(), clean_filters(filters), page)


def published_items() -> QuerySet[ContentPage]:
    return ContentPage.objects.live().specific()


def items_for_class(school_class: SchoolClass) -> list[ContentPage]:
    """Published materials teachers put in `school_class`, newest first."""
    page_ids = ClassUse.objects.filter(school_class=school_class).order_by("-added_at")
    pages = {p.pk: p for p in published_items().filter(pk__in=page_ids.values("page"))}
    return [pages[pid] for pid in page_ids.values_list("page_id", flat=True) if pid in pages]


__all__ = [
    "BrowseResult",
    "ClassUse",
    "ContentPage",
    "DocumentPage",
    "ELecturePage",
    "FacetValue",
    "ItemFile",
    "LessonPlanData",
    "LessonPlanPage",
    "LibraryPage",
    "Licence",
    "Package",
    "PackageAttempt",
    "PackageFile",
    "PackagePage",
    "approve_content",
    "attempt_finished",
    "attempt_scaled_score",
    "check_delivery",
    "create_lesson_plan",
    "create_library",
    "item_code",
    "items_for_class",
    "iter_item_files",
    "page_record",
    "player_url",
    "published_items",
    "search",
    "sign_published",
    "submit_for_review",
    "use_in_class",
    "visible_items",
]
