"""Online tests: attempts, idempotent saving, deadlines, no key leakage, grading, regrade log."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Answer, Attempt
from assessment.views_data import grading_queue
from core.models import AuditEvent
from question_bank.api import ItemContent, ItemType
from tests import factories
from tests.assessment.bank import (
    make_item,
    new_version,
    short_numeric,
    single_choice,
    true_false,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/assessment"
SECRET_SOLUTION = "LỜI GIẢI BÍ MẬT"


def essay() -> ItemContent:
    return ItemContent(
        type=ItemType.ESSAY,
        stem_html="<p>Trình bày lời giải.</p>",
        rubric_html="<p>THANG ĐIỂM RIÊNG</p>",
        points=Decimal("1"),
    )


@pytest.fixture
def setup(world):
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    test = services.create_test(world.a.teacher, title="15 phút", subject=maths, grade=10)
    p1, p2, p3 = test.parts.all()
    v1 = make_item(single_choice("C"), subject=maths)
    v2 = make_item(true_false(), subject=maths)
    v3 = make_item(short_numeric("-1,5"), subject=maths)
    v4 = make_item(essay(), subject=maths)
    items = [
        services.add_item(world.a.teacher, p1, v1),
        services.add_item(world.a.teacher, p2, v2),
        services.add_item(world.a.teacher, p3, v3),
        services.add_item(world.a.teacher, p3, v4, points=Decimal("1")),
    ]
    now = timezone.now()
    assignment = services.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=5),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=15,
        result_policy="immediately",
        show_correct_answers=False,
    )
    return world, test, items, assignment


def by_part(payload: dict, type_: str) -> int:
    return next(q["position"] for q in payload["questions"] if q["type"] == type_)


def test_student_json_and_result_never_carry_keys(setup, login) -> None:
    world, _test, _items, assignment = setup
    client = login(world.a.student)
    response = client.post(f"{API}/assignments/{assignment.pk}/attempts")
    assert response.status_code == 201
    body = response.content.decode()
    data = json.loads(body)
    for forbidden in ('"key"', "solution", "rubric", SECRET_SOLUTION, "THANG ĐIỂM RIÊNG", "-1,5"):
        assert forbidden not in body
    assert [q["type"] for q in data["questions"]] == [
        "single_choice",
        "true_false_cluster",
        "short_numeric",
        "essay",
    ]
    assert sorted(c["id"] for c in data["questions"][0]["choices"]) == ["A", "B", "C", "D"]
    assert [c["label"] for c in data["questions"][0]["choices"]] == ["A", "B", "C", "D"]
    assert 0 < data["seconds_left"] <= 15 * 60
    again = client.get(f"{API}/attempts/{data['id']}")
    assert again.status_code == 200
    assert SECRET_SOLUTION not in again.content.decode()
    submitted = client.post(f"{API}/attempts/{data['id']}/submit").content.decode()
    assert SECRET_SOLUTION not in submitted
    assert '"key": "C"' not in submitted
    assert json.loads(submitted)["answers"][0].get("key") is None


def test_saving_is_idempotent_by_sequence(setup, login) -> None:
    world, _test, _items, assignment = setup
    client = login(world.a.student)
    data = client.post(f"{API}/assignments/{assignment.pk}/attempts").json()
    url = f"{API}/attempts/{data['id']}/answers"
    mc = by_part(data, "single_choice")

    def put(response: object, seq: int) -> dict:
        payload = {"answers": [{"position": mc, "response": response, "seq": seq}]}
        return client.put(url, payload, content_type="application/json").json()

    assert put("A", 1) == {"acks": [{"position": mc, "seq": 1, "saved": True}]}
    assert put("C", 2) == {"acks": [{"position": mc, "seq": 2, "saved": True}]}
    # A resent or late-arriving older save is acknowledged but changes nothing.
    assert put("C", 2) == {"acks": [{"position": mc, "seq": 2, "saved": False}]}
    assert put("A", 1) == {"acks": [{"position": mc, "seq": 2, "saved": False}]}
    assert Answer.objects.get(attempt_id=data["id"], position=mc).response == "C"
    resumed = client.post(f"{API}/assignments/{assignment.pk}/attempts").json()
    assert resumed["id"] == data["id"]
    assert resumed["answers"] == [{"position": mc, "response": "C", "seq": 2}]


def test_a_student_touches_only_their_own_attempt(setup, login) -> None:
    world, _test, _items, assignment = setup
    data = login(world.a.student).post(f"{API}/assignments/{assignment.pk}/attempts").json()
    other = factories.StudentFactory()
    factories.EnrolmentFactory(school_class=world.a.school_class, student=other)
    for user in (other, world.b.student):
        c = login(user)
        assert c.get(f"{API}/attempts/{data['id']}").status_code == 404
        assert c.get(f"{API}/attempts/{data['id']}/result").status_code == 404
        put = c.put(
            f"{API}/attempts/{data['id']}/answers",
            {"answers": [{"position": 1, "response": "A", "seq": 9}]},
            content_type="application/json",
        )
        assert put.status_code == 404
        assert c.post(f"{API}/attempts/{data['id']}/submit").status_code == 404
    # A student of another school cannot start the assignment either.
    assert (
        login(world.b.student).post(f"{API}/assignments/{assignment.pk}/attempts").status_code
        == 404
    )


def test_server_deadline_refuses_late_saves(setup) -> None:
    world, _test, _items, assignment = setup
    attempt = services.start_attempt(world.a.student, assignment)
    late = attempt.deadline + dt.timedelta(seconds=1)
    with pytest.raises(services.ValidationError):
        services.save_answers(
            world.a.student, attempt, [{"position": 1, "response": "A", "seq": 1}], now=late
        )
    assert not Answer.objects.filter(attempt=attempt).exists()


def answer_all(world, assignment) -> Attempt:
    attempt = services.start_attempt(world.a.student, assignment)
    layout = {r["test_item"]: r["position"] for r in attempt.layout}
    items = (
        list(assignment.test.parts.get(order=1).items.all())
        + list(assignment.test.parts.get(order=2).items.all())
        + list(assignment.test.parts.get(order=3).items.order_by("order"))
    )
    mc, tf, num, es = (layout[t.pk] for t in items)
    services.save_answers(
        world.a.student,
        attempt,
        [
            {"position": mc, "response": "C", "seq": 1},
            {"position": tf, "response": {"a": True, "b": False, "c": False, "d": True}, "seq": 1},
            {"position": num, "response": "-1.5", "seq": 1},
            {"position": es, "response": "Bài làm tự luận", "seq": 1},
        ],
    )
    return services.submit_attempt(world.a.student, attempt)


def test_grading_manual_queue_and_result(setup, login) -> None:
    world, _test, _items, assignment = setup
    attempt = answer_all(world, assignment)
    # 0.25 (MC) + 0.25 (2 of 4 statements) + 0.5 (maths short answer) = 1.0; essay pending.
    assert attempt.score == Decimal("1")
    assert attempt.needs_manual is True
    queue = grading_queue(assignment)
    assert [(q["student"], q["points"], q["rubric_html"]) for q in queue] == [
        (world.a.student.full_name, "1", "<p>THANG ĐIỂM RIÊNG</p>")
    ]
    assignment.blind_grading = True
    assert grading_queue(assignment)[0]["student"] == f"Bài #{attempt.pk}"
    answer = Answer.objects.get(pk=queue[0]["answer"])
    with pytest.raises(services.ValidationError):
        services.grade_manually(world.a.teacher, answer, points=Decimal("1.5"))
    services.grade_manually(
        world.a.teacher,
        answer,
        points=Decimal("0.75"),
        comment="Thiếu kết luận",
        rubric_scores={"lập luận": "0.5", "kết luận": "0.25"},
    )
    attempt.refresh_from_db()
    assert attempt.score == Decimal("1.75")
    assert attempt.needs_manual is False
    assert grading_queue(assignment) == []
    result = login(world.a.student).get(f"{API}/attempts/{attempt.pk}/result").json()
    assert result["score"] == "1.75"
    assert result["max_points"] == "2.75"
    essay_row = next(a for a in result["answers"] if a["comment"])
    assert essay_row == {
        "position": answer.position,
        "response": "Bài làm tự luận",
        "score": "0.75",
        "comment": "Thiếu kết luận",
        "key": None,
        "solution_html": None,
    }


def test_result_policies(setup, login) -> None:
    world, _test, _items, assignment = setup
    attempt = answer_all(world, assignment)
    client = login(world.a.student)
    assignment.result_policy = "after_close"
    assignment.save()
    assert client.get(f"{API}/attempts/{attempt.pk}/result").json() == {
        "id": attempt.pk,
        "state": "submitted",
        "visible": False,
        "score": None,
        "max_points": None,
        "pending_manual": None,
        "answers": [],
    }
    assignment.result_policy = "never"
    assignment.save()
    assert client.get(f"{API}/attempts/{attempt.pk}/result").json()["visible"] is False
    assignment.result_policy = "immediately"
    assignment.show_correct_answers = True
    assignment.save()
    result = client.get(f"{API}/attempts/{attempt.pk}/result").json()
    keys = {a["key"] if not isinstance(a["key"], dict) else "tf" for a in result["answers"]}
    assert keys == {"C", "tf", "-1,5", None}
    assert SECRET_SOLUTION in json.dumps(result, ensure_ascii=False)


def test_regrade_after_key_correction_logs_before_and_after(setup) -> None:
    world, _test, items, assignment = setup
    attempt = answer_all(world, assignment)
    assert attempt.score == Decimal("1")
    # The key of the multiple-choice item was wrong: it is B, not C.
    corrected = new_version(items[0].item_version, single_choice("B"))
    log = services.correct_item(world.a.teacher, items[0], corrected)
    mc_position = next(r["position"] for r in attempt.layout if r["test_item"] == items[0].pk)
    assert log == [
        {
            "attempt": attempt.pk,
            "position": mc_position,
            "before": Decimal("0.25"),
            "after": Decimal("0"),
        }
    ]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.75")
    event = AuditEvent.objects.get(action="assessment.attempt.regrade")
    assert event.before == {"position": mc_position, "score": "0.2500", "total": "1.0000"}
    assert event.after == {"position": mc_position, "score": "0", "total": "0.75"}
    # Regrading again with the same key changes nothing and logs nothing more.
    assert services.correct_item(world.a.teacher, items[0], corrected) == []
    assert AuditEvent.objects.filter(action="assessment.attempt.regrade").count() == 1


def test_regrade_refuses_a_version_of_another_question(setup) -> None:
    world, test, items, assignment = setup
    attempt = answer_all(world, assignment)
    other = make_item(single_choice("B"), subject=test.subject)
    with pytest.raises(services.ValidationError) as caught:
        services.correct_item(world.a.teacher, items[0], other)
    assert f"thuộc câu hỏi #{other.item_id}" in caught.value.messages[0]
    items[0].refresh_from_db()
    attempt.refresh_from_db()
    assert items[0].item_version_id != other.pk
    assert all(r["item_version"] != other.pk for r in attempt.layout)
    assert attempt.score == Decimal("1")
    assert not AuditEvent.objects.filter(action="assessment.test.correct_item").exists()


def test_attempt_limit_and_window(setup) -> None:
    world, _test, _items, assignment = setup
    attempt = services.start_attempt(world.a.student, assignment)
    services.submit_attempt(world.a.student, attempt)
    with pytest.raises(services.ValidationError):
        services.start_attempt(world.a.student, assignment)
    with pytest.raises(services.ValidationError):
        services.start_attempt(world.a.student, assignment, now=assignment.closes)
