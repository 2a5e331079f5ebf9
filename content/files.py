"""The bytes that make up a material, for signing (provenance) and export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .models import ContentPage, DocumentPage, ELecturePage, LessonPlanPage, PackagePage

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ItemFile:
    """One file of an item: `path` is stable and relative; `open()` returns a binary file."""

    path: str
    size: int
    sha256: str
    open: Callable[[], IO[bytes]]


def page_record(page: ContentPage) -> dict[str, Any]:
    """The item's own content as canonical JSON-able data (metadata and structured fields)."""
    record: dict[str, Any] = {
        "type": page.specific_class._meta.model_name if page.specific_class else "",
        "title": page.title,
        "subject": page.subject.code,
        "grade": page.grade,
        "topic": page.topic,
        "lesson": page.lesson,
        "licence": page.licence,
        "school": page.school.code,
        "author": page.author.username,
    }
    if isinstance(page, LessonPlanPage):
        record["objectives"] = page.objectives.get_prep_value()
        record["equipment"] = page.equipment
        record["activities"] = page.activities.get_prep_value()
    for field in ("body", "description"):
        if hasattr(page, field):
            record[field] = getattr(page, field)
    return record


def _canonical(data: dict[str, Any]) -> bytes:
    # Block ids are random per save; they are not content, so they are left out.
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(
        strip(data), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def _stored(path: str, name: str) -> ItemFile:
    digest = hashlib.sha256()
    size = 0
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return ItemFile(path, size, digest.hexdigest(), partial(default_storage.open, name, "rb"))


def iter_item_files(page: ContentPage) -> Iterator[ItemFile]:
    """Every file of the item in a stable order: `item.json` first, then its attached files."""
    page = page.specific
    data = _canonical(page_record(page))
    yield ItemFile(
        "item.json", len(data), hashlib.sha256(data).hexdigest(), lambda: ContentFile(data)
    )
    if isinstance(page, PackagePage):
        for file in page.package.files.all():
            yield ItemFile(
                f"package/{file.path}",
                file.size,
                file.sha256,
                partial(default_storage.open, file.storage_name, "rb"),
            )
    documents: list[tuple[str, Any]] = []
    if isinstance(page, ELecturePage):
        documents = [("slides", page.slides), ("video", page.video), ("captions", page.captions)]
    elif isinstance(page, DocumentPage):
        documents = [("document", page.document)]
    for role, document in documents:
        if document is not None:
            yield _stored(f"{role}/{document.filename}", document.file.name)
