"""The demo exam: a mid-term mathematics exam of the Sở, run today, with two rooms of students
of the demo's first upper-secondary school, the demo teacher as proctor of room P001. Shown to
the `khaothi` (exam coordinator) login; idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.api import Organisation, SchoolClass, User

from . import services
from .models import Exam, Room
from .seeding import _test

CODE = "DEMO-GK1"


def load_exam_demo(now: dt.datetime | None = None) -> Exam | None:
    if Exam.objects.filter(code=CODE).exists():
        return None
    dept = Organisation.objects.filter(code="SGDDT").first()
    coordinator = User.objects.filter(username="khaothi").first()
    if dept is None or coordinator is None:
        return None
    classes = list(
        SchoolClass.objects.filter(
            school__path__startswith=dept.path, name__startswith="10"
        ).order_by("school__pk", "name")[:2]
    )
    now = now or timezone.now()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        test = _test(coordinator, dept, 12, 4, "Đề kiểm tra giữa kỳ Toán 10 (thi trên máy)")
        exam = services.create_exam(
            coordinator, organisation=dept, code=CODE, title="Kiểm tra giữa kỳ I — Toán 10"
        )
        subject = services.add_subject(coordinator, exam, name="Toán", test=test)
        session = services.create_session(
            coordinator,
            subject,
            name="Ca 1",
            starts=start,
            ends=start + dt.timedelta(days=1),
            duration_minutes=45,
        )
        candidates = services.add_candidates_from_classes(coordinator, session, classes)
        size = max(1, -(-len(candidates) // 2))
        teacher = User.objects.filter(username="giaovien").first()
        for n in (1, 2):
            services.create_room(
                coordinator,
                session,
                name=f"P{n:03d}",
                capacity=size,
                proctors=[teacher] if teacher and n == 1 else [],
            )
        services.assign_seats(coordinator, session, mode="alphabetical")
        services.release_room(
            teacher or coordinator, Room.objects.get(session=session, name="P001")
        )
    return exam
