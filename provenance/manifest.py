"""What is signed: a provenance subject and its canonical (RFC 8785) JSON manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import rfc8785
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FORMAT = "hoclieu-provenance/1"
CHUNK = 1024 * 1024
REQUIRED = ("title", "author", "school", "licence", "created_at", "published_at")

FileSource = bytes | IO[bytes]


@dataclass
class Subject:
    """Anything published: a content item (kind "content_item") or a question version.

    metadata: title, author {"id", "name"}, school {"code", "name"}, licence, created_at,
    published_at (datetimes or ISO strings), curriculum_codes [..], derived_from
    {"code", "manifest_sha256"} (optional), and any further keys under "extra".
    """

    kind: str
    code: str
    files: list[tuple[str, FileSource]]
    metadata: dict[str, Any] = field(default_factory=dict)


def chunks(source: FileSource) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    while block := source.read(CHUNK):
        yield block


def clean_path(path: str) -> str:
    path = unicodedata.normalize("NFC", path)
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(p in {"", ".", ".."} for p in parts)
        or any(ord(c) < 32 for c in path)
    ):
        raise ValidationError(_("Tên tệp không hợp lệ: %(path)s") % {"path": path})
    return path


def _iso(value: Any, key: str) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(_("Thời điểm %(key)s phải có múi giờ.") % {"key": key})
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return value
    raise ValidationError(_("Thiếu thời điểm %(key)s.") % {"key": key})


def build(subject: Subject, file_digests: list[tuple[str, str, int]]) -> dict[str, Any]:
    meta = subject.metadata
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise ValidationError(_("Thiếu thông tin: %(keys)s") % {"keys": ", ".join(missing)})
    author = meta["author"]
    school = meta["school"]
    if not isinstance(author, dict) or not author.get("id") or not author.get("name"):
        raise ValidationError(_("Tác giả phải có mã và họ tên."))
    if not isinstance(school, dict) or not school.get("code") or not school.get("name"):
        raise ValidationError(_("Trường phải có mã và tên."))
    derived = meta.get("derived_from")
    if derived is not None and (
        not isinstance(derived, dict)
        or not derived.get("code")
        or len(str(derived.get("manifest_sha256", ""))) != 64
    ):
        raise ValidationError(_("“Phái sinh từ” phải có mã và mã băm bản kê khai nguồn."))
    return {
        "format": FORMAT,
        "kind": subject.kind,
        "code": subject.code,
        "title": str(meta["title"]),
        "curriculum_codes": [str(c) for c in meta.get("curriculum_codes", [])],
        "author": {"id": str(author["id"]), "name": str(author["name"])},
        "school": {"code": str(school["code"]), "name": str(school["name"])},
        "licence": str(meta["licence"]),
        "created_at": _iso(meta["created_at"], "created_at"),
        "published_at": _iso(meta["published_at"], "published_at"),
        "derived_from": (
            {"code": str(derived["code"]), "manifest_sha256": str(derived["manifest_sha256"])}
            if derived
            else None
        ),
        "extra": meta.get("extra", {}),
        "files": [
            {"path": path, "sha256": digest, "size": size}
            for path, digest, size in sorted(file_digests)
        ],
    }


def canonical(manifest: dict[str, Any]) -> bytes:
    return rfc8785.dumps(manifest)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
