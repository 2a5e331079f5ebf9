"""`verify_provenance PATH_OR_ID [--json]` and `verify_provenance --list --json`."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.api import signed_codes, verify


class Command(BaseCommand):
    help = "Verify a provenance bundle (.zip) or a signed item code; exit 0 if valid, 1 if not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", nargs="?", help="bundle .zip path or item code")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--list", action="store_true", help="list the codes of signed items")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            codes = signed_codes()
            self.stdout.write(
                json.dumps(codes, ensure_ascii=False) if options["json"] else "\n".join(codes)
            )
            return
        if not options["target"]:
            raise CommandError("Cần đường dẫn gói .zip hoặc mã học liệu (hoặc --list).")
        verdict = verify(options["target"])
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(("HỢP LỆ" if verdict.valid else "KHÔNG HỢP LỆ") + f": {verdict.code}")
            for s in verdict.signers:
                self.stdout.write(f"  {s.role}: {s.name} ({s.id}) {s.signed_at}")
            for p in verdict.problems:
                self.stdout.write(f"  ✗ {p.file}: {p.reason}")
        if not verdict.valid:
            sys.exit(1)
