"""Structured rubrics: criteria with levels, templates, exact sums, scaling, the grading page,
and the data migration that keeps free-form rubric scores."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment import rubrics, services
from assessment.models import Answer, RubricTemplate, TestItem
from core.models import AuditEvent
from question_bank.api import ItemContent, ItemType
from tests import factories
from tests.assessment.bank import make_item

pytestmark = pytest.mark.django_db

CRITERIA = [
    {
        "name": "Lập luận",
        "levels": [
            {"descriptor": "Chưa có", "points": "0"},
            {"descriptor": "Một phần", "points": "0,25"},
            {"descriptor": "Đầy đủ", "points": "0.5"},
        ],
    },
    {
        "name": "Kết luận",
        "levels": [
            {"descriptor": "Sai", "points": "0"},
            {"descriptor": "Đúng", "points": "0.5"},
        ],
    },
]


@pytest.fixture
def essay_test(world):
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    test = services.create_test(world.a.teacher, title="Tự luận", subject=maths, grade=10)
    version = make_item(
        ItemContent(type=ItemType.ESSAY, stem_html="<p>Giải và kết luận.</p>"), subject=maths
    )
    test_item = services.add_item(world.a.teacher, test.parts.last(), version, points=Decimal("1"))
    now = timezone.now()
    assignment = services.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=5),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=15,
    )
    attempt = services.start_attempt(world.a.student, assignment)
    services.save_answers(
        world.a.student, attempt, [{"position": 1, "response": "Bài làm", "seq": 1}]
    )
    attempt = services.submit_attempt(world.a.student, attempt)
    return test, test_item, assignment, attempt


def test_parse_reports_every_problem_with_its_criterion_and_level():
    with pytest.raises(ValidationError) as caught:
        rubrics.parse(
            [
                {"name": "", "levels": [{"descriptor": "x", "points": "-1"}]},
                {"name": "B", "levels": [{"descriptor": "y", "points": "abc"}]},
                {"name": "C", "levels": []},
            ]
        )
    assert caught.value.messages == [
        "Tiêu chí 1: chưa có tên.",
        "Tiêu chí 1, mức 1: điểm không được âm.",
        "Tiêu chí 2, mức 1: điểm “abc” không phải số.",
        "Tiêu chí 3: cần ít nhất một mức.",
    ]
    with pytest.raises(ValidationError):
        rubrics.parse([])


def test_scaling_keeps_the_maximum_exactly_the_items_points():
    criteria = rubrics.parse(
        [{"name": n, "levels": [{"descriptor": "", "points": "1"}]} for n in "ABC"]
    )
    scaled = rubrics.scaled(criteria, Decimal("1"))  # 3 → 1: thirds do not divide evenly
    assert [c.levels[0].points for c in scaled] == [
        Decimal("0.33"),
        Decimal("0.33"),
        Decimal("0.34"),
    ]
    assert rubrics.maximum(scaled) == Decimal("1")


def test_item_rubric_must_add_up_and_grading_is_the_exact_sum(world, essay_test):
    _test, test_item, _assignment, attempt = essay_test
    too_much = [*CRITERIA, {"name": "Trình bày", "levels": [{"descriptor": "", "points": "1"}]}]
    with pytest.raises(ValidationError) as caught:
        services.set_item_rubric(world.a.teacher, test_item, criteria=too_much)
    assert caught.value.messages == [
        "Tổng điểm cao nhất của các tiêu chí là 2, phải bằng điểm của câu (1)."
    ]
    services.set_item_rubric(world.a.teacher, test_item, criteria=CRITERIA)
    test_item.refresh_from_db()
    assert test_item.rubric[0]["levels"][1] == {"descriptor": "Một phần", "points": "0.25"}
    answer = Answer.objects.get(attempt=attempt)
    with pytest.raises(ValidationError):
        services.grade_with_rubric(world.a.teacher, answer, levels=[1])  # one pick missing
    with pytest.raises(ValidationError):
        services.grade_with_rubric(world.a.teacher, answer, levels=[1, 5])
    services.grade_with_rubric(world.a.teacher, answer, levels=[1, 1], comment="Tốt")
    answer.refresh_from_db()
    attempt.refresh_from_db()
    assert answer.manual_score == Decimal("0.75")
    assert attempt.score == Decimal("0.75")
    assert answer.rubric_levels == [
        {"criterion": "Lập luận", "level": 1, "descriptor": "Một phần", "points": "0.25"},
        {"criterion": "Kết luận", "level": 1, "descriptor": "Đúng", "points": "0.5"},
    ]
    assert answer.rubric_scores == {"Lập luận": "0.25", "Kết luận": "0.5"}
    assert AuditEvent.objects.filter(action="assessment.test.item_rubric").count() == 1


def test_templates_are_reused_and_scaled_to_the_item(world, essay_test):
    _test, test_item, _assignment, _attempt = essay_test
    template = services.save_rubric_template(
        world.a.teacher, name="Tự luận 2 tiêu chí", criteria=CRITERIA, shared=True,
        school=world.a.school,
    )  # fmt: skip
    services.set_item_points(world.a.teacher, test_item, Decimal("2"))
    services.set_item_rubric(world.a.teacher, test_item, template=template)
    test_item.refresh_from_db()
    assert [lv["points"] for lv in test_item.rubric[0]["levels"]] == ["0", "0.5", "1"]
    assert rubrics.maximum(rubrics.parse(test_item.rubric)) == Decimal("2")
    # changing the item's points rescales its rubric
    services.set_item_points(world.a.teacher, test_item, Decimal("0.5"))
    test_item.refresh_from_db()
    assert rubrics.maximum(rubrics.parse(test_item.rubric)) == Decimal("0.5")


def test_rubric_page_and_grading_page(world, essay_test, login):
    test, test_item, assignment, attempt = essay_test
    client = login(world.a.teacher)
    url = f"/assessment/tests/{test.pk}/items/{test_item.pk}/rubric/"
    assert client.get(url).status_code == 200
    form = {
        "c0_name": "Lập luận",
        "c0_l0_descriptor": "Chưa có",
        "c0_l0_points": "0",
        "c0_l1_descriptor": "Đầy đủ",
        "c0_l1_points": "0,5",
        "c1_name": "Kết luận",
        "c1_l0_descriptor": "Sai",
        "c1_l0_points": "0",
        "c1_l1_descriptor": "Đúng",
        "c1_l1_points": "-0,5",
    }
    bad = client.post(url, form)
    assert bad.status_code == 400
    assert "Tiêu chí 2, mức 2: điểm không được âm." in bad.content.decode()
    assert TestItem.objects.get(pk=test_item.pk).rubric == []
    form["c1_l1_points"] = "0,5"
    assert client.post(url, {**form, "save_as": "Mẫu của tôi"}).status_code == 302
    assert RubricTemplate.objects.get().name == "Mẫu của tôi"
    assert TestItem.objects.get(pk=test_item.pk).rubric[1]["name"] == "Kết luận"
    grading = f"/assessment/assignments/{assignment.pk}/grading/"
    page = client.get(grading).content.decode()
    assert 'name="level_0"' in page
    assert 'name="level_1"' in page
    answer = Answer.objects.get(attempt=attempt)
    post = f"/assessment/assignments/{assignment.pk}/answers/{answer.pk}/grade/"
    client.post(post, {"rubric_criteria": "2", "level_0": "1", "level_1": "0", "points": "1"})
    answer.refresh_from_db()
    assert answer.manual_score == Decimal("0.5")  # the sum of the levels, not the typed points
    assert (
        'value="1" required checked'
        in client.get(grading + f"?answer={answer.pk}").content.decode()
    )


def test_migration_keeps_free_form_rubric_scores(world, essay_test):
    _test, _test_item, _assignment, attempt = essay_test
    answer = Answer.objects.get(attempt=attempt)
    Answer.objects.filter(pk=answer.pk).update(
        rubric_scores={"lập luận": "0.5", "kết luận": "0.25"}, rubric_levels=[]
    )
    migration = importlib.import_module("assessment.migrations.0003_structured_rubrics")
    migration.keep_free_form_scores(apps, None)
    answer.refresh_from_db()
    assert answer.rubric_scores == {"lập luận": "0.5", "kết luận": "0.25"}
    # (PostgreSQL's jsonb does not keep the keys' order, so compare as sorted)
    assert sorted(answer.rubric_levels, key=lambda r: r["criterion"]) == [
        {"criterion": "kết luận", "level": None, "descriptor": "", "points": "0.25"},
        {"criterion": "lập luận", "level": None, "descriptor": "", "points": "0.5"},
    ]
