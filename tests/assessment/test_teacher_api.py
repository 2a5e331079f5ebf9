"""The teachers' JSON API: same rules as the pages (other schools 404, students 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Answer, Assignment, Regrade
from config.api import api
from question_bank.api import ItemContent, ItemType
from question_bank.models import ItemVersion, Topic
from tests import factories
from tests.assessment.bank import make_item, short_numeric, single_choice, true_false

pytestmark = pytest.mark.django_db
API = "/api/v1/assessment"


@pytest.fixture
def maths(world):
    subject = factories.SubjectFactory(code="TOAN", name="Toán")
    topic = Topic.objects.create(subject=subject, grade=10, title="Hàm số")
    return subject, topic


def test_teacher_routes_are_in_the_openapi_schema() -> None:
    paths = api.get_openapi_schema()["paths"]
    for path in (
        "/api/v1/assessment/tests",
        "/api/v1/assessment/tests/{test_id}/blueprint",
        "/api/v1/assessment/tests/{test_id}/generate",
        "/api/v1/assessment/tests/{test_id}/versions",
        "/api/v1/assessment/tests/{test_id}/assignments",
        "/api/v1/assessment/groups",
        "/api/v1/assessment/assignments/{assignment_id}/grading",
        "/api/v1/assessment/assignments/{assignment_id}/results",
        "/api/v1/assessment/assignments/{assignment_id}/item-analysis",
        "/api/v1/assessment/tests/{test_id}/items/{item_id}/correct",
    ):
        assert path in paths, path


def test_build_generate_version_assign_grade_over_the_api(world, maths, login) -> None:
    subject, topic = maths
    client = login(world.a.teacher)
    response = client.post(
        f"{API}/tests",
        {"title": "Cuối kỳ", "subject": "TOAN", "grade": 10, "duration_minutes": 90},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    test = response.json()
    assert [p["title"] for p in test["parts"]] == ["PHẦN I", "PHẦN II", "PHẦN III"]
    p1, p2, p3 = (p["id"] for p in test["parts"])
    tid = test["id"]
    # Other schools and students: 404.
    assert login(world.b.teacher).get(f"{API}/tests/{tid}").status_code == 404
    assert login(world.a.student).get(f"{API}/tests/{tid}").status_code == 404
    assert login(world.a.student).get(f"{API}/tests").status_code == 404
    # Blueprint: 2 MC (default 0.25), 1 T/F cluster (default 1), 1 short answer (maths 0.5).
    cells = [
        {"part": p1, "item_type": "single_choice", "count": 2, "topic": topic.pk, "level": "biet"},
        {"part": p2, "item_type": "true_false_cluster", "count": 1, "level": "hieu"},
        {"part": p3, "item_type": "short_numeric", "count": 1, "level": "van_dung"},
    ]
    response = client.put(
        f"{API}/tests/{tid}/blueprint", {"cells": cells}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert [c["points_each"] for c in response.json()["cells"]] == ["0.25", "1", "0.5"]
    # The bank is short in every cell: all three are listed with what is missing.
    make_item(single_choice("A"), subject=subject, topic=topic, level="biet")
    response = client.post(
        f"{API}/tests/{tid}/generate", {"seed": "1"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert [
        (s["item_type"], s["needed"], s["available"], s["missing"])
        for s in response.json()["shortfalls"]
    ] == [
        ("single_choice", 2, 1, 1),
        ("true_false_cluster", 1, 0, 1),
        ("short_numeric", 1, 0, 1),
    ]
    make_item(single_choice("B"), subject=subject, topic=topic, level="biet")
    make_item(true_false(), subject=subject, level="hieu")
    make_item(short_numeric("-1,5"), subject=subject, level="van_dung")
    essay = make_item(
        ItemContent(type=ItemType.ESSAY, stem_html="<p>Chứng minh.</p>", points=Decimal(1)),
        subject=subject,
    )
    response = client.post(
        f"{API}/tests/{tid}/generate", {"seed": "1"}, content_type="application/json"
    )
    assert response.status_code == 200
    found = client.get(f"{API}/tests/{tid}/bank", {"type": "essay"}).json()
    assert [b["item_version"] for b in found] == [essay.pk]
    response = client.post(
        f"{API}/tests/{tid}/items",
        {"part": p3, "item_version": essay.pk, "points": "1"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert sum(len(p["items"]) for p in response.json()["parts"]) == 5
    # Versions: reproducible by seed, keys for the teacher.
    body = {"codes": ["101", "102", "103"], "seed": "9"}
    first = client.post(f"{API}/tests/{tid}/versions", body, content_type="application/json")
    again = client.post(f"{API}/tests/{tid}/versions", body, content_type="application/json")
    assert first.status_code == 200
    assert first.json() == again.json()
    assert [v["code"] for v in first.json()["versions"]] == ["101", "102", "103"]
    # A group of the class, then the test assigned to it.
    response = client.post(
        f"{API}/groups",
        {
            "school_class": world.a.school_class.pk,
            "name": "Nhóm A",
            "students": [world.a.student.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    group = response.json()["id"]
    assert (
        login(world.b.teacher)
        .post(
            f"{API}/groups",
            {"school_class": world.a.school_class.pk, "name": "X", "students": []},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    now = timezone.now()
    response = client.post(
        f"{API}/tests/{tid}/assignments",
        {
            "group": group,
            "opens": (now - dt.timedelta(minutes=1)).isoformat(),
            "closes": (now + dt.timedelta(hours=1)).isoformat(),
            "time_limit_minutes": 30,
            "result_policy": "immediately",
            "blind_grading": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assignment = Assignment.objects.get(pk=response.json()["id"])
    assert assignment.group_id == group
    # The student takes it.
    student = login(world.a.student)
    attempt = student.post(f"{API}/assignments/{assignment.pk}/attempts").json()
    essay_pos = next(q["position"] for q in attempt["questions"] if q["type"] == "essay")
    choice_pos = next(q["position"] for q in attempt["questions"] if q["type"] == "single_choice")
    student.put(
        f"{API}/attempts/{attempt['id']}/answers",
        {
            "answers": [
                {"position": essay_pos, "seq": 1, "response": "Lời giải của em"},
                {"position": choice_pos, "seq": 2, "response": "A"},
            ]
        },
        content_type="application/json",
    )
    student.post(f"{API}/attempts/{attempt['id']}/submit")
    # Blind queue: an anonymous code, no name.
    queue = client.get(f"{API}/assignments/{assignment.pk}/grading").json()
    assert len(queue) == 1
    assert queue[0]["student"].startswith("BL-")
    assert world.a.student.full_name not in str(queue)
    response = client.post(
        f"{API}/assignments/{assignment.pk}/answers/{queue[0]['answer']}/grade",
        {"points": "0.75", "comment": "Tốt", "rubric_scores": {"lập luận": "0.75"}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["manual_score"] == "0.75"
    # A choice answer is scored by the key: a manual score is refused and nothing is stored.
    choice = Answer.objects.get(attempt_id=attempt["id"], position=choice_pos)
    response = client.post(
        f"{API}/assignments/{assignment.pk}/answers/{choice.pk}/grade",
        {"points": "0", "comment": "", "rubric_scores": {}},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert "chấm tự động" in str(response.json()["detail"])
    choice.refresh_from_db()
    assert choice.manual_score is None
    # Whether "A" is right depends on the shuffle; its automatic score counts in the total.
    assert choice.score in (Decimal(0), Decimal("0.25"))
    assert (
        login(world.b.teacher).get(f"{API}/assignments/{assignment.pk}/grading").status_code == 404
    )
    results = client.get(f"{API}/assignments/{assignment.pk}/results").json()
    assert results["count"] == 1
    assert Decimal(results["students"][0]["raw"]) == Decimal("0.75") + choice.score
    assert sum(results["histogram"]) == 1
    analysis = client.get(f"{API}/assignments/{assignment.pk}/item-analysis").json()
    assert len(analysis) == 5


def test_regrade_over_the_api_returns_the_log(world, maths, login) -> None:
    subject, _topic = maths
    test = services.create_test(world.a.teacher, title="T", subject=subject, school=world.a.school)
    mc = services.add_item(
        world.a.teacher, test.parts.first(), make_item(single_choice("C"), subject=subject)
    )
    now = timezone.now()
    assignment = services.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=1),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=10,
    )
    attempt = services.start_attempt(world.a.student, assignment)
    services.save_answers(world.a.student, attempt, [{"position": 1, "seq": 1, "response": "C"}])
    services.submit_attempt(world.a.student, attempt)
    old = mc.item_version
    fixed = ItemVersion.objects.create(
        item=old.item,
        number=2,
        type=old.type,
        content=single_choice("B").to_json(),
        content_hash="fixed",
    )
    client = login(world.a.teacher)
    url = f"{API}/tests/{test.pk}/items/{mc.pk}/correct"
    other = make_item(single_choice("B"), subject=subject)
    assert (
        client.post(url, {"version": other.pk}, content_type="application/json").status_code == 404
    )
    response = client.post(url, {"version": fixed.pk}, content_type="application/json")
    assert response.json() == [
        {
            "attempt": attempt.pk,
            "position": 1,
            "before": "0.25",
            "after": "0",
            "total_before": "0.25",
            "total_after": "0",
        }
    ]
    assert Regrade.objects.count() == 1
    assert Answer.objects.get(attempt=attempt).score == Decimal(0)
    assert (
        login(world.b.teacher)
        .post(url, {"version": fixed.pk}, content_type="application/json")
        .status_code
        == 404
    )
