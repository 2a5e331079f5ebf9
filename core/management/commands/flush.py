from typing import Any

from django.core.management.commands import flush

from core.append_only import purge_allowed


class Command(flush.Command):
    """Django's flush, allowed to empty the append-only audit table (see core.append_only)."""

    def handle(self, **options: Any) -> None:
        with purge_allowed():
            super().handle(**options)
