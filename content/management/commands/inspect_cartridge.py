"""`manage.py inspect_cartridge PATH [--json]`: what an IMS Common Cartridge holds; problems.

Lists the web content files and web links that can be taken over, the resource types that are
skipped, and every problem with its location (file in the cartridge, XML line). Nothing is
stored. Exit status: 0 no problem, 1 problems found, 2 the file cannot be read.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from content.packages.cartridge import read_cartridge
from content.packages.report import UnreadablePackage


class Command(BaseCommand):
    help = _("Kiểm tra gói IMS Common Cartridge (.imscc): nội dung web, liên kết và lỗi.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--json", action="store_true", help=_("In kết quả dạng JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cartridge = read_cartridge(options["path"])
        except UnreadablePackage as exc:
            problem = {"path": options["path"], "reason": _("Không đọc được tệp: %s") % exc}
            self._print({"valid": False, "problems": [problem]}, options["json"])
            sys.exit(2)
        problems = cartridge.report.as_json()["problems"]
        result = {
            "valid": not problems,
            "title": cartridge.title,
            "web_content": cartridge.web_content,
            "links": [{"title": link.title, "url": link.url} for link in cartridge.links],
            "skipped": cartridge.skipped,
            "problems": problems,
        }
        self._print(result, options["json"])
        sys.exit(0 if not problems else 1)

    def _print(self, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            _("%(title)s: %(files)d tệp nội dung web, %(links)d liên kết")
            % {
                "title": result.get("title", ""),
                "files": len(result.get("web_content", [])),
                "links": len(result.get("links", [])),
            }
        )
        for problem in result["problems"]:
            self.stdout.write(f"  {problem['path'] or '-'}: {problem['reason']}")
