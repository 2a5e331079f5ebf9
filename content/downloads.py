"""What an item offers for download; a package zipped as a stream, never held in memory."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage

from .models import DocumentPage, ELecturePage, LessonPlanPage, PackagePage

CHUNK = 64 * 1024


def choices(page: Any) -> list[str]:
    """The download names (`what` in the URL) the specific page offers."""
    if isinstance(page, LessonPlanPage):
        return ["docx", "pdf"]
    if isinstance(page, DocumentPage):
        return ["original"]
    if isinstance(page, ELecturePage):
        return [name for name in ("slides", "video", "captions") if getattr(page, f"{name}_id")]
    if isinstance(page, PackagePage):
        return ["zip"]
    return []


def stored_document(page: Any, what: str) -> Any:
    """The Wagtail document behind `what` of a document or e-lecture page."""
    return page.document if what == "original" else getattr(page, what)


class _Sink:
    """A write-only file for zipfile whose written bytes are collected and handed out."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def package_zip(page: PackagePage) -> Iterator[bytes]:
    """The package's files as a zip, produced chunk by chunk (a 500 MB package stays on disk)."""
    sink = _Sink()
    # An unseekable sink makes zipfile write data descriptors instead of seeking back.
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in page.package.files.all().iterator():
            with (
                default_storage.open(file.storage_name, "rb") as source,
                archive.open(file.path, "w", force_zip64=file.size > 2**31) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    if sum(len(p) for p in sink.parts) >= CHUNK:
                        yield sink.take()
            yield sink.take()
    yield sink.take()
