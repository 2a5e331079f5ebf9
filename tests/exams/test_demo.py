"""The demo exam appears for the `khaothi` login after the core demo is loaded."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core import demo
from core.models import User
from exams.demo import CODE, load_exam_demo
from exams.models import Attempt, Exam, Room

pytestmark = pytest.mark.django_db


def test_demo_exam_for_the_coordinator(login) -> None:
    demo.load(seed=2025)
    exam = load_exam_demo()
    assert exam is not None
    assert exam.code == CODE
    assert load_exam_demo() is None  # idempotent
    assert Attempt.objects.filter(candidate__exam=exam, state="ready").count() > 10
    rooms = Room.objects.filter(session__exam=exam).order_by("name")
    assert rooms.count() == 2
    assert rooms[0].released is not None
    assert rooms[0].proctors.filter(username="giaovien").exists()
    client = login(User.objects.get(username="khaothi"))
    page = client.get("/exams/").content.decode()
    assert exam.title in page
    assert client.get(f"/exams/{exam.pk}/").status_code == 200
    call_command("seed_exams_demo")
    assert Exam.objects.filter(code=CODE).count() == 1
