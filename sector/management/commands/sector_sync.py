"""`python manage.py sector_sync roster|results [--school CODE] --json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sector import services


class Command(BaseCommand):
    help = "Đồng bộ với CSDL ngành: nhận danh sách (roster) hoặc gửi kết quả (results)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["roster", "results", "reconcile"])
        parser.add_argument("--school", help="mã trường (mặc định: tất cả)")
        parser.add_argument("--json", action="store_true", help="in tóm tắt dạng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        runs: dict[str, Callable[..., dict[str, Any]]] = {
            "roster": services.sync_roster,
            "results": services.deliver_results,
            "reconcile": services.reconcile,
        }
        run = runs[options["what"]]
        try:
            report = run(school_code=options["school"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        summary = {
            "created": report.get("created", 0),
            "updated": report.get("updated", 0),
            "delivered": report.get("delivered", 0),
            "failed": report.get("failed", 0),
            **{
                k: v
                for k, v in report.items()
                if k not in {"created", "updated", "delivered", "failed"}
            },
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
        else:
            for key in ("created", "updated", "delivered", "failed"):
                self.stdout.write(f"{key}: {summary[key]}")
