"""Recompute the facet count table from the items, after a bulk load that bypassed the
services (the benchmark's COPY, a database restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from question_bank.facet_table import rebuild


class Command(BaseCommand):
    help = "Tính lại bảng đếm theo bộ lọc của ngân hàng câu hỏi."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild()
        self.stdout.write(f"{rows}")
