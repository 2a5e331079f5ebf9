"""Stream a validated package into storage, one entry and one chunk at a time."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage

CHUNK = 1024 * 1024


class SizeExceeded(Exception):
    """An entry inflated to more than its central directory declared (a lying zip)."""


class _HashingReader:
    """A read-only file over a zip entry that hashes and counts what passes through."""

    def __init__(self, raw: IO[bytes], declared: int) -> None:
        self._raw = raw
        self._declared = declared
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        self.size += len(data)
        if self.size > self._declared:
            raise SizeExceeded
        self.sha256.update(data)
        return data


@dataclass(frozen=True)
class ExtractedFile:
    path: str
    size: int
    sha256: str


def extract(
    path: Path, sources: dict[str, str], storage: Storage, prefix: str
) -> Iterator[ExtractedFile]:
    """Write each validated file (relative path → zip entry name) under `prefix` in `storage`."""
    with zipfile.ZipFile(path) as archive:
        for name, entry in sorted(sources.items()):
            info = archive.getinfo(entry)
            with archive.open(info) as raw:
                reader = _HashingReader(raw, info.file_size)
                stored = storage.save(prefix + name, File(reader, name=name))  # type: ignore[arg-type]
            if stored != prefix + name:
                # Storage renamed it (a clash): the package would not find its own file.
                storage.delete(stored)
                raise FileExistsError(prefix + name)
            yield ExtractedFile(name, reader.size, reader.sha256.hexdigest())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
