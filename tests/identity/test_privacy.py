"""Law 91/2025: who viewed a student's data, guardians, anonymisation and retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core import privacy
from core.models import AuditEvent, Departure, Enrolment, Guardianship, PersonalDataView, User
from core.tasks import purge_expired_personal_data
from tests import factories

pytestmark = pytest.mark.django_db


def test_teacher_viewing_a_class_is_logged_for_each_student(world, login):
    teacher, student = world.a.teacher, world.a.student
    assert login(teacher).get(f"/classes/{world.a.school_class.pk}/").status_code == 200
    view = PersonalDataView.objects.get(subject=student)
    assert view.viewer == teacher
    assert world.a.school_class.name in view.what
    # The student sees it on their own page; a student looking at their own data is not logged.
    page = login(student).get("/me/personal-data/views/")
    assert page.status_code == 200
    assert teacher.username in page.content.decode()
    privacy.record_personal_data_view(student, student, "hồ sơ")
    assert PersonalDataView.objects.filter(subject=student).count() == 1


def test_view_log_is_private_to_the_person_guardians_and_their_admins(world, login):
    student = world.a.student
    privacy.record_personal_data_view(world.a.teacher, student, "Sổ điểm")
    url = f"/people/{student.pk}/personal-data/views/"
    assert login(world.a.admin).get(url).status_code == 200
    assert login(world.department_admin).get(url).status_code == 200
    assert login(world.b.admin).get(url).status_code == 404
    assert login(world.b.student).get(url).status_code == 404
    assert login(world.a.teacher).get(url).status_code == 404
    parent = factories.UserFactory.create()
    assert login(parent).get(url).status_code == 404
    privacy.link_guardian(world.a.admin, guardian=parent, child=student)
    assert login(parent).get(url).status_code == 200


def test_guardian_downloads_the_childs_data_and_nobody_else_does(world, login):
    student = world.a.student
    parent = factories.UserFactory.create()
    url = f"/people/{student.pk}/personal-data.json"
    assert login(parent).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        privacy.link_guardian(world.b.admin, guardian=parent, child=student)
    privacy.link_guardian(world.a.admin, guardian=parent, child=student)
    response = login(parent).get(url)
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["account"]["national_id"] == student.national_id
    assert AuditEvent.objects.filter(action="guardian.link").count() == 1
    export = AuditEvent.objects.get(action="personal_data.export")
    assert export.actor_id == parent.pk
    assert export.object_id == str(student.pk)
    # A guardian of one child gets nothing about another.
    other = f"/people/{world.b.student.pk}/personal-data.json"
    assert login(parent).get(other).status_code == 404


def test_anonymise_keeps_statistics_and_removes_identity(world, login):
    student = world.a.student
    nid, name = student.national_id, student.full_name
    factories.UserFactory.create()
    parent = factories.UserFactory.create()
    privacy.link_guardian(world.a.admin, guardian=parent, child=student)
    assert login(world.b.admin).post(f"/people/{student.pk}/anonymise/").status_code == 404
    response = login(world.a.admin).post(f"/people/{student.pk}/anonymise/")
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.national_id is None
    assert nid not in student.username
    assert name != student.full_name
    assert not student.is_active
    assert not student.has_usable_password()
    assert student.email == ""
    assert student.date_of_birth is None
    # Enrolment and membership stay so class sizes, averages and counts do not change.
    assert Enrolment.objects.filter(student=student).exists()
    assert student.memberships.exists()
    assert not Guardianship.objects.filter(child=student).exists()
    event = AuditEvent.objects.get(action="user.anonymise")
    assert nid not in json.dumps(event.after)
    assert name not in json.dumps(event.after)
    # Signing in with the old identifier no longer works.
    assert not User.objects.filter(national_id=nid).exists()


def test_depart_disables_login_and_the_purge_anonymises_after_retention(world, settings):
    settings.PRIVACY_DEPARTED_RETENTION_DAYS = 30
    student = world.a.student
    nid = student.national_id
    privacy.mark_departed(world.a.admin, student)
    student.refresh_from_db()
    assert not student.is_active
    assert student.national_id == nid
    purge_expired_personal_data.delay()
    student.refresh_from_db()
    assert student.national_id == nid  # not yet due
    Departure.objects.filter(user=student).update(
        departed_at=timezone.now() - dt.timedelta(days=31)
    )
    purge_expired_personal_data.delay()
    student.refresh_from_db()
    assert student.national_id is None
    first = Departure.objects.get(user=student).anonymised_at
    # Idempotent: a second run changes nothing and records nothing new.
    events = AuditEvent.objects.count()
    assert privacy.purge_expired_personal_data() == {"views_deleted": 0, "anonymised": 0}
    assert Departure.objects.get(user=student).anonymised_at == first
    assert AuditEvent.objects.count() == events


def test_purge_drops_view_log_rows_past_retention(world, settings):
    settings.PRIVACY_VIEW_LOG_RETENTION_DAYS = 10
    old = privacy.record_personal_data_view(world.a.teacher, world.a.student, "cũ")
    new = privacy.record_personal_data_view(world.a.teacher, world.a.student, "mới")
    PersonalDataView.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=11))
    assert privacy.purge_expired_personal_data()["views_deleted"] == 1
    assert list(PersonalDataView.objects.values_list("pk", flat=True)) == [new.pk]


def test_purge_runs_nightly_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["core-privacy-purge"]
    assert entry["task"] == "core.tasks.purge_expired_personal_data"


def test_grade_book_page_and_api_log_each_student_shown(world, login):
    from core.models import Semester
    from lms import services as lms_services

    klass = world.a.school_class
    semester = Semester.objects.create(
        school_year=klass.school_year, number=1, start=dt.date(2026, 9, 5), end=dt.date(2027, 1, 15)
    )
    book = lms_services.open_grade_book(
        world.a.teacher,
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
        semester=semester,
    )
    teacher = login(world.a.teacher)
    assert teacher.get(f"/lms/grade-books/{book.pk}/").status_code == 200
    views = PersonalDataView.objects.filter(subject=world.a.student, viewer=world.a.teacher)
    assert views.count() == 1
    assert teacher.get(f"/api/v1/lms/grade-books/{book.pk}").status_code == 200
    views = PersonalDataView.objects.filter(subject=world.a.student, viewer=world.a.teacher)
    assert views.count() == 2
    assert all(v.what.startswith("Sổ điểm") for v in views)
