"""`export_bundle ITEM_CODE --out PATH`: the self-contained zip bundle of a signed item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.api import export_bundle


class Command(BaseCommand):
    help = "Write the signed bundle (files, manifest, signatures, certificate chain) as a zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = export_bundle(options["code"])
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        Path(options["out"]).write_bytes(data)
        self.stdout.write(f"{options['out']} ({len(data)} bytes)")
