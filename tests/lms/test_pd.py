"""Teacher PD: enrolment, cohorts, hours toward the yearly target, who is behind, certificates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from core.models import SchoolYear
from lms import pd, services
from lms.models import Activity, Certificate, Course, CourseEnrolment
from tests import factories
from tests.conftest import World


def _pd_course(
    world: World, title: str, periods: int, *, self_enrol: bool = True
) -> tuple[Course, Activity]:
    course = services.create_course(
        world.department_admin,
        kind=Course.Kind.PD,
        title=title,
        organisation=world.department,
        pd_periods=periods,
        self_enrol=self_enrol,
    )
    module = services.add_module(world.department_admin, course, title="Mô-đun 1")
    video = services.add_activity(
        world.department_admin,
        module,
        kind=Activity.Kind.CONTENT,
        title="Bài giảng",
        rule=Activity.Rule.VIEWED,
    )
    return course, video


def _year(world: World) -> SchoolYear:
    return world.a.school_class.school_year


def _complete(teacher, course: Course, video: Activity, when: dt.datetime | None = None) -> None:
    services.record_view(teacher, video)
    if when is not None:
        CourseEnrolment.objects.filter(course=course, user=teacher).update(completed_at=when)


def test_self_enrolment_and_hours_toward_default_target(
    world: World, django_capture_on_commit_callbacks
) -> None:
    course, video = _pd_course(world, "Dạy học phát triển năng lực", 30)
    enrolment = services.enrol_self(world.a.teacher, course)
    assert enrolment.source == CourseEnrolment.Source.SELF
    assert services.enrol_self(world.a.teacher, course) == enrolment
    with pytest.raises(PermissionDenied):
        services.enrol_self(world.a.student, course)
    year = _year(world)
    assert pd.target_for(world.a.teacher, year) == 120
    assert pd.hours_for(world.a.teacher, year) == 0
    inside = timezone.make_aware(dt.datetime(2026, 10, 1, 9))
    _complete(world.a.teacher, course, video, inside)
    assert pd.hours_for(world.a.teacher, year) == 30
    # a second course completed outside the school year does not count
    other, other_video = _pd_course(world, "Chuyển đổi số", 20)
    services.enrol_self(world.a.teacher, other)
    _complete(world.a.teacher, other, other_video, timezone.make_aware(dt.datetime(2026, 6, 1, 9)))
    assert pd.hours_for(world.a.teacher, year) == 30


def test_closed_catalogue_course_needs_assignment(world: World) -> None:
    course, _video = _pd_course(world, "Bồi dưỡng bắt buộc", 40, self_enrol=False)
    with pytest.raises(ValidationError):
        services.enrol_self(world.a.teacher, course)
    assert services.assign_cohort(world.a.admin, course, [world.a.teacher]) == 1
    assert services.assign_cohort(world.a.admin, course, [world.a.teacher]) == 0
    with pytest.raises(PermissionDenied):
        services.assign_cohort(world.a.admin, course, [world.b.teacher])
    assert course.enrolments.get().source == CourseEnrolment.Source.COHORT


def test_configurable_targets(world: World) -> None:
    year = _year(world)
    with override_settings(LMS_PD_DEFAULT_TARGET=90):
        assert pd.target_for(world.a.teacher, year) == 90
    services.set_pd_target(world.a.admin, teacher=world.a.teacher, school_year=year, periods=60)
    assert pd.target_for(world.a.teacher, year) == 60
    with pytest.raises(PermissionDenied):
        services.set_pd_target(world.b.admin, teacher=world.a.teacher, school_year=year, periods=60)
    with pytest.raises(ValidationError):
        services.set_pd_target(world.a.admin, teacher=world.a.teacher, school_year=year, periods=0)


def test_who_is_behind(world: World) -> None:
    year = _year(world)  # 2026-09-05 .. 2027-05-31: 268 days
    keen = world.a.teacher
    slow = factories.UserFactory(full_name="Hồ Văn Chậm")
    factories.MembershipFactory(user=slow, organisation=world.a.school, role="teacher")
    course, video = _pd_course(world, "Mô-đun 1", 60)
    services.enrol_self(keen, course)
    _complete(keen, course, video, timezone.make_aware(dt.datetime(2026, 11, 1, 9)))
    services.set_pd_target(world.a.admin, teacher=slow, school_year=year, periods=100)
    today = dt.date(2027, 1, 19)  # 136 of 268 days
    rows = pd.school_report(world.a.school, year, today)
    assert [(r.full_name, r.hours, r.target, r.expected_by_now, r.behind) for r in rows] == [
        ("Hồ Văn Chậm", 0, 100, 50, True),  # 100·136 // 268 = 50
        (keen.full_name, 60, 120, 60, False),  # 120·136 // 268 = 60: exactly on track
    ]
    assert rows[1].percent == 50


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_completion_issues_a_sealed_certificate_with_qr(
    world: World, django_capture_on_commit_callbacks
) -> None:
    course, video = _pd_course(world, "An toàn thông tin", 15)
    services.enrol_self(world.a.teacher, course)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_view(world.a.teacher, video)
    certificate = Certificate.objects.get(enrolment__user=world.a.teacher)
    assert certificate.periods == 15
    data = certificate.pdf.read()
    assert data.startswith(b"%PDF")
    assert certificate.signed is True
    reader = PdfFileReader(io.BytesIO(data))
    assert [s.field_name for s in reader.embedded_signatures] == ["ChuKySo"]
    page = Client().get(f"/lms/certificates/{certificate.pk}/")
    assert page.status_code == 200
    assert "An toàn thông tin" in page.content.decode()
    # issuing again does not create a second certificate
    assert services.issue_certificate(certificate.enrolment) == certificate
