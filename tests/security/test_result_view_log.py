"""A teacher looking at students' test results leaves a row in each student's access log
(Law 91/2025): the class results page, its Excel export and the API behind them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import Assignment
from core.models import PersonalDataView, User
from tests import factories
from tests.assessment.bank import make_item, single_choice
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken(world: World) -> tuple[Assignment, list[User]]:
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    test = services.create_test(world.a.teacher, title="Kiểm tra 15 phút", subject=maths)
    part = test.parts.get(order=1)
    services.add_item(None, part, make_item(single_choice("A"), subject=maths))
    now = timezone.now()
    assignment = services.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=1),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=10,
    )
    other = factories.StudentFactory(full_name="Trần Thị Bích")
    factories.EnrolmentFactory(school_class=world.a.school_class, student=other)
    students = [world.a.student, other]
    for student in students:
        attempt = services.start_attempt(student, assignment)
        services.save_answers(student, attempt, [{"position": 1, "response": "A", "seq": 1}])
        services.submit_attempt(student, attempt)
    return assignment, students


def _logged(viewer: User) -> dict[int, str]:
    return dict(PersonalDataView.objects.filter(viewer=viewer).values_list("subject_id", "what"))


@pytest.mark.parametrize(
    "url",
    [
        "assessment:results",
        "assessment:results_export",
        "/api/v1/assessment/assignments/{pk}/results",
    ],
)
def test_viewing_results_is_logged_per_student(
    world: World, taken: tuple[Assignment, list[User]], login, url: str
) -> None:
    assignment, students = taken
    target = (
        url.format(pk=assignment.pk) if url.startswith("/") else reverse(url, args=[assignment.pk])
    )
    teacher = world.a.teacher
    assert _logged(teacher) == {}
    response = login(teacher).get(target)
    assert response.status_code == 200
    logged = _logged(teacher)
    assert set(logged) == {s.pk for s in students}
    assert all("Kiểm tra 15 phút" in what for what in logged.values())
    row = PersonalDataView.objects.filter(subject=world.a.student).get()
    assert row.viewer_label == teacher.get_username()


def test_refused_viewer_leaves_no_row(
    world: World, taken: tuple[Assignment, list[User]], login
) -> None:
    assignment, _students = taken
    response = login(world.b.teacher).get(reverse("assessment:results", args=[assignment.pk]))
    assert response.status_code == 404
    assert not PersonalDataView.objects.exists()
