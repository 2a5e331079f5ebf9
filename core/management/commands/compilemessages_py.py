"""Compile every .po catalogue under LOCALE_PATHS to .mo with polib.

Django's compilemessages needs GNU gettext installed; this needs nothing beyond our dependencies,
so `./dev demo` works on a machine with only Python and Node.
"""

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile .po translation catalogues to .mo (no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).rglob("*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                if options["verbosity"] > 0:
                    self.stdout.write(f"compiled {mo_path}")
