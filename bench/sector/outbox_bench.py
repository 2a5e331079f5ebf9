"""Push N result records through the outbox to the simulator with injected failures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sector_bench \
        .venv/bin/python bench/sector/outbox_bench.py --records 100000 --failure-rate 0.10

Builds classes of 40 students and locks 10 subjects x 2 semesters per class (each lock is one
outbox row of 40 records), then runs delivery sweeps until the outbox is empty and checks on
the remote side that every record arrived once. Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from core import api as core  # noqa: E402
from provenance import api as provenance  # noqa: E402
from sector import outbox  # noqa: E402
from sector.adapter import OneRosterAdapter  # noqa: E402
from sector.models import OutboxMessage  # noqa: E402
from sector.simulator.process import SimulatorProcess  # noqa: E402

STUDENTS_PER_CLASS = 40
SUBJECTS = ["NV", "TOAN", "NN1", "LS", "DL", "VL", "HH", "SH", "TIN", "GDKTPL"]


def build(records: int) -> list[tuple[int, int, int, list[dict[str, object]]]]:
    """The grade books to lock: (class id, subject id, semester, entries)."""
    per_class = len(SUBJECTS) * 2 * STUDENTS_PER_CLASS
    classes = -(-records // per_class)
    year, _ = core.SchoolYear.objects.get_or_create(
        name="2026-2027",
        defaults={"start": "2026-09-05", "end": "2027-05-31", "is_current": True},
    )
    school = core.create_organisation(
        None,
        code=f"BENCH{int(time.time())}",
        name="Trường THPT Bench",
        kind="school",
        level="upper_secondary",
    )
    principal = core.create_user(None, username=f"ht-{school.code}", full_name="Lê Văn Hiệu")
    core.grant_role(None, user=principal, organisation=school, role=core.Role.SCHOOL_ADMIN)
    subjects = []
    for code in SUBJECTS:
        subject, _ = core.Subject.objects.get_or_create(code=code, defaults={"name": code})
        core.SubjectGrade.objects.get_or_create(
            subject=subject, grade=10, defaults={"periods_per_year": 70}
        )
        subjects.append(subject)
    password = make_password(None)
    provenance.signer_for_user(principal)  # certificates issued up front, not raced by threads
    books = []
    for c in range(classes):
        teacher = core.User.objects.create(
            username=f"gv-{school.code}-{c}", full_name=f"Giáo viên {c}", password=password
        )
        provenance.signer_for_user(teacher)
        school_class = core.SchoolClass.objects.create(
            school=school,
            school_year=year,
            name=f"10A{c + 1}",
            grade=10,
            homeroom_teacher=teacher,
        )
        students = core.User.objects.bulk_create(
            core.User(
                username=f"{school.code[-8:]}{c:04d}{i:02d}",
                full_name=f"Học sinh {c}-{i}",
                password=password,
            )
            for i in range(STUDENTS_PER_CLASS)
        )
        core.Enrolment.objects.bulk_create(
            core.Enrolment(school_class=school_class, student=s) for s in students
        )
        for subject in subjects:
            for semester in (1, 2):
                entries = [
                    {
                        "student_id": s.pk,
                        "regular": [7.5, 8, (i % 10) + 0.5],
                        "midterm": 6.5,
                        "endterm": (i % 11),
                        **({"semester1Average": 7.2} if semester == 2 else {}),
                    }
                    for i, s in enumerate(students)
                ]
                books.append((school_class.pk, subject.pk, semester, entries))
    return books


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--failure-rate", type=float, default=0.10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--enqueue-threads", type=int, default=4)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    # Deliveries are made by the sweeps below, not by an on-commit task per lock.
    celery_app.conf.task_always_eager = False
    settings.SECTOR_BACKOFF_SECONDS = 0.5
    settings.SECTOR_MAX_ATTEMPTS = 50
    rate = args.failure_rate
    sim = SimulatorProcess(
        Path(tempfile.mkdtemp()) / "bench-sim.sqlite3",
        None,
        "--error-rate",
        str(rate * 0.4),
        "--drop-rate",
        str(rate * 0.3),
        "--timeout-rate",
        str(rate * 0.3),
        "--timeout-s",
        "3",
        "--fault-seed",
        "7",
    ).start()
    try:
        figures = run(sim, args)
    finally:
        sim.stop()
    print(json.dumps(figures))


def run(sim: SimulatorProcess, args: argparse.Namespace) -> dict[str, object]:
    t0 = time.perf_counter()
    books = build(args.records)
    t1 = time.perf_counter()
    OutboxMessage.objects.all().delete()

    def lock(book: tuple[int, int, int, list[dict[str, object]]]) -> None:
        # Each grade book is locked in its own transaction, as lms does; threads overlap the
        # database round trips (each thread has its own connection).
        class_id, subject_id, semester, entries = book
        outbox.enqueue_transcript(class_id, subject_id, semester, {"entries": entries}, None)

    with ThreadPoolExecutor(max_workers=args.enqueue_threads) as pool:
        list(pool.map(lock, books))
    t2 = time.perf_counter()
    records = sum(m.record_count for m in OutboxMessage.objects.all())
    adapter = OneRosterAdapter(sim.url, "hoclieu", "hoclieu-dev-secret", timeout=2.0)
    sweeps = retries = 0
    while OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists():
        counts = outbox.deliver(adapter, limit=1000, concurrency=args.concurrency)
        sweeps += 1
        retries += counts["retry"]
        if counts["delivered"] + counts["retry"] + counts["failed"] == 0:
            due = (
                OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
                .order_by("next_attempt_at")
                .values_list("next_attempt_at", flat=True)
                .first()
            )
            if due:
                time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
    t3 = time.perf_counter()
    stats = sim.stats()
    collections = stats["collections"]
    return {
        "database": connection.vendor,
        "records_enqueued": records,
        "outbox_rows": len(books),
        "delivered_rows": OutboxMessage.objects.filter(status="delivered").count(),
        "dead_rows": OutboxMessage.objects.filter(status="dead").count(),
        "remote_results": collections["results"]["count"],  # type: ignore[index]
        "remote_result_writes": collections["results"]["writes"],  # type: ignore[index]
        "remote_duplicate_results": stats["duplicateResults"],
        "remote_unverified_line_items": stats["unverifiedLineItems"],
        "failed_attempts_retried": retries,
        "sweeps": sweeps,
        "seconds_build_fixtures": round(t1 - t0, 1),
        "seconds_enqueue_sign": round(t2 - t1, 1),
        "seconds_deliver": round(t3 - t2, 1),
        "seconds_outbox_total": round(t3 - t1, 1),
    }


if __name__ == "__main__":
    main()
