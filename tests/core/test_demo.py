"""The demo loader: the promised world, deterministic for a seed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from core import demo
from core.models import Enrolment, Membership, Organisation, Role, SchoolClass, User

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def load_and_read(seed: int) -> tuple[list[demo.DemoLogin], list[str], dict[str, Any]]:
    """Load the demo in a transaction that is then rolled back; return what it made."""
    found: dict[str, Any] = {}
    try:
        with transaction.atomic():
            found["logins"] = demo.load(seed=seed)
            found["ids"] = sorted(
                User.objects.exclude(national_id=None).values_list("national_id", flat=True)
            )
            found["names"] = sorted(User.objects.values_list("full_name", flat=True))
            found["counts"] = {
                "schools": Organisation.objects.filter(kind="school").count(),
                "teachers": Membership.objects.filter(role=Role.TEACHER).count(),
                "students": Membership.objects.filter(role=Role.STUDENT).count(),
                "enrolments": Enrolment.objects.count(),
                "classes": SchoolClass.objects.count(),
                "subject_heads": Membership.objects.filter(role=Role.SUBJECT_HEAD).count(),
                "school_admins": Membership.objects.filter(role=Role.SCHOOL_ADMIN).count(),
                "department_admins": Membership.objects.filter(role=Role.DEPARTMENT_ADMIN).count(),
                "exam_coordinators": Membership.objects.filter(role=Role.EXAM_COORDINATOR).count(),
            }
            found["levels"] = sorted(
                Organisation.objects.filter(kind="school").values_list("level", flat=True)
            )
            found["demo_teacher_classes"] = sorted(
                set(
                    User.objects.get(username="giaovien").teaching_assignments.values_list(
                        "school_class__name", flat=True
                    )
                )
            )
            found["login_ok"] = all(
                User.objects.get(username=login.username).check_password(demo.DEMO_PASSWORD)
                for login in found["logins"]
            )
            found["known"] = demo.known_logins()
            try:
                demo.load(seed=seed)
            except RuntimeError:
                found["refused_twice"] = True
            raise Rollback
    except Rollback:
        pass
    assert not Organisation.objects.filter(code="SGDDT").exists()
    return found["logins"], found["ids"], found


def test_demo_world():
    logins, ids, found = load_and_read(2025)
    assert found["counts"] == {
        "schools": 3,
        "teachers": 30,
        "students": 600,
        "enrolments": 600,
        "classes": 24,  # 5 grades x 2 + 4 x 2 + 3 x 2
        "subject_heads": 1,
        "school_admins": 1,
        "department_admins": 1,
        "exam_coordinators": 1,
    }
    assert found["levels"] == ["lower_secondary", "primary", "upper_secondary"]
    assert len(set(ids)) == 600
    assert all(len(i) == 12 and i.isdigit() and i.startswith("079") for i in ids)
    assert [login.username for login in logins] == [
        "quantriso",
        "giaovien",
        "totruong",
        "quantritruong",
        "khaothi",
        logins[5].username,
        "admin",
    ]
    assert logins[5].role == "Học sinh"
    assert logins[5].username in ids
    assert found["login_ok"] is True
    assert found["demo_teacher_classes"] == ["10A1", "10A2", "11A1", "11A2", "12A1", "12A2"]
    assert {k.username for k in found["known"]} == {login.username for login in logins}
    assert found["refused_twice"] is True


def test_same_seed_same_people_other_seed_other_people(monkeypatch):
    # A smaller world (one school, two pupils a class) keeps this fast; the code path is the same.
    monkeypatch.setattr(demo, "SCHOOLS", [s for s in demo.SCHOOLS if s[0] == "THPT-LHP"])
    monkeypatch.setattr(demo, "STUDENTS_PER_CLASS", 2)
    logins, ids, found = load_and_read(2025)
    assert len(ids) == 12
    again_logins, again_ids, again = load_and_read(2025)
    assert again_ids == ids
    assert again["names"] == found["names"]
    assert [(x.username, x.full_name) for x in again_logins] == [
        (x.username, x.full_name) for x in logins
    ]
    _other_logins, other_ids, _other = load_and_read(7)
    assert other_ids != ids
