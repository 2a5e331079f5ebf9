"""`check_provenance_log`: detect altered, reordered or removed transparency-log entries."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from provenance.api import check_log


class Command(BaseCommand):
    help = "Check the hash chain of the provenance transparency log; exit 1 on any tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = check_log()
        if options["json"]:
            self.stdout.write(
                json.dumps({"valid": not problems, "problems": problems}, ensure_ascii=False)
            )
        else:
            self.stdout.write("\n".join(problems) or "Nhật ký minh bạch toàn vẹn.")
        if problems:
            sys.exit(1)
