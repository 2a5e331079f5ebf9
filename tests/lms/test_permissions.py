"""Permission boundaries of the grade book over HTTP: own grades only, own classes only."""

from __future__ import annotations

import pytest

from lms import services
from tests import factories
from tests.conftest import World


@pytest.fixture
def book(world: World, semesters):
    klass = world.a.school_class
    book = services.open_grade_book(
        world.a.teacher,
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
        semester=semesters[0],
    )
    classmate = factories.StudentFactory(full_name="Bạn Cùng Lớp")
    factories.EnrolmentFactory(school_class=klass, student=classmate)
    services.set_grade(world.a.teacher, book, student=world.a.student, column="tx1", value="8")
    services.set_grade(world.a.teacher, book, student=classmate, column="tx1", value="3")
    return book


def test_student_sees_only_their_own_grades(world: World, book, login) -> None:
    client = login(world.a.student)
    mine = client.get("/api/v1/lms/me/grades").json()
    assert [(g["book_id"], g["scores"]) for g in mine] == [(book.pk, {"tx1": "8.0"})]
    assert client.get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 404
    assert client.get("/api/v1/lms/grade-books").json() == []
    put = client.put(
        f"/api/v1/lms/grade-books/{book.pk}/cells",
        {"student_id": world.a.student.pk, "column": "tx1", "value": "10"},
        content_type="application/json",
    )
    assert put.status_code == 404
    # another school's student sees nothing of it
    assert login(world.b.student).get("/api/v1/lms/me/grades").json() == []


def test_teacher_sees_only_their_classes(world: World, book, login) -> None:
    own = login(world.a.teacher).get(f"/api/v1/lms/grade-books/{book.pk}")
    assert own.status_code == 200
    scores = {s["student_id"]: s["scores"] for s in own.json()["students"]}
    assert scores[world.a.student.pk] == {"tx1": "8.0"}
    assert sorted(v["tx1"] for v in scores.values()) == ["3.0", "8.0"]
    assert login(world.b.teacher).get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 404
    assert login(world.b.teacher).get("/api/v1/lms/grade-books").json() == []
    # a colleague at the same school who does not teach the class
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=world.a.school, role="teacher")
    assert login(colleague).get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 404
    assert login(world.a.admin).get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 200
    assert login(world.b.admin).get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 404


def test_teacher_enters_and_bad_input_gets_422_with_where(world: World, book, login) -> None:
    client = login(world.a.teacher)
    url = f"/api/v1/lms/grade-books/{book.pk}/cells"
    ok = client.put(
        url,
        {"student_id": world.a.student.pk, "column": "tx2", "value": "7,5"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    bad = client.put(
        url,
        {"student_id": world.a.student.pk, "column": "tx2", "value": "11"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert world.a.student.full_name in bad.json()["detail"][0]
    approve = client.post(f"/api/v1/lms/grade-books/{book.pk}/approve")
    assert approve.status_code == 403
