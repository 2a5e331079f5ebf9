"""A complete exam for load tests, demos and browser tests: `seed_exam(candidates=N)`.

Creates (through the services, audited) a test of single-choice questions with shuffled
versions, one exam with one session, rooms of `room_size`, N candidates seated at random, and
optionally releases every room and signs every candidate in (so a load generator needs no
login burst). Returns the credentials of every candidate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessment import api as assessment
from core.api import Organisation, OrgKind, create_organisation
from question_bank.api import Choice, ItemContent, ItemType, create_item

from . import access, services
from .models import Attempt, Exam, Room

GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nam", "Phúc", "Thảo"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]


@dataclass
class SeededCandidate:
    attempt: int
    number: str
    password: str
    room: str
    access_code: str
    token: str = ""


@dataclass
class SeededExam:
    exam: Exam
    candidates: list[SeededCandidate] = field(default_factory=list)


def _organisation(organisation: Any) -> Any:
    if organisation is not None:
        return organisation
    found = Organisation.objects.filter(kind=OrgKind.SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    return create_organisation(None, code="THI-THU", name="Trường Thi thử", kind=OrgKind.SCHOOL)


def _test(actor: Any, organisation: Any, questions: int, versions: int, title: str) -> Any:
    test = assessment.create_test(actor, title=title, school=organisation, parts=["PHẦN I"])
    part = test.parts.get()
    for n in range(1, questions + 1):
        content = ItemContent(
            type=ItemType.SINGLE_CHOICE,
            stem_html=f"<p>Câu hỏi số {n}: chọn phương án đúng.</p>",
            choices=[Choice(c, f"<p>Phương án {c} của câu {n}</p>") for c in "ABCD"],
            key="ABCD"[n % 4],
        )
        item = create_item(actor, content, school=organisation)
        assert item.current_version is not None
        assessment.add_item(actor, part, item.current_version)
    assessment.make_versions(actor, test, count=versions, seed="exams")
    return test


def seed_exam(
    *,
    candidates: int = 24,
    code: str = "",
    room_size: int = 24,
    questions: int = 40,
    versions: int = 4,
    duration_minutes: int = 60,
    organisation: Any = None,
    actor: Any = None,
    release: bool = True,
    sign_in: bool = False,
    now: dt.datetime | None = None,
) -> SeededExam:
    now = now or timezone.now()
    organisation = _organisation(organisation)
    code = code or f"THI{int(now.timestamp())}"
    with transaction.atomic():
        test = _test(actor, organisation, questions, versions, f"Đề thi thử {code}")
        exam = services.create_exam(
            actor, organisation=organisation, code=code, title=f"Kỳ thi thử {code}"
        )
        subject = services.add_subject(actor, exam, name="Toán", test=test)
        session = services.create_session(
            actor,
            subject,
            name="Ca 1",
            starts=now - dt.timedelta(minutes=5),
            ends=now + dt.timedelta(minutes=duration_minutes + 120),
            duration_minutes=duration_minutes,
        )
        for r in range(1, -(-candidates // room_size) + 1):
            services.create_room(actor, session, name=f"P{r:03d}", capacity=room_size)
        people = [
            {
                "full_name": f"{FAMILY[i % len(FAMILY)]} Văn {GIVEN[(i // 8) % len(GIVEN)]}",
                "class_name": f"12A{i % 10 + 1}",
            }
            for i in range(candidates)
        ]
        services.add_candidates(actor, session, people)
        services.assign_seats(actor, session, mode="random", seed=code)
        codes: dict[int, str] = {}
        if release:
            for room in Room.objects.filter(session=session):
                codes[room.pk] = services.release_room(actor, room, now=now)
    seeded = SeededExam(exam)
    attempts = list(
        Attempt.objects.filter(candidate__exam=exam)
        .select_related("candidate__room")
        .order_by("candidate__number")
    )
    for attempt in attempts:
        c = attempt.candidate
        token = ""
        if sign_in:
            token, attempt.token_hash = access.new_token()
        seeded.candidates.append(
            SeededCandidate(
                attempt=attempt.pk,
                number=c.number,
                password=access.candidate_password(c.pk, c.number),
                room=c.room.name if c.room else "",
                access_code=codes.get(c.room_id or 0, ""),
                token=token,
            )
        )
    if sign_in:
        Attempt.objects.bulk_update(attempts, ["token_hash"], batch_size=1000)
    return seeded
