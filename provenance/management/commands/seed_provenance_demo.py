"""`seed_provenance_demo`: sign the demo's published items (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from provenance.demo import seed


class Command(BaseCommand):
    help = "Sign the demo's published content items and question versions (or a sample item)."

    def handle(self, *args: Any, **options: Any) -> None:
        signed = seed()
        self.stdout.write(f"Đã ký {signed} học liệu.")
