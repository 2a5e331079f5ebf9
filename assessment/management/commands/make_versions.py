"""`make_versions TEST_ID --count N [--seed S] [--out DIR] [--codes 101-124] --json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assessment import services
from assessment.models import Test
from assessment.papers import write_papers


def parse_codes(spec: str) -> list[str]:
    """ "101-124" or "101,102,201"."""
    if "-" in spec and "," not in spec:
        first, last = spec.split("-", 1)
        if not (first.isdigit() and last.isdigit()) or int(last) < int(first):
            raise CommandError(_("Dải mã đề không hợp lệ: %(s)s") % {"s": spec})
        return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    return [c.strip() for c in spec.split(",") if c.strip()]


class Command(BaseCommand):
    help = "Trộn đề: tạo N mã đề của một đề kiểm tra, có thể xuất .docx, PDF và bảng đáp án."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("test_id", type=int)
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", default="0")
        parser.add_argument("--codes", help="101-124 hoặc 101,102,...")
        parser.add_argument("--out", help="Thư mục ghi .docx, .pdf, phiếu trả lời và .xlsx")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        test = (
            Test.objects.select_related("school", "subject").filter(pk=options["test_id"]).first()
        )
        if test is None:
            raise CommandError(_("Không có đề kiểm tra số %(id)s.") % {"id": options["test_id"]})
        count = options["count"]
        if count < 1:
            raise CommandError(_("--count phải từ 1 trở lên."))
        codes = parse_codes(options["codes"]) if options["codes"] else None
        try:
            versions = services.make_versions(
                None, test, count=count, seed=options["seed"], codes=codes
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        files = write_papers(test, versions, Path(options["out"])) if options["out"] else []
        result = {
            "test": test.pk,
            "versions": services.versions_json(versions),
            "files": [str(f) for f in files],
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for f in files:
                self.stdout.write(str(f))
            self.stdout.write(_("Đã tạo %(n)s mã đề.") % {"n": len(versions)})
