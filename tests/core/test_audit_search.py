"""The audit-log search page: scope per admin, filters, validation, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world):
    a = audit.record(
        "gradebook.change", actor=world.a.teacher, object_type="gradebook", object_id="1"
    )
    b = audit.record(
        "gradebook.change", actor=world.b.teacher, object_type="gradebook", object_id="2"
    )
    c = audit.record("exam.force_submit", actor=world.a.admin, object_type="attempt", object_id="9")
    return a, b, c


def _ids(response) -> set[str]:
    return {e.object_id for e in response.context["page"]}


def test_school_admin_sees_only_their_school_people(world, login, events) -> None:
    response = login(world.a.admin).get("/audit/")
    assert response.status_code == 200
    assert _ids(response) == {"1", "9"}
    assert "Trường THPT Trần Phú" not in response.content.decode()


def test_department_admin_sees_every_school_and_filters_by_school(world, login, events) -> None:
    client = login(world.department_admin)
    assert _ids(client.get("/audit/")) >= {"1", "2", "9"}
    assert _ids(client.get("/audit/", {"school": world.b.school.pk})) == {"2"}


def test_school_admin_cannot_filter_into_another_school(world, login, events) -> None:
    response = login(world.a.admin).get("/audit/", {"school": world.b.school.pk})
    assert _ids(response) == set()


def test_filters_by_action_object_and_dates(world, login, events) -> None:
    client = login(world.department_admin)
    assert _ids(client.get("/audit/", {"action": "exam."})) == {"9"}
    assert _ids(client.get("/audit/", {"object_type": "gradebook", "object_id": "2"})) == {"2"}
    today = timezone.localdate()
    assert _ids(client.get("/audit/", {"until": str(today - dt.timedelta(days=1))})) == set()
    assert "1" in _ids(client.get("/audit/", {"since": str(today), "until": str(today)}))


def test_bad_filters_are_reported_in_vietnamese(world, login, events) -> None:
    response = login(world.department_admin).get("/audit/", {"since": "30/02/2026", "school": "x"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ngày không hợp lệ: 30/02/2026" in text
    assert "Mã trường không hợp lệ" in text


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_non_admins_get_404(world, login, who) -> None:
    assert login(getattr(world.a, who)).get("/audit/").status_code == 404


def test_query_count_does_not_grow_with_events(
    world, login, events, django_assert_max_num_queries
) -> None:
    client = login(world.department_admin)
    client.get("/audit/")
    for i in range(60):
        audit.record("x.y", actor=world.a.teacher, object_type="t", object_id=str(100 + i))
    with django_assert_max_num_queries(12):
        response = client.get("/audit/")
    assert len(response.context["page"]) == 50
