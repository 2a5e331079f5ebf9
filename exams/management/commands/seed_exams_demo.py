"""`manage.py seed_exams_demo`: the demo exam for `./dev demo` (after load_demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from exams.access import candidate_password
from exams.demo import CODE, load_exam_demo
from exams.models import Candidate


class Command(BaseCommand):
    help = "Load the demo computer-based exam (does nothing if it is already there)."

    def handle(self, *args: Any, **options: Any) -> None:
        exam = load_exam_demo()
        if exam is None:
            self.stdout.write("Demo exam already present (or no demo data).")
        first = (
            Candidate.objects.filter(exam__code=CODE, room__name="P001")
            .select_related("room")
            .order_by("seat")
            .first()
        )
        if first is not None and first.room is not None:
            self.stdout.write(
                f"Demo exam {CODE}: /thi/ — số báo danh {first.number}, mật khẩu "
                f"{candidate_password(first.pk, first.number)}, mã phòng {first.room.access_code}"
                " (khaothi: /exams/)"
            )
