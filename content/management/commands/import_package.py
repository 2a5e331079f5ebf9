"""`manage.py import_package PATH [--dry-run] --json`: validate and import an e-learning package.

Exit status: 0 valid, 1 rejected, 2 the file cannot be read.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from content.packages.report import UnreadablePackage
from content.services import import_package


class Command(BaseCommand):
    help = _("Kiểm tra và nhập gói SCORM 1.2/2004, H5P hoặc cmi5.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help=_("Chỉ kiểm tra, không lưu."))
        parser.add_argument("--json", action="store_true", help=_("In kết quả dạng JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report, package = import_package(options["path"], dry_run=options["dry_run"])
        except UnreadablePackage as exc:
            result = {
                "valid": False,
                "kind": None,
                "title": "",
                "launch": "",
                "problems": [
                    {"path": options["path"], "reason": _("Không đọc được tệp: %s") % exc}
                ],
            }
            self._print(result, options["json"])
            sys.exit(2)
        result = report.as_json()
        self._print(result, options["json"])
        if package is not None and not options["json"]:
            self.stdout.write(_("Đã lưu gói #%(id)s.") % {"id": package.pk})
        sys.exit(0 if report.valid else 1)

    def _print(self, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        status = _("HỢP LỆ") if result["valid"] else _("BỊ TỪ CHỐI")
        self.stdout.write(
            f"{status}: {result['kind'] or '-'} {result['title']} → {result['launch']}"
        )
        for problem in result["problems"]:
            self.stdout.write(f"  {problem['path'] or '-'}: {problem['reason']}")
