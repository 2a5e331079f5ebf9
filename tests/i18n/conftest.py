"""Compile the catalogues before any test here renders a page, so a fresh .po is what we test.

`./dev test` compiles them already; this keeps `pytest tests/i18n` honest on its own. The .mo
is written to a temporary file and renamed, so parallel workers never read half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polib
from django.conf import settings


def _compile_stale_catalogues() -> None:
    for base in settings.LOCALE_PATHS:
        for po_path in Path(base).rglob("*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            os.close(fd)
            polib.pofile(str(po_path)).save_as_mofile(tmp)
            os.replace(tmp, mo_path)


_compile_stale_catalogues()
