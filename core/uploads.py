"""Uploaded files are judged by their bytes, never by the name or the browser's content type:
a page that trusted ".pdf" would serve an HTML file renamed .pdf back to other users, and a
parser handed an executable renamed .docx fails somewhere deep with an unhelpful message.

`check_upload` sniffs the content, requires the name's extension to agree with it, enforces a
size limit, and raises a ValidationError naming the file, before anything is stored."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Collection
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .ziplimits import zip_problem

MB = 1024 * 1024
SNIFF_BYTES = 64

# kind -> (extensions it may carry, label for messages)
KINDS: dict[str, tuple[tuple[str, ...], Any]] = {
    "pdf": ((".pdf",), gettext_lazy("PDF")),
    "docx": ((".docx",), gettext_lazy("Word (.docx)")),
    "xlsx": ((".xlsx",), gettext_lazy("Excel (.xlsx)")),
    "pptx": ((".pptx",), gettext_lazy("PowerPoint (.pptx)")),
    "png": ((".png",), gettext_lazy("ảnh PNG")),
    "jpeg": ((".jpg", ".jpeg"), gettext_lazy("ảnh JPEG")),
    "gif": ((".gif",), gettext_lazy("ảnh GIF")),
    "webp": ((".webp",), gettext_lazy("ảnh WebP")),
    "mp4": ((".mp4", ".m4v"), gettext_lazy("video MP4")),
    "webm": ((".webm",), gettext_lazy("video WebM")),
    "vtt": ((".vtt",), gettext_lazy("phụ đề WebVTT")),
}
IMAGES = ("png", "jpeg", "gif", "webp")
DOCUMENTS = ("pdf", "docx", "xlsx", "pptx")
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "vtt": "text/vtt",
}
# The part that makes an Office Open XML zip a document of that kind.
_OOXML_MAIN = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
_PILLOW = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}


def image_kind(data: bytes) -> str | None:
    """png/jpeg/gif/webp when Pillow decodes the bytes as that bitmap; None otherwise (SVG,
    HTML, truncated or forged headers)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return _PILLOW.get(found)


def _ooxml_kind(handle: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(handle) as archive:
            if zip_problem(archive) is not None:
                return None
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, main in _OOXML_MAIN.items():
        if main in names:
            return kind
    return None


def sniff(handle: IO[bytes]) -> str | None:
    """The kind of file the bytes really are, among KINDS, or None."""
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(handle)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "webm"
    text = head.removeprefix(b"\xef\xbb\xbf")
    if text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in b" \t\r\n"):
        try:
            handle.read().decode("utf-8")
        except UnicodeDecodeError:
            return None
        finally:
            handle.seek(0)
        return "vtt"
    data = handle.read()
    handle.seek(0)
    return image_kind(data)


def upload_kind(upload: Any) -> str | None:
    """`sniff` for bytes or a binary file, when the caller checks the name itself."""
    return sniff(_as_handle(upload))


def _as_handle(upload: Any) -> IO[bytes]:
    if isinstance(upload, bytes | bytearray):
        return io.BytesIO(upload)
    return upload  # an UploadedFile or any seekable binary file


def _size(handle: IO[bytes]) -> int:
    size = getattr(handle, "size", None)
    if isinstance(size, int):
        return size
    handle.seek(0, io.SEEK_END)
    end = handle.tell()
    handle.seek(0)
    return end


def allowed_label(allowed: Collection[str]) -> str:
    return ", ".join(str(KINDS[k][1]) for k in allowed)


def check_upload(upload: Any, *, name: str, allowed: Collection[str], max_bytes: int) -> str:
    """The kind of `upload` (bytes or a binary file), which must be one of `allowed` and carry a
    matching extension; otherwise a ValidationError saying what is wrong with which file."""
    label = name or _("(không tên)")
    handle = _as_handle(upload)
    size = _size(handle)
    if size == 0:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": label})
    if size > max_bytes:
        raise ValidationError(
            _("Tệp “%(name)s” lớn %(size)s MB, vượt giới hạn %(max)s MB.")
            % {"name": label, "size": round(size / MB, 1), "max": round(max_bytes / MB, 1)}
        )
    kind = sniff(handle)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("Tệp “%(name)s” không phải tệp hợp lệ thuộc loại được nhận (%(kinds)s).")
            % {"name": label, "kinds": allowed_label(allowed)}
        )
    extension = posixpath.splitext(name.lower())[1]
    if extension not in KINDS[kind][0]:
        raise ValidationError(
            _("Tệp “%(name)s” có nội dung là %(kind)s nhưng tên tệp có đuôi khác.")
            % {"name": label, "kind": KINDS[kind][1]}
        )
    return kind
