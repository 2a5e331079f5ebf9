"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from core.models import Organisation, Role, SchoolClass, User
from tests import factories

# Browser-test fixtures (Playwright + a real server process), for every app's tests.
pytest_plugins = ["tests.e2e.fixtures"]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in Vietnamese: a request in English leaves English active in the
    thread, which would otherwise leak into the next test on the same worker."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache. A rolled-back test gives its ids back (SQLite), and
    a cached outline stored under course #3 by one test was served to the next test's course #3.
    On Redis only this worker's keys go (xdist workers share the database, by key prefix)."""
    if settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.make_key('')}*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@dataclass
class SchoolWorld:
    school: Organisation
    school_class: SchoolClass
    teacher: User
    student: User
    admin: User


@dataclass
class World:
    """Two schools under one department, each with a class, a teacher, a student and an admin."""

    department: Organisation
    a: SchoolWorld
    b: SchoolWorld
    department_admin: User


def _school_world(name: str, class_name: str) -> SchoolWorld:
    school = factories.SchoolFactory.create(name=name)
    school_class = factories.SchoolClassFactory.create(school=school, name=class_name)
    teacher = factories.UserFactory.create()
    factories.MembershipFactory.create(user=teacher, organisation=school, role=Role.TEACHER)
    factories.TeachingAssignmentFactory.create(school_class=school_class, teacher=teacher)
    school_class.homeroom_teacher = teacher
    school_class.save()
    student = factories.StudentFactory.create()
    factories.MembershipFactory.create(user=student, organisation=school, role=Role.STUDENT)
    factories.EnrolmentFactory.create(school_class=school_class, student=student)
    admin = factories.UserFactory.create()
    factories.MembershipFactory.create(user=admin, organisation=school, role=Role.SCHOOL_ADMIN)
    return SchoolWorld(school, school_class, teacher, student, admin)


@pytest.fixture
def world(db: None) -> World:
    department = factories.DepartmentFactory.create()
    a = _school_world("Trường THPT Lê Lợi", "10A1")
    b = _school_world("Trường THPT Trần Phú", "10B1")
    dept_admin = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=dept_admin, organisation=department, role=Role.DEPARTMENT_ADMIN
    )
    return World(department, a, b, dept_admin)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    """`login(user)` gives a test client signed in as `user`."""
    return client_for
