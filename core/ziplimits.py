"""Limits for reading any uploaded zip (QTI packages, Word/Excel files, ...): refuse archives
with too many entries, too many bytes once unpacked, a suspicious compression ratio (a zip bomb),
or names that point outside the archive. Checked on the central directory, before reading."""

from __future__ import annotations

import posixpath
import zipfile

from django.utils.translation import gettext as _

MAX_ENTRIES = 5_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, per entry; text compresses ~10x


def zip_problem(
    archive: zipfile.ZipFile,
    *,
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> str | None:
    """A Vietnamese reason the archive is refused, or None when it is within the limits."""
    infos = archive.infolist()
    if len(infos) > max_entries:
        return _("Gói có %(n)s tệp, nhiều hơn giới hạn %(max)s.") % {
            "n": len(infos),
            "max": max_entries,
        }
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith("/") or ".." in posixpath.normpath(name).split("/") or "\\" in name:
            return _("Tệp %(name)s trỏ ra ngoài gói.") % {"name": name}
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            return _("Tệp %(name)s nén bất thường (nghi là bom zip).") % {"name": name}
    if total > max_total:
        return _("Gói giải nén ra %(mb)s MB, lớn hơn giới hạn %(max)s MB.") % {
            "mb": total // (1024 * 1024),
            "max": max_total // (1024 * 1024),
        }
    return None
