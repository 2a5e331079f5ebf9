"""`manage.py seed_exam --candidates 3000 --csv var/exam.csv`: an exam ready to be taken."""

from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand

from exams.seeding import seed_exam


class Command(BaseCommand):
    help = "Create an exam with N candidates (rooms released) and write their credentials as CSV."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--candidates", type=int, default=24)
        parser.add_argument("--code", default="")
        parser.add_argument("--room-size", type=int, default=24)
        parser.add_argument("--questions", type=int, default=40)
        parser.add_argument("--versions", type=int, default=4)
        parser.add_argument("--duration", type=int, default=60, help="minutes")
        parser.add_argument("--no-release", action="store_true")
        parser.add_argument("--sign-in", action="store_true", help="also issue tokens")
        parser.add_argument("--csv", default="-", help="output file, '-' for stdout")

    def handle(self, *args: Any, **o: Any) -> None:
        seeded = seed_exam(
            candidates=o["candidates"],
            code=o["code"],
            room_size=o["room_size"],
            questions=o["questions"],
            versions=o["versions"],
            duration_minutes=o["duration"],
            release=not o["no_release"],
            sign_in=o["sign_in"],
        )
        out = sys.stdout if o["csv"] == "-" else open(o["csv"], "w", newline="")  # noqa: SIM115
        try:
            writer = csv.writer(out)
            writer.writerow(
                ["exam", "number", "password", "attempt", "room", "access_code", "token"]
            )
            for c in seeded.candidates:
                writer.writerow(
                    [
                        seeded.exam.code,
                        c.number,
                        c.password,
                        c.attempt,
                        c.room,
                        c.access_code,
                        c.token,
                    ]
                )
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"exam {seeded.exam.code}: {len(seeded.candidates)} candidates")
