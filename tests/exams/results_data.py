"""A small crafted exam for the results tests: two single-choice items and one 2025 true/false
cluster (1 point each), two shuffled versions, ten candidates in two rooms, every response chosen
so that the expected item-analysis figures can be worked out by hand (see test_results_analysis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from assessment import api as assessment
from core.models import Organisation, Role
from exams import services
from exams.models import Answer, Attempt, Candidate, Exam, ExamSubject, Room
from question_bank.api import Choice, ItemContent, ItemType, create_item
from tests import factories

T, F = True, False
# Responses by original option id (what the player stores), candidate 000001 … 000010.
Q1 = ["A", "A", "A", "A", "A", "A", "B", "B", "C", None]  # key A
Q2 = ["C", "C", "C", "C", "D", "D", "C", "A", None, "B"]  # key C
Q3: list[dict[str, bool] | None] = [  # key a:Đ b:S c:Đ d:S
    {"a": T, "b": F, "c": T, "d": F},  # 4 right → 1
    {"a": T, "b": F, "c": T, "d": T},  # 3 → 0.5
    {"a": T, "b": F, "c": F, "d": T},  # 2 → 0.25
    {"a": T, "b": T, "c": F, "d": T},  # 1 → 0.1
    {"a": T, "b": F, "c": T, "d": F},  # 4 → 1
    {"a": F, "b": T, "c": F, "d": T},  # 0 → 0
    {"a": T, "b": F, "c": T},  # 3 → 0.5
    {"a": F, "b": F},  # 1 → 0.1
    None,  # blank → 0
    {"a": T, "c": T},  # 2 → 0.25
]


@dataclass
class ResultsExam:
    exam: Exam
    subject: ExamSubject
    versions: dict[str, int]  # "q1", "q2", "q3" → item version id
    candidates: list[Candidate]
    rooms: list[Room]


def _item(organisation: Organisation, content: ItemContent) -> Any:
    item = create_item(None, content, school=organisation)
    return item.current_version


def build(*, organisation: Organisation | None = None, code: str = "HK1") -> ResultsExam:
    organisation = organisation or factories.SchoolFactory.create()
    test = assessment.create_test(
        None, title=f"Đề {code}", school=organisation, parts=["PHẦN I", "PHẦN II"]
    )
    part1, part2 = list(test.parts.order_by("pk"))
    q1 = _item(
        organisation,
        ItemContent(
            type=ItemType.SINGLE_CHOICE,
            stem_html="<p>Câu một</p>",
            choices=[Choice(c, f"<p>{c}</p>") for c in "ABCD"],
            key="A",
        ),
    )
    q2 = _item(
        organisation,
        ItemContent(
            type=ItemType.SINGLE_CHOICE,
            stem_html="<p>Câu hai</p>",
            choices=[Choice(c, f"<p>{c}</p>") for c in "ABCD"],
            key="C",
        ),
    )
    q3 = _item(
        organisation,
        ItemContent(
            type=ItemType.TRUE_FALSE_CLUSTER,
            stem_html="<p>Câu ba</p>",
            choices=[Choice(s, f"<p>Mệnh đề {s}</p>") for s in "abcd"],
            key={"a": T, "b": F, "c": T, "d": F},
        ),
    )
    for part, version in ((part1, q1), (part1, q2), (part2, q3)):
        assessment.add_item(None, part, version, points=Decimal(1))
    assessment.make_versions(None, test, count=2, seed="ket-qua")
    exam = services.create_exam(None, organisation=organisation, code=code, title=f"Kỳ thi {code}")
    subject = services.add_subject(None, exam, name="Toán", test=test)
    now = timezone.now()
    session = services.create_session(
        None,
        subject,
        name="Ca 1",
        starts=now - dt.timedelta(hours=2),
        ends=now + dt.timedelta(hours=1),
        duration_minutes=60,
    )
    rooms = [services.create_room(None, session, name=n, capacity=5) for n in ("P01", "P02")]
    services.add_candidates(
        None,
        session,
        [{"full_name": f"Thí sinh {n:02d}", "class_name": f"12A{n % 2 + 1}"} for n in range(10)],
    )
    services.assign_seats(None, session, mode="alphabetical")
    candidates = list(Candidate.objects.filter(exam=exam).order_by("number"))
    versions = {"q1": q1.pk, "q2": q2.pk, "q3": q3.pk}
    responses = {q1.pk: Q1, q2.pk: Q2, q3.pk: Q3}
    for i, candidate in enumerate(candidates):
        attempt = Attempt.objects.get(candidate=candidate)
        for row in attempt.layout:
            response = responses[row["item_version"]][i]
            if response is not None:
                Answer.objects.create(
                    attempt=attempt, position=row["position"], response=response, seq=1
                )
        services.submit_attempt(attempt.pk, by="server")
        services.grade_attempt(attempt.pk)
    return ResultsExam(exam, subject, versions, candidates, rooms)


def coordinator(exam: Exam) -> Any:
    user = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=user, organisation=exam.organisation, role=Role.EXAM_COORDINATOR
    )
    return user


def outsider() -> Any:
    """An exam coordinator of another school."""
    user = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=user, organisation=factories.SchoolFactory.create(), role=Role.EXAM_COORDINATOR
    )
    return user
