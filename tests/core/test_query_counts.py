"""Pages use a number of queries that does not grow with the number of students or classes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def add_students(school_class, n: int) -> None:
    for _ in range(n):
        student = factories.StudentFactory()
        factories.MembershipFactory(
            user=student, organisation=school_class.school, role=Role.STUDENT
        )
        factories.EnrolmentFactory(school_class=school_class, student=student)


def add_taught_classes(teacher, school, n: int) -> None:
    for _ in range(n):
        school_class = factories.SchoolClassFactory(school=school, homeroom_teacher=teacher)
        factories.TeachingAssignmentFactory(school_class=school_class, teacher=teacher)
        add_students(school_class, 2)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_class_detail_queries_do_not_grow_with_students(
    world, login, django_assert_max_num_queries
):
    school_class = world.a.school_class
    url = reverse("class_detail", args=[school_class.pk])
    client = login(world.a.teacher)
    client.get(url)  # warm the session
    few = queries(client, url)
    add_students(school_class, 30)
    subject = factories.SubjectFactory(code="VAN", name="Ngữ văn")
    factories.TeachingAssignmentFactory(
        school_class=school_class, subject=subject, teacher=world.b.teacher
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        many = queries(client, url)
    assert many == few


def test_teacher_dashboard_queries_do_not_grow_with_classes(
    world, login, django_assert_max_num_queries
):
    client = login(world.a.teacher)
    url = reverse("home")
    client.get(url)
    few = queries(client, url)
    add_taught_classes(world.a.teacher, world.a.school, 8)
    with django_assert_max_num_queries(MAX_QUERIES):
        many = queries(client, url)
    assert many == few


def test_admin_dashboard_queries_do_not_grow_with_schools(
    world, login, django_assert_max_num_queries
):
    client = login(world.department_admin)
    url = reverse("home")
    client.get(url)
    few = queries(client, url)
    for _ in range(5):
        school = factories.SchoolFactory(parent=world.department)
        add_students(factories.SchoolClassFactory(school=school), 3)
    with django_assert_max_num_queries(MAX_QUERIES):
        many = queries(client, url)
    assert many == few


def test_student_dashboard_is_bounded(world, login, django_assert_max_num_queries):
    client = login(world.a.student)
    url = reverse("home")
    client.get(url)
    add_students(world.a.school_class, 10)
    with django_assert_max_num_queries(MAX_QUERIES):
        queries(client, url)


def test_api_class_list_and_detail_do_not_grow(world, login):
    client = login(world.department_admin)
    list_few = queries(client, "/api/v1/classes")
    detail_url = f"/api/v1/classes/{world.a.school_class.pk}"
    detail_few = queries(client, detail_url)
    add_students(world.a.school_class, 20)
    add_taught_classes(world.a.teacher, world.a.school, 5)
    assert queries(client, "/api/v1/classes") == list_few
    assert queries(client, detail_url) == detail_few
