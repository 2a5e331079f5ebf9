"""`seed_provenance_demo`: publish and sign the demo items (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from provenance.demo import publish_demo_items, seed


class Command(BaseCommand):
    help = (
        "Publish the demo teacher's lesson plan and questions (approved by the demo subject "
        "head, signed at publication), then sign and seal any other published demo items."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        published = publish_demo_items()
        signed = seed()
        self.stdout.write(f"Đã xuất bản và ký {len(published)} học liệu mẫu, ký thêm {signed}.")
