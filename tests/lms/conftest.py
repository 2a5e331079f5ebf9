"""Fixtures for the LMS tests: semesters of the factory school year."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import Semester
from tests.conftest import World


@pytest.fixture
def semesters(world: World) -> tuple[Semester, Semester]:
    year = world.a.school_class.school_year
    first = Semester.objects.create(
        school_year=year, number=1, start=dt.date(2026, 9, 5), end=dt.date(2027, 1, 15)
    )
    second = Semester.objects.create(
        school_year=year, number=2, start=dt.date(2027, 1, 18), end=dt.date(2027, 5, 31)
    )
    return first, second
