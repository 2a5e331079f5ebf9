"""The objects the permission matrix calls endpoints on: one set per school of `world`.

Role users all belong to school A; "own" objects are school A's, "other" objects school B's.
A new `{parameter}` in a matrix path needs a resolver in PARAMS.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Assignment, Attempt
from config.permission_matrix import (
    ANON,
    DEPARTMENT_ADMIN,
    EXAM_COORDINATOR,
    SCHOOL_ADMIN,
    STUDENT,
    SUBJECT_HEAD,
    TEACHER,
)
from core import services as core_services
from core.models import Organisation, Role, RosterImport, SchoolClass, Semester, Subject, User
from lms import services as lms_services
from lms.models import GradeBook
from question_bank import services as qb_services
from question_bank.models import Item
from tests import factories
from tests.assessment.bank import make_item, single_choice
from tests.conftest import World
from tests.core.rosters import GOOD_ROWS, csv_bytes


@dataclass
class SchoolObjects:
    school: Organisation
    school_class: SchoolClass
    teacher: User
    student: User
    subject: Subject
    semester: Semester
    book: GradeBook
    roster_import: RosterImport
    assignment: Assignment
    attempt: Attempt
    item: Item


@dataclass
class MatrixWorld:
    users: dict[str, User | None]
    own: SchoolObjects
    other: SchoolObjects


def _school_objects(sw: Any, maths: Subject) -> SchoolObjects:
    klass = sw.school_class
    subject = klass.teaching_assignments.get().subject
    semester, _new = Semester.objects.get_or_create(
        school_year=klass.school_year,
        number=1,
        defaults={"start": dt.date(2026, 9, 5), "end": dt.date(2027, 1, 15)},
    )
    book = lms_services.open_grade_book(
        sw.teacher, school_class=klass, subject=subject, semester=semester
    )
    upload, _plan, _error = core_services.preview_roster_import(
        sw.admin, school=sw.school, filename="ds.csv", content=csv_bytes(GOOD_ROWS)
    )
    test = assessment_services.create_test(sw.teacher, title="15 phút", subject=maths, grade=10)
    part = test.parts.first()
    assert part is not None
    assessment_services.add_item(sw.teacher, part, make_item(single_choice("B"), subject=maths))
    now = timezone.now()
    assignment = assessment_services.assign_test(
        sw.teacher,
        test,
        klass,
        opens=now - dt.timedelta(minutes=5),
        closes=now + dt.timedelta(hours=2),
        time_limit_minutes=60,
        result_policy="immediately",
        show_correct_answers=False,
    )
    attempt = assessment_services.start_attempt(sw.student, assignment)
    item = qb_services.create_item(
        sw.teacher, single_choice("A"), school=sw.school, scope="school", subject=maths, grade=10
    )
    return SchoolObjects(
        sw.school,
        klass,
        sw.teacher,
        sw.student,
        subject,
        semester,
        book,
        upload,
        assignment,
        attempt,
        item,
    )


def build(world: World) -> MatrixWorld:
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    head = factories.UserFactory()
    factories.MembershipFactory(user=head, organisation=world.a.school, role=Role.SUBJECT_HEAD)
    coordinator = factories.UserFactory()
    factories.MembershipFactory(
        user=coordinator, organisation=world.a.school, role=Role.EXAM_COORDINATOR
    )
    users: dict[str, User | None] = {
        ANON: None,
        STUDENT: world.a.student,
        TEACHER: world.a.teacher,
        SUBJECT_HEAD: head,
        SCHOOL_ADMIN: world.a.admin,
        EXAM_COORDINATOR: coordinator,
        DEPARTMENT_ADMIN: world.department_admin,
    }
    return MatrixWorld(users, _school_objects(world.a, maths), _school_objects(world.b, maths))


def _token(objs: SchoolObjects, user: User | None, relation: str) -> int:
    # "own": the caller's own token; "other": a token of the other school's teacher.
    owner = user if relation == "own" and user is not None else objs.teacher
    token, _secret = core_services.create_access_token(owner, name="ma trận")
    return token.pk


Resolver = Callable[[SchoolObjects, User | None, str], object]

PARAMS: dict[str, Resolver] = {
    "class_id": lambda o, u, r: o.school_class.pk,
    "school_id": lambda o, u, r: o.school.pk,
    "import_id": lambda o, u, r: o.roster_import.pk,
    "token_id": _token,
    "book_id": lambda o, u, r: o.book.pk,
    "assignment_id": lambda o, u, r: o.assignment.pk,
    "attempt_id": lambda o, u, r: o.attempt.pk,
    "item_id": lambda o, u, r: o.item.pk,
    "action": lambda o, u, r: "submit",
    "kind": lambda o, u, r: "csv",
    "token": lambda o, u, r: "khong-hop-le",
    "subject_id": lambda o, u, r: o.subject.pk,
    "semester_id": lambda o, u, r: o.semester.pk,
    "student_id": lambda o, u, r: o.student.pk,
    "user_id": lambda o, u, r: o.student.pk,
}


def aiken_file() -> io.BytesIO:
    data = io.BytesIO("Thủ đô của Việt Nam là?\nA. Hà Nội\nB. Huế\nANSWER: A\n".encode())
    data.name = "cau-hoi.txt"
    return data


def roster_file() -> io.BytesIO:
    data = io.BytesIO(csv_bytes(GOOD_ROWS))
    data.name = "ds.csv"
    return data
