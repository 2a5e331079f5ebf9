"""Shared pieces for the question bank tests: a subject, a teacher author and subject heads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pytest

from core.models import Organisation, Role, Subject, User
from question_bank.interchange import Choice, ItemContent, ItemType
from tests import factories


@dataclass
class Bank:
    school: Organisation
    other_school: Organisation
    maths: Subject
    physics: Subject
    author: User
    maths_head: User
    physics_head: User
    other_school_head: User


@pytest.fixture
def bank(world) -> Bank:
    maths = cast(Subject, factories.SubjectFactory(code="TOAN", name="Toán"))
    physics = cast(Subject, factories.SubjectFactory(code="VL", name="Vật lí"))
    maths_head = cast(User, factories.UserFactory())
    factories.MembershipFactory(
        user=maths_head, organisation=world.a.school, role=Role.SUBJECT_HEAD, subject=maths
    )
    physics_head = cast(User, factories.UserFactory())
    factories.MembershipFactory(
        user=physics_head, organisation=world.a.school, role=Role.SUBJECT_HEAD, subject=physics
    )
    other_head = cast(User, factories.UserFactory())
    factories.MembershipFactory(
        user=other_head, organisation=world.b.school, role=Role.SUBJECT_HEAD, subject=maths
    )
    return Bank(
        school=world.a.school,
        other_school=world.b.school,
        maths=maths,
        physics=physics,
        author=world.a.teacher,
        maths_head=maths_head,
        physics_head=physics_head,
        other_school_head=other_head,
    )


def single_choice(stem: str = "Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là", key: str = "A"):
    return ItemContent(
        type=ItemType.SINGLE_CHOICE,
        stem_html=f"<p>{stem}</p>",
        choices=[Choice("A", "1 và 2"), Choice("B", "−1"), Choice("C", "3"), Choice("D", "0")],
        key=key,
        solution_html="<p>Áp dụng định lí Vi-ét: $x_1 + x_2 = 3$.</p>",
    )
