"""`python manage.py import_questions PATH [--format ...] [--bank NAME] [--dry-run] --json`

Prints one JSON object {"imported", "skipped", "errors", "items", "warnings"}. Exit code 0 when
the file was read (even with item errors), 2 when it could not be read at all.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from core.api import Organisation, Subject, User
from question_bank.importers import FORMATS, UnreadableFile, parse_file
from question_bank.services import ImportMode, import_parsed


class Command(BaseCommand):
    # Other tools call this in scripts; a check failing elsewhere must not break the contract.
    requires_system_checks: list[str] = []
    help = "Nhập câu hỏi từ tệp Word, Excel/CSV, QTI, Moodle XML, GIFT, Aiken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--bank", default="")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Không nhập gì nếu có câu lỗi (mặc định: bỏ qua câu lỗi).",
        )
        parser.add_argument("--user", default="", help="Tên đăng nhập của tác giả.")
        parser.add_argument("--school", default="", help="Mã trường.")
        parser.add_argument("--subject", default="", help="Mã môn, ví dụ TOAN.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = parse_file(options["path"], options["format"])
        except UnreadableFile as exc:
            self._emit(
                options,
                {
                    "imported": 0,
                    "skipped": 0,
                    "errors": [{"location": options["path"], "message": str(exc)}],
                    "items": [],
                    "warnings": [],
                },
            )
            sys.exit(2)
        actor = User.objects.filter(username=options["user"]).first() if options["user"] else None
        school = (
            Organisation.objects.filter(code=options["school"]).first()
            if options["school"]
            else None
        )
        subject = (
            Subject.objects.filter(code=options["subject"]).first() if options["subject"] else None
        )
        report = import_parsed(
            actor,
            result,
            bank=options["bank"],
            mode=ImportMode.ALL_OR_NOTHING if options["all_or_nothing"] else ImportMode.SKIP_BAD,
            dry_run=options["dry_run"],
            school=school,
            subject=subject,
        )
        self._emit(options, report.as_dict())

    def _emit(self, options: dict[str, Any], data: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            _("Đã nhập %(i)s câu, bỏ qua %(s)s câu.")
            % {"i": data["imported"], "s": data["skipped"]}
        )
        for error in data["errors"]:
            self.stdout.write(f"  {error['location']}: {error['message']}")
