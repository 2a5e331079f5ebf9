"""A person downloads everything held about them, and nothing about anyone else (Law 91/2025)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from core import services
from core.models import AuditEvent
from tests.core.rosters import GOOD_ROWS, csv_bytes

pytestmark = pytest.mark.django_db


def export_page(client: Client) -> dict:
    response = client.get("/me/personal-data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def test_student_export_holds_account_roles_classes_and_activity(world, login):
    student = world.a.student
    client = login(student)
    client.get("/api/v1/me/personal-data")  # earlier activity shows up in the next export
    data = export_page(client)
    assert data["format"] == "hoclieu.personal-data.v1"
    assert data["account"]["username"] == student.username
    assert data["account"]["national_id"] == student.national_id
    assert data["account"]["full_name"] == student.full_name
    assert data["account"]["date_of_birth"] == "2010-03-02"
    assert data["roles"] == [
        {"role": "student", "organisation": world.a.school.name, "subject": None}
    ]
    assert data["classes"] == [
        {
            "class": "10A1",
            "school": world.a.school.name,
            "school_year": "2026-2027",
            "joined": student.enrolments.get().joined.isoformat(),
        }
    ]
    assert [a["action"] for a in data["activity"]] == ["personal_data.export"]
    assert data["activity"][0]["object"] == student.full_name


def test_export_carries_nobody_elses_data(world, login):
    # The admin has imported three pupils: their own log names those pupils, the export must not.
    # A name of their own, so the factories' repeating names cannot collide with anyone's here.
    world.a.admin.full_name = "Quách Thị Xuân"
    world.a.admin.save(update_fields=["full_name"])
    upload, _plan, _error = services.preview_roster_import(
        world.a.admin, school=world.a.school, filename="ds.csv", content=csv_bytes(GOOD_ROWS)
    )
    services.commit_roster_import(world.a.admin, upload)
    text = login(world.a.admin).get("/me/personal-data.json").content.decode()
    for national_id, name, *_rest in GOOD_ROWS:
        assert national_id not in text
        assert name not in text
    for other in (world.a.student, world.a.teacher, world.b.student, world.b.admin):
        assert other.username not in text
        assert other.full_name not in text
    activity = json.loads(text)["activity"]
    assert {a["action"] for a in activity} >= {"user.create", "class.enrol", "roster.import"}


def test_teacher_export_lists_homeroom_and_teaching(world, login):
    data = login(world.a.teacher).get("/api/v1/me/personal-data").json()
    assert data["homeroom_classes"] == ["10A1"]
    assert data["teaching"] == [{"class": "10A1", "subject": "Toán"}]
    assert data["roles"] == [
        {"role": "teacher", "organisation": world.a.school.name, "subject": None}
    ]
    assert data["classes"] == []


def test_changes_made_to_my_account_by_others_are_listed(world, login):
    services.change_password(world.a.admin, world.a.student, "Mat-khau-moi-2026")
    data = login(world.a.student).get("/api/v1/me/personal-data").json()
    assert [c["action"] for c in data["changes_to_my_account"]] == ["user.password_change"]
    assert world.a.admin.username not in json.dumps(data, ensure_ascii=False)


def test_each_export_is_audited(world, login):
    login(world.b.student).get("/me/personal-data.json", REMOTE_ADDR="192.0.2.44")
    event = AuditEvent.objects.get(action="personal_data.export")
    assert event.actor == world.b.student
    assert event.object_id == str(world.b.student.pk)
    assert event.ip == "192.0.2.44"


def test_nobody_exports_someone_else(world):
    with pytest.raises(PermissionDenied):
        services.export_personal_data(world.department_admin, world.a.student)
    assert not AuditEvent.objects.filter(action="personal_data.export").exists()


def test_anonymous_cannot_export(world):
    assert Client().get("/api/v1/me/personal-data").status_code == 401
    assert Client().get("/me/personal-data.json").status_code == 302
