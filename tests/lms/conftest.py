"""Fixtures shared by the LMS tests: semesters of the factory school year, the class course of
school A's teacher and the department's PD course. A test file's own `course` fixture, where it
builds something else, takes precedence over the one here."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import Semester
from lms import services
from lms.models import Activity, Course
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


@pytest.fixture
def course(world: World) -> Course:
    """School A's class course (10A1, its one taught subject), empty, by the class's teacher."""
    klass = world.a.school_class
    return services.create_course(
        world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
    )


@pytest.fixture
def pd_course(world: World) -> Course:
    """The department's self-enrol PD course: two modules of three viewed-to-complete lessons."""
    course = services.create_course(
        world.department_admin,
        kind=Course.Kind.PD,
        title="Bồi dưỡng chuyển đổi số",
        organisation=world.department,
        pd_periods=10,
        self_enrol=True,
    )
    for m in (1, 2):
        module = services.add_module(world.department_admin, course, title=f"Mô-đun {m}")
        for a in (1, 2, 3):
            services.add_activity(
                world.department_admin,
                module,
                kind=Activity.Kind.CONTENT,
                title=f"Bài {m}.{a}",
                rule=Activity.Rule.VIEWED,
            )
    return course
