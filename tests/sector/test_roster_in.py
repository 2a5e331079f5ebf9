"""Roster in from the simulator (generated Vietnamese roster) and from OneRoster CSV bundles."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import (
    AuditEvent,
    Enrolment,
    Membership,
    Organisation,
    Role,
    SchoolClass,
    SchoolYear,
    User,
)
from sector import services
from sector.models import RemoteRecord
from sector.oneroster_csv import read_bundle
from tests import factories
from tests.fixtures import fixture_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(db):
    return factories.SchoolYearFactory()


def _record(sim, collection, sourced_id, **changes):
    item = sim.admin("GET", f"records/{collection}/{sourced_id}").json()
    item.update(changes)
    sim.admin("PUT", f"records/{collection}/{sourced_id}", json=item)


def _class_of(national_id):
    return [e.school_class.name for e in Enrolment.objects.filter(student__username=national_id)]


def test_first_sync_creates_school_classes_people_and_enrolments(simulator, adapter, year):
    report = services.sync_roster(adapter=adapter)
    assert report["details"]["created"] == {
        "schools": 1,
        "classes": 2,
        "staff": 2,
        "students": 10,
        "enrolments": 10,
    }
    assert report["details"]["updated"] == {"classes": 2}  # homeroom teachers set
    assert report["conflicts"] == []
    assert report["skipped"] == []
    school = Organisation.objects.get(code="THPT001")
    assert school.name == "Trường THPT số 1"
    assert sorted(SchoolClass.objects.filter(school=school).values_list("name", flat=True)) == [
        "10A1",
        "10A2",
    ]
    student = User.objects.get(username="079210000001")
    assert student.national_id == "079210000001"
    assert _class_of("079210000001") == ["10A1"]
    assert Membership.objects.filter(organisation=school, role=Role.STUDENT).count() == 10
    homeroom = SchoolClass.objects.get(name="10A1").homeroom_teacher
    assert homeroom is not None
    assert homeroom.username == "gv00101"


def test_second_sync_changes_nothing(simulator, adapter, year):
    services.sync_roster(adapter=adapter)
    events = AuditEvent.objects.count()
    report = services.sync_roster(adapter=adapter)
    assert (report["created"], report["updated"], report["removed"]) == (0, 0, 0)
    assert AuditEvent.objects.count() == events + 1  # only the run itself


def test_transfer_leaver_and_remote_update(simulator, adapter, year):
    services.sync_roster(adapter=adapter)
    _record(
        simulator, "enrollments", "vn-enr-vn-hs-000001", **{"class": {"sourcedId": "vn-cls-001-02"}}
    )
    _record(simulator, "users", "vn-hs-000002", status="tobedeleted")
    _record(simulator, "users", "vn-hs-000003", givenName="Hải")
    report = services.sync_roster(adapter=adapter)
    assert report["details"]["updated"] == {"transfers": 1, "students": 1}
    assert report["details"]["removed"] == {"enrolments": 1, "student_roles": 1}
    assert _class_of("079210000001") == ["10A2"]
    assert _class_of("079210000002") == []
    assert User.objects.get(username="079210000003").full_name.endswith(" Hải")
    assert AuditEvent.objects.filter(action="sector.roster.transfer").count() == 1
    assert AuditEvent.objects.filter(action="sector.roster.leaver").count() == 1


def test_local_edit_is_kept_and_a_double_edit_is_flagged(simulator, adapter, year):
    services.sync_roster(adapter=adapter)
    edited = User.objects.get(username="079210000004")
    edited.full_name = "Tên Sửa Tại Trường"
    edited.save()
    # Remote unchanged: the local edit stands, no conflict.
    report = services.sync_roster(adapter=adapter)
    assert report["conflicts"] == []
    assert report["updated"] == 0
    # Remote changes the same field: flagged, not overwritten.
    _record(simulator, "users", "vn-hs-000004", givenName="Khác")
    report = services.sync_roster(adapter=adapter)
    assert report["updated"] == 0
    [conflict] = report["conflicts"]
    assert conflict["record"] == "user"
    assert conflict["sourcedId"] == "vn-hs-000004"
    assert conflict["full_name"]["local"] == "Tên Sửa Tại Trường"
    assert conflict["full_name"]["remote"].endswith(" Khác")
    edited.refresh_from_db()
    assert edited.full_name == "Tên Sửa Tại Trường"
    record = RemoteRecord.objects.get(kind="user", sourced_id="vn-hs-000004")
    assert record.conflict == {
        "full_name": {
            "local": "Tên Sửa Tại Trường",
            "remote": conflict["full_name"]["remote"],
            "lastSynced": conflict["full_name"]["lastSynced"],
        }
    }


def test_cli_contract_roster_json(simulator, sector_settings, year):
    out = StringIO()
    call_command("sector_sync", "roster", "--school", "THPT001", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert list(summary)[:4] == ["created", "updated", "delivered", "failed"]
    assert (summary["created"], summary["updated"], summary["delivered"], summary["failed"]) == (
        25,
        2,
        0,
        0,
    )
    out = StringIO()
    call_command("sector_sync", "roster", "--school", "THPT001", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["created"], summary["updated"], summary["failed"]) == (0, 0, 0)


def test_cli_unknown_school_is_a_clear_error(simulator, sector_settings, year):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="CSDL ngành không có trường mã “KHONGCO”"):
        call_command("sector_sync", "roster", "--school", "KHONGCO", "--json")


def test_oneroster_12_csv_bundle_reads_into_json_objects():
    data = read_bundle(fixture_path("oneroster", "v1p2_full_dataset.zip"))
    assert {k: len(v) for k, v in data.items()} == {
        "orgs": 1,
        "academicSessions": 5,
        "courses": 0,
        "classes": 2,
        "users": 6,
        "enrollments": 6,
    }
    john = data["users"][0]
    assert (john["givenName"], john["familyName"], john["username"]) == ("John", "Doe", "john.doe")
    assert [r["role"] for r in john["roles"]] == ["teacher", "guardian"]
    thomas = data["users"][2]
    assert thomas["userIds"] == [
        {"type": "LDAP", "identifier": "12"},
        {"type": "LTI", "identifier": "15"},
        {"type": "Fed", "identifier": "23"},
    ]
    physics = data["classes"][0]
    assert physics["grades"] == ["09", "10", "11"]
    assert physics["terms"] == [{"sourcedId": "as-trm-222-1234"}]


def test_oneroster_11_csv_bundle_import_reports_what_it_could_not_place(year):
    report = services.import_bundle(None, fixture_path("oneroster", "OneRosterv1p1BaseCSV.zip"))
    assert report["details"]["created"] == {"schools": 2, "students": 2}
    assert sorted(Organisation.objects.filter(kind="school").values_list("code", flat=True)) == [
        "my identifier",
        "my identifier 2",
    ]
    assert [(s["collection"], s["sourcedId"]) for s in report["skipped"]] == [
        ("classes", "class1"),
        ("classes", "class2"),
        ("classes", "class3"),
        ("enrollments", "enrol1"),
        ("enrollments", "enrol2"),
        ("enrollments", "enrol3"),
    ]
    assert report["skipped"][0]["reason"] == "Khối 2 không thuộc cấp học của trường."
    assert report["skipped"][1]["reason"] == "Tên lớp “Class 2 title” không hợp lệ."


def test_homeroom_teacher_changed_here_and_at_the_sector_is_flagged(simulator, adapter, year):
    services.sync_roster(adapter=adapter)
    school_class = SchoolClass.objects.get(name="10A1")
    school_class.homeroom_teacher = factories.UserFactory(username="gv-truong")
    school_class.save()
    # Remote unchanged: the local choice stands.
    report = services.sync_roster(adapter=adapter)
    assert (report["updated"], report["conflicts"]) == (0, [])
    # The sector names another homeroom teacher too: flagged, local value kept.
    _record(simulator, "enrollments", "vn-enr-vn-gv-001-01", user={"sourcedId": "vn-gv-001-02"})
    report = services.sync_roster(adapter=adapter)
    assert report["updated"] == 0
    assert report["conflicts"] == [
        {
            "record": "class",
            "sourcedId": "vn-cls-001-01",
            "homeroom_teacher": {
                "local": "gv-truong",
                "remote": "gv00102",
                "lastSynced": "gv00101",
            },
        }
    ]
    school_class.refresh_from_db()
    assert school_class.homeroom_teacher is not None
    assert school_class.homeroom_teacher.username == "gv-truong"
    record = RemoteRecord.objects.get(kind="class", sourced_id="vn-cls-001-01")
    assert record.conflict == {
        "homeroom_teacher": {"local": "gv-truong", "remote": "gv00102", "lastSynced": "gv00101"}
    }
    # The class's own fields merged in the same run do not clear the flag.
    report = services.sync_roster(adapter=adapter)
    assert len(report["conflicts"]) == 1
    record.refresh_from_db()
    assert record.conflict is not None


def test_classes_land_in_the_school_year_of_their_academic_session(simulator, adapter, year):
    later = factories.SchoolYearFactory(
        name="2027-2028", start=dt.date(2027, 9, 5), end=dt.date(2028, 5, 31), is_current=False
    )
    sessions = {
        "vn-as-2026": {"type": "schoolYear", "schoolYear": "2026", "parent": None},
        "vn-as-2026-hk1": {"type": "semester", "schoolYear": "2026"},
        "vn-as-2028-hk1": {"type": "semester", "schoolYear": "2028"},
    }
    for sourced_id, session in sessions.items():
        simulator.admin(
            "PUT",
            f"records/academicSessions/{sourced_id}",
            json={
                "status": "active",
                "title": sourced_id,
                "startDate": "2025-09-05",
                "endDate": "2026-05-31",
                **session,
            },
        )
    _record(simulator, "classes", "vn-cls-001-01", terms=[{"sourcedId": "vn-as-2028-hk1"}])
    _record(simulator, "classes", "vn-cls-001-02", terms=[{"sourcedId": "vn-as-2026-hk1"}])
    report = services.sync_roster(adapter=adapter)
    assert report["details"]["created"]["school_years"] == 1
    assert report["skipped"] == []
    created = SchoolYear.objects.get(name="2025-2026")
    # Dates from the sector's schoolYear session; not made the current year.
    assert (created.start, created.end, created.is_current) == (
        dt.date(2025, 9, 5),
        dt.date(2026, 5, 31),
        False,
    )
    years = dict(SchoolClass.objects.values_list("name", "school_year__name"))
    assert years == {"10A1": later.name, "10A2": "2025-2026"}
    assert AuditEvent.objects.filter(action="school_year.create").count() == 1
    report = services.sync_roster(adapter=adapter)
    assert (report["created"], report["updated"], report["removed"]) == (0, 0, 0)
    assert SchoolYear.objects.count() == 3
