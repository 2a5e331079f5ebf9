"""Every service writes one audit event; the audit table is append-only, even for raw SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from core import context, services
from core.models import AuditEvent, Membership, OrgKind, Role, SchoolYear, User
from tests import factories
from tests.core.rosters import GOOD_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"


@pytest.fixture
def from_ip():
    """Services called as if inside a request from IP (what RequestContextMiddleware sets)."""
    token = context.set_current(context.RequestContext(ip=IP, request_id="req-1"))
    yield
    context.reset(token)


def roster_commit(world) -> Any:
    upload, _plan, _error = services.preview_roster_import(
        world.a.admin, school=world.a.school, filename="ds.csv", content=csv_bytes(GOOD_ROWS)
    )
    services.commit_roster_import(world.a.admin, upload)
    return upload


def changed_password(actor: User, person: User) -> User:
    services.change_password(actor, person, "Mat-khau-moi-2026")
    return person


# (action, call(world, actor) -> the object the event is about, before?, after?)
SERVICES: list[tuple[str, Callable[[Any, User], Any], bool, bool]] = [
    (
        "organisation.create",
        lambda w, a: services.create_organisation(
            a, code="PGD-Y", name="Phòng GDĐT Y", kind=OrgKind.OFFICE, parent=w.department
        ),
        False,
        True,
    ),
    (
        "school_year.create",
        lambda w, a: services.create_school_year(
            a, name="2030-2031", start=dt.date(2030, 9, 5), end=dt.date(2031, 5, 31)
        ),
        False,
        True,
    ),
    (
        "semester.create",
        lambda w, a: services.create_semester(
            a,
            school_year=SchoolYear.objects.get(is_current=True),
            number=1,
            start=dt.date(2026, 9, 5),
            end=dt.date(2027, 1, 15),
        ),
        False,
        True,
    ),
    (
        "subject.create",
        lambda w, a: services.create_subject(a, code="LY", name="Vật lí", periods={10: 70}),
        False,
        True,
    ),
    (
        "user.create",
        lambda w, a: services.create_user(a, username="gv-moi", full_name="Mai Thị Lan"),
        False,
        True,
    ),
    (
        "role.grant",
        lambda w, a: services.grant_role(
            a, user=w.b.teacher, organisation=w.a.school, role=Role.SUBJECT_HEAD
        ),
        False,
        True,
    ),
    (
        "user.password_change",
        lambda w, a: changed_password(a, w.a.teacher),
        False,
        False,
    ),
    (
        "class.create",
        lambda w, a: services.create_class(
            a, school=w.a.school, school_year=w.a.school_class.school_year, name="12A5"
        ),
        False,
        True,
    ),
    (
        "class.enrol",
        lambda w, a: services.enrol_student(a, student=w.b.student, school_class=w.a.school_class),
        False,
        True,
    ),
    (
        "class.assign_teacher",
        lambda w, a: services.assign_teaching(
            a,
            teacher=w.b.teacher,
            school_class=w.a.school_class,
            subject=w.a.school_class.teaching_assignments.get().subject,
        ),
        True,
        True,
    ),
    ("roster.import", lambda w, a: roster_commit(w), False, True),
    (
        "token.create",
        lambda w, a: services.create_access_token(a, name="SMAS")[0],
        False,
        True,
    ),
    ("personal_data.export", lambda w, a: services.export_personal_data(a, a) and a, False, False),
]


@pytest.mark.parametrize(
    ("action", "call", "has_before", "has_after"), SERVICES, ids=[s[0] for s in SERVICES]
)
def test_each_service_records_who_what_and_where(
    world, from_ip, action, call, has_before, has_after
):
    actor = world.a.admin
    before_pk = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    obj = call(world, actor)
    event = AuditEvent.objects.filter(pk__gt=before_pk, action=action).get()
    assert event.actor == actor
    assert event.actor_label == actor.username
    assert event.object_type == obj._meta.label_lower
    assert event.object_id == str(obj.pk)
    assert event.object_repr == str(obj)[:255]
    assert event.ip == IP
    assert event.request_id == "req-1"
    assert (event.before is not None) == has_before
    assert (event.after is not None) == has_after


def test_revoking_a_role_records_what_was_removed(world, from_ip):
    membership = Membership.objects.get(user=world.a.teacher, role=Role.TEACHER)
    membership_pk = membership.pk
    services.revoke_role(world.a.admin, membership)
    event = AuditEvent.objects.get(action="role.revoke")
    assert event.object_id == str(membership_pk)
    assert event.before == {
        "id": membership_pk,
        "user": world.a.teacher.pk,
        "organisation": world.a.school.pk,
        "role": "teacher",
        "subject": None,
    }
    assert event.after is None
    assert event.ip == IP
    assert not Membership.objects.filter(pk=membership_pk).exists()


def test_revoking_a_token_is_recorded(world, from_ip):
    token, _secret = services.create_access_token(world.a.teacher, name="SMAS")
    services.revoke_access_token(world.a.teacher, token)
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor, event.object_id, event.ip) == (world.a.teacher, str(token.pk), IP)


def test_snapshots_never_hold_secrets(world):
    services.create_user(None, username="gv-bi-mat", full_name="Lý Văn Tâm", password="x-Secret-1")
    after = AuditEvent.objects.get(action="user.create").after
    assert after is not None
    assert "password" not in after
    assert after["username"] == "gv-bi-mat"
    assert after["full_name"] == "Lý Văn Tâm"


def test_service_without_a_person_is_recorded_as_system(world):
    services.create_subject(None, code="SU", name="Lịch sử", periods={10: 52})
    event = AuditEvent.objects.get(action="subject.create")
    assert (event.actor, event.actor_label, event.ip) == (None, "system", None)
    assert event.after is not None
    assert event.after["periods"] == {"10": 52}


class TestThroughRequests:
    def test_middleware_stores_the_client_ip(self, world, login):
        client = login(world.a.teacher)
        client.post(
            "/api/v1/tokens",
            {"name": "SMAS"},
            content_type="application/json",
            REMOTE_ADDR="198.51.100.23",
            HTTP_X_REQUEST_ID="abc-123",
        )
        event = AuditEvent.objects.get(action="token.create")
        assert (event.actor, event.ip, event.request_id) == (
            world.a.teacher,
            "198.51.100.23",
            "abc-123",
        )

    def test_forwarded_for_is_ignored_without_a_trusted_proxy(self, world, login):
        login(world.a.teacher).get(
            "/me/personal-data.json", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4"
        )
        assert AuditEvent.objects.get(action="personal_data.export").ip == "10.0.0.5"

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_forwarded_for_is_used_behind_a_trusted_proxy(self, world, login):
        login(world.a.teacher).get(
            "/me/personal-data.json",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50",
        )
        assert AuditEvent.objects.get(action="personal_data.export").ip == "203.0.113.50"

    def test_the_context_does_not_leak_past_the_request(self, world, login):
        login(world.a.teacher).get("/me/personal-data.json", REMOTE_ADDR="10.0.0.5")
        services.create_subject(None, code="DIA", name="Địa lí", periods={10: 52})
        assert AuditEvent.objects.get(action="subject.create").ip is None


class TestAppendOnly:
    @pytest.fixture
    def event(self, world) -> AuditEvent:
        return services.create_access_token(world.a.teacher, name="SMAS") and (
            AuditEvent.objects.get(action="token.create")
        )

    def test_model_refuses_update_and_delete(self, event):
        event.action = "khác"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()
        assert AuditEvent.objects.get(pk=event.pk).action == "token.create"

    def test_queryset_update_is_refused_by_the_database(self, event):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="khác")
        assert AuditEvent.objects.get(pk=event.pk).action == "token.create"

    def test_queryset_delete_is_refused_by_the_database(self, event):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE core_auditevent SET ip = NULL",
            "UPDATE core_auditevent SET actor_id = NULL",
            "DELETE FROM core_auditevent",
        ],
    )
    def test_raw_sql_is_refused(self, event, sql):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        assert AuditEvent.objects.filter(pk=event.pk, actor__isnull=False).exists()

    def test_deleting_a_person_keeps_their_audit_trail(self, world, event):
        teacher_pk = world.a.teacher.pk
        world.a.teacher.delete()
        kept = AuditEvent.objects.get(pk=event.pk)
        assert kept.actor_id == teacher_pk
        assert kept.actor_label == event.actor_label

    @pytest.mark.django_db(transaction=True)
    def test_flushing_the_whole_database_still_works(self, event):
        # Transactional tests are torn down by a flush, on SQLite a DELETE of every table.
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        assert AuditEvent.objects.count() == 0
        assert User.objects.count() == 0

    def test_inserting_still_works_after_a_refused_change(self, world, event):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.all().delete()
        factories.SubjectFactory(code="SINH", name="Sinh học")
        services.create_subject(None, code="HOA", name="Hoá học", periods={10: 70})
        assert AuditEvent.objects.filter(action="subject.create").count() == 1
