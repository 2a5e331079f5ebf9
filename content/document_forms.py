"""The form Wagtail uses for every document upload (single, multiple, replace): the file must be
what its name says, judged by content (core.uploads), before Wagtail stores it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

from core.api import check_upload

MB = 1024 * 1024
# Slides and handouts, lecture videos and their captions, pictures.
DOCUMENT_KINDS = ("pdf", "docx", "xlsx", "pptx", "png", "jpeg", "gif", "webp", "mp4", "webm", "vtt")
VIDEO_KINDS = ("mp4", "webm")
MAX_VIDEO_BYTES = 500 * MB
MAX_DOCUMENT_BYTES = 50 * MB


class CheckedDocumentForm(BaseDocumentForm):
    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        name = getattr(upload, "name", "") or ""
        kind = check_upload(upload, name=name, allowed=DOCUMENT_KINDS, max_bytes=MAX_VIDEO_BYTES)
        if kind not in VIDEO_KINDS and upload.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                _("Tệp “%(name)s” lớn hơn giới hạn %(max)s MB cho tài liệu.")
                % {"name": name, "max": MAX_DOCUMENT_BYTES // MB}
            )
        upload.seek(0)
        return upload
