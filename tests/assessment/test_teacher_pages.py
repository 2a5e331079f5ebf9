"""Teachers' pages: building a test, the blueprint grid, versions and papers, assigning to a class
or a group, grading (blind), regrading with its log, results and item analysis."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from assessment.grading import anonymous_code
from assessment.models import Answer, Assignment, BlueprintCell, Regrade, StudentGroup, TestItem
from core.models import AuditEvent, Role
from question_bank.api import ItemContent, ItemType
from question_bank.models import ItemVersion, Topic
from tests import factories
from tests.assessment.bank import make_item, short_numeric, single_choice, true_false

pytestmark = pytest.mark.django_db
SECRET_SOLUTION = "LỜI GIẢI BÍ MẬT"


def essay() -> ItemContent:
    return ItemContent(
        type=ItemType.ESSAY,
        stem_html="<p>Trình bày lời giải bài toán.</p>",
        rubric_html="<p>Lập luận 0,5; kết luận 0,5</p>",
        points=Decimal("1"),
    )


@pytest.fixture
def maths(world):
    subject = factories.SubjectFactory(code="TOAN", name="Toán")
    topic = Topic.objects.create(subject=subject, grade=10, title="Hàm số bậc hai")
    return subject, topic


@pytest.fixture
def built(world, maths):
    """A test built on school A with an MC, a T/F cluster, a short answer and an essay."""
    subject, _topic = maths
    test = services.create_test(
        world.a.teacher, title="Kiểm tra 15 phút", subject=subject, grade=10, school=world.a.school
    )
    p1, p2, p3 = test.parts.all()
    items = [
        services.add_item(world.a.teacher, p1, make_item(single_choice("C"), subject=subject)),
        services.add_item(world.a.teacher, p2, make_item(true_false(), subject=subject)),
        services.add_item(world.a.teacher, p3, make_item(short_numeric("-1,5"), subject=subject)),
        services.add_item(world.a.teacher, p3, make_item(essay(), subject=subject)),
    ]
    return test, items


def _assign(world, test, **kw):
    now = timezone.now()
    defaults = {
        "opens": now - dt.timedelta(minutes=5),
        "closes": now + dt.timedelta(hours=1),
        "time_limit_minutes": 15,
        "result_policy": "immediately",
    }
    defaults.update(kw)
    return services.assign_test(world.a.teacher, test, world.a.school_class, **defaults)


def _take(student, assignment, answers=None):
    attempt = services.start_attempt(student, assignment)
    by_type = {}
    for row in attempt.layout:
        version = ItemVersion.objects.get(pk=row["item_version"])
        by_type[version.type] = row["position"]
    responses = answers or {
        "single_choice": "C",
        "true_false_cluster": {"a": True, "b": False, "c": True, "d": True},
        "short_numeric": "-1,5",
        "essay": "Bài làm tự luận của em",
    }
    services.save_answers(
        student,
        attempt,
        [
            {"position": by_type[t], "seq": 1, "response": r}
            for t, r in responses.items()
            if t in by_type
        ],
    )
    return services.submit_attempt(student, attempt)


# --- Building ------------------------------------------------------------------------------


def test_teacher_creates_a_test_with_the_three_parts(world, maths, login) -> None:
    client = login(world.a.teacher)
    response = client.post(
        "/assessment/tests/",
        {"title": "Giữa kỳ I", "subject": "TOAN", "grade": "10", "duration_minutes": "90"},
    )
    assert response.status_code == 302
    test = services.Test.objects.get(title="Giữa kỳ I")
    assert test.school == world.a.school
    assert [p.title for p in test.parts.all()] == ["PHẦN I", "PHẦN II", "PHẦN III"]
    page = client.get(response["Location"]).content.decode()
    assert "Giữa kỳ I" in page
    assert "PHẦN III" in page
    bad = client.post("/assessment/tests/", {"title": "X", "grade": "mười"})
    assert "Khối phải là số nguyên." in bad.content.decode()


def test_other_schools_and_students_get_404(world, built, login) -> None:
    test, items = built
    assignment = _assign(world, test)
    other = login(world.b.teacher)
    for url in (
        f"/assessment/tests/{test.pk}/",
        f"/assessment/tests/{test.pk}/blueprint/",
        f"/assessment/tests/{test.pk}/versions/",
        f"/assessment/tests/{test.pk}/assign/",
        f"/assessment/tests/{test.pk}/key.xlsx",
        f"/assessment/tests/{test.pk}/items/{items[0].pk}/correct/",
        f"/assessment/assignments/{assignment.pk}/grading/",
        f"/assessment/assignments/{assignment.pk}/results/",
        f"/assessment/assignments/{assignment.pk}/items/",
        f"/assessment/assignments/{assignment.pk}/results.xlsx",
        f"/assessment/classes/{world.a.school_class.pk}/groups/",
    ):
        assert other.get(url).status_code == 404, url
        assert login(world.a.student).get(url).status_code == 404, url
    assert other.post(f"/assessment/tests/{test.pk}/items/{items[0].pk}/remove/").status_code == 404
    assert TestItem.objects.filter(pk=items[0].pk).exists()
    assert login(world.a.student).get("/assessment/tests/").status_code == 404
    assert test.title not in other.get("/assessment/tests/").content.decode()


def test_bank_search_and_adding_items(world, built, maths, login) -> None:
    test, _items = built
    subject, topic = maths
    approved = make_item(
        single_choice("A", stem="<p>Tìm đỉnh của parabol</p>"), subject=subject, topic=topic
    )
    draft = make_item(
        single_choice("A", stem="<p>Parabol nháp chưa duyệt</p>"), subject=subject, status="draft"
    )
    client = login(world.a.teacher)
    html = client.get(
        f"/assessment/tests/{test.pk}/bank/", {"q": "parabol"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Tìm đỉnh của parabol" in html
    assert "nháp chưa duyệt" not in html
    p1 = test.parts.get(order=1)
    response = client.post(
        f"/assessment/tests/{test.pk}/items/",
        {"part": p1.pk, "item_version": approved.pk, "points": "0,5", "fixed_position": "on"},
    )
    assert response.status_code == 302
    added = TestItem.objects.get(item_version=approved)
    assert (added.part, added.points, added.fixed_position) == (p1, Decimal("0.5"), True)
    # A draft cannot be added, even by posting its id.
    assert (
        client.post(
            f"/assessment/tests/{test.pk}/items/", {"part": p1.pk, "item_version": draft.pk}
        ).status_code
        == 404
    )
    assert "đã có trong đề" in client.get(f"/assessment/tests/{test.pk}/bank/").content.decode()
    client.post(f"/assessment/tests/{test.pk}/items/{added.pk}/remove/")
    assert not TestItem.objects.filter(pk=added.pk).exists()
    assert AuditEvent.objects.filter(action="assessment.test.remove_item").count() == 1


def test_blueprint_grid_saves_cells_with_default_2025_points(world, maths, login) -> None:
    subject, topic = maths
    test = services.create_test(world.a.teacher, title="Ma trận", subject=subject, grade=10)
    p1, p2, p3 = test.parts.all()
    client = login(world.a.teacher)
    page = client.get(f"/assessment/tests/{test.pk}/blueprint/").content.decode()
    # Defaults: MC 0.25, T/F cluster 1, maths short answer 0.5.
    assert f'name="p-{p1.pk}-{topic.pk}-biet-single_choice" value="0,25"' in page
    assert f'name="p-{p2.pk}-{topic.pk}-hieu-true_false_cluster" value="1"' in page
    assert f'name="p-{p3.pk}-{topic.pk}-van_dung-short_numeric" value="0,5"' in page
    response = client.post(
        f"/assessment/tests/{test.pk}/blueprint/",
        {
            f"c-{p1.pk}-{topic.pk}-biet-single_choice": "3",
            f"p-{p1.pk}-{topic.pk}-biet-single_choice": "0,25",
            f"c-{p2.pk}-{topic.pk}-hieu-true_false_cluster": "1",
            f"p-{p2.pk}-{topic.pk}-hieu-true_false_cluster": "2",
            f"c-{p3.pk}-0-van_dung-short_numeric": "2",
            f"p-{p3.pk}-0-van_dung-short_numeric": "0.5",
            f"c-{p1.pk}-{topic.pk}-hieu-single_choice": "0",
        },
    )
    assert response.status_code == 302
    cells = {
        (c.part_id, c.topic_id, c.level, c.item_type): (c.count, c.points_each)
        for c in BlueprintCell.objects.filter(part__test=test)
    }
    assert cells == {
        (p1.pk, topic.pk, "biet", "single_choice"): (3, Decimal("0.25")),
        (p2.pk, topic.pk, "hieu", "true_false_cluster"): (1, Decimal("2")),
        (p3.pk, None, "van_dung", "short_numeric"): (2, Decimal("0.5")),
    }
    page = client.get(f"/assessment/tests/{test.pk}/blueprint/").content.decode()
    assert 'data-testid="total-items">6<' in page
    assert 'data-testid="total-points">3,75<' in page
    # A bad cell is named and nothing changes.
    bad = client.post(
        f"/assessment/tests/{test.pk}/blueprint/",
        {f"c-{p1.pk}-{topic.pk}-biet-single_choice": "-2"},
    ).content.decode()
    assert "Hàm số bậc hai" in bad
    assert "số câu phải là số nguyên" in bad
    assert BlueprintCell.objects.filter(part__test=test).count() == 3


def test_generate_lists_every_short_cell_then_draws(world, maths, login) -> None:
    subject, topic = maths
    test = services.create_test(world.a.teacher, title="Sinh đề", subject=subject, grade=10)
    p1, p2, _p3 = test.parts.all()
    services.add_cell(
        world.a.teacher, p1, item_type="single_choice", count=3, topic=topic, level="biet"
    )
    services.add_cell(
        world.a.teacher, p2, item_type="true_false_cluster", count=2, topic=topic, level="hieu"
    )
    make_item(single_choice("A"), subject=subject, topic=topic, level="biet")
    client = login(world.a.teacher)
    response = client.post(f"/assessment/tests/{test.pk}/generate/", {"seed": "7"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="shortfalls"' in html
    # MC cell: need 3, have 1, missing 2; T/F cell: need 2, have 0, missing 2.
    assert html.count("<b>2</b>") == 2
    assert "single_choice" in html
    assert "true_false_cluster" in html
    assert not TestItem.objects.filter(part__test=test).exists()
    for _ in range(2):
        make_item(single_choice("B"), subject=subject, topic=topic, level="biet")
        make_item(true_false(), subject=subject, topic=topic, level="hieu")
    response = client.post(f"/assessment/tests/{test.pk}/generate/", {"seed": "7"})
    assert response.status_code == 302
    assert TestItem.objects.filter(part__test=test, cell__isnull=False).count() == 5


def test_versions_and_downloads(world, built, login) -> None:
    test, _items = built
    client = login(world.a.teacher)
    response = client.post(
        f"/assessment/tests/{test.pk}/versions/", {"codes": "101-104", "seed": "2026"}
    )
    assert response.status_code == 302
    assert list(test.versions.values_list("code", flat=True)) == ["101", "102", "103", "104"]
    layouts = {v.code: v.layout for v in test.versions.all()}
    # Same seed again: the same versions.
    client.post(f"/assessment/tests/{test.pk}/versions/", {"codes": "101-104", "seed": "2026"})
    assert {v.code: v.layout for v in test.versions.all()} == layouts
    page = client.get(f"/assessment/tests/{test.pk}/versions/").content.decode()
    assert "aĐ bS cĐ dS" in page  # the T/F key, statement by statement
    bad = client.post(f"/assessment/tests/{test.pk}/versions/", {"codes": "124-101"})
    assert "Dải mã đề không hợp lệ" in bad.content.decode()
    docx = client.get(f"/assessment/tests/{test.pk}/versions/102.docx")
    assert docx.status_code == 200
    assert docx.content[:2] == b"PK"
    pdf = client.get(f"/assessment/tests/{test.pk}/versions/102.pdf")
    assert pdf.status_code == 200
    assert pdf.content[:5] == b"%PDF-"
    sheet = client.get(f"/assessment/tests/{test.pk}/answer-sheet.pdf")
    assert sheet.content[:5] == b"%PDF-"
    from openpyxl import load_workbook

    xlsx = client.get(f"/assessment/tests/{test.pk}/key.xlsx")
    assert xlsx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx["Content-Disposition"] == f'attachment; filename="de_{test.pk}_dap_an.xlsx"'
    wb = load_workbook(io.BytesIO(xlsx.content))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]] == ["Câu", "101", "102", "103", "104"]
    assert client.get(f"/assessment/tests/{test.pk}/versions/999.pdf").status_code == 404
    assert client.get(f"/assessment/tests/{test.pk}/versions/101.exe").status_code == 404


# --- Assigning -----------------------------------------------------------------------------


def test_assign_to_a_group_only_its_students_take_it(world, built, login) -> None:
    test, _items = built
    classmate = factories.StudentFactory.create()
    factories.MembershipFactory.create(
        user=classmate, organisation=world.a.school, role=Role.STUDENT
    )
    factories.EnrolmentFactory.create(school_class=world.a.school_class, student=classmate)
    client = login(world.a.teacher)
    response = client.post(
        f"/assessment/classes/{world.a.school_class.pk}/groups/",
        {"name": "Nhóm 1", "students": [str(world.a.student.pk)]},
    )
    assert response.status_code == 302
    group = StudentGroup.objects.get(name="Nhóm 1")
    assert list(group.students.all()) == [world.a.student]
    # A student of another class cannot be put in the group.
    with pytest.raises(services.ValidationError):
        services.create_group(
            world.a.teacher, world.a.school_class, name="X", students=[world.b.student]
        )
    now = timezone.localtime()
    response = client.post(
        f"/assessment/tests/{test.pk}/assign/",
        {
            "target": f"group:{group.pk}",
            "opens": (now - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes": (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "time_limit_minutes": "20",
            "max_attempts": "2",
            "shuffle_per_student": "on",
            "result_policy": "never",
            "blind_grading": "on",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(test=test)
    assert (assignment.group, assignment.school_class) == (group, world.a.school_class)
    assert (assignment.max_attempts, assignment.time_limit_minutes) == (2, 20)
    assert (assignment.result_policy, assignment.blind_grading) == ("never", True)
    assert not assignment.show_correct_answers
    api = "/api/v1/assessment"
    assert (
        login(world.a.student).post(f"{api}/assignments/{assignment.pk}/attempts").status_code
        == 201
    )
    assert login(classmate).post(f"{api}/assignments/{assignment.pk}/attempts").status_code == 404
    assert login(classmate).get(f"/assessment/assignments/{assignment.pk}/").status_code == 404
    # Closing before opening is refused with a clear message, nothing stored.
    bad = client.post(
        f"/assessment/tests/{test.pk}/assign/",
        {
            "target": f"class:{world.a.school_class.pk}",
            "opens": "2026-12-02T08:00",
            "closes": "2026-12-01T08:00",
        },
    )
    assert "Thời điểm đóng phải sau thời điểm mở." in bad.content.decode()
    assert Assignment.objects.count() == 1
    # Other schools' classes are not offered and cannot be posted.
    assert (
        world.b.school_class.name
        not in client.get(f"/assessment/tests/{test.pk}/assign/").content.decode()
    )
    client.post(
        f"/assessment/tests/{test.pk}/assign/",
        {
            "target": f"class:{world.b.school_class.pk}",
            "opens": "2026-12-01T08:00",
            "closes": "2026-12-02T08:00",
        },
    )
    assert Assignment.objects.count() == 1


# --- Grading -------------------------------------------------------------------------------


def test_blind_grading_queue_with_rubric_and_navigation(world, built, login) -> None:
    test, _items = built
    assignment = _assign(world, test, blind_grading=True)
    attempt = _take(world.a.student, assignment)
    assert attempt.needs_manual
    client = login(world.a.teacher)
    page = client.get(f"/assessment/assignments/{assignment.pk}/grading/").content.decode()
    code = anonymous_code(assignment.pk, attempt.pk)
    assert code in page
    assert world.a.student.full_name not in page
    assert "Bài làm tự luận của em" in page
    assert "Lập luận 0,5" in page
    answer = Answer.objects.get(attempt=attempt, response="Bài làm tự luận của em")
    url = f"/assessment/assignments/{assignment.pk}/answers/{answer.pk}/grade/"
    too_much = client.post(url, {"points": "3"}, follow=True).content.decode()
    assert "điểm phải từ 0 đến 1" in too_much
    client.post(
        url,
        {
            "criterion": ["Lập luận", "Kết luận"],
            "criterion_points": ["0,5", "0,25"],
            "points": "",
            "comment": "Thiếu kết luận",
        },
    )
    answer.refresh_from_db()
    assert answer.manual_score == Decimal("0.75")
    assert answer.rubric_scores == {"Lập luận": "0.5", "Kết luận": "0.25"}
    assert answer.comment == "Thiếu kết luận"
    attempt.refresh_from_db()
    assert attempt.needs_manual is False
    event = AuditEvent.objects.get(action="assessment.answer.grade")
    assert event.actor == world.a.teacher
    by_student = client.get(
        f"/assessment/assignments/{assignment.pk}/grading/?order=student&pending=1"
    ).content.decode()
    assert "Không có bài cần chấm." in by_student


def test_teacher_review_of_short_text_overrides_the_match(world, maths, login) -> None:
    subject, _topic = maths
    test = services.create_test(
        world.a.teacher, title="Điền từ", subject=subject, grade=10, school=world.a.school
    )
    text = ItemContent(type=ItemType.SHORT_TEXT, stem_html="<p>Thủ đô?</p>", key=["Hà Nội"])
    services.add_item(world.a.teacher, test.parts.first(), make_item(text, subject=subject))
    assignment = _assign(world, test)
    attempt = _take(world.a.student, assignment, {"short_text": "Thành phố Hà Nội"})
    assert attempt.score == Decimal("0")
    client = login(world.a.teacher)
    answer = Answer.objects.get(attempt=attempt)
    page = client.get(f"/assessment/assignments/{assignment.pk}/grading/").content.decode()
    assert "Thành phố Hà Nội" in page
    assert world.a.student.full_name in page
    client.post(
        f"/assessment/assignments/{assignment.pk}/answers/{answer.pk}/grade/", {"points": "0,25"}
    )
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.25")


def test_regrade_from_the_page_shows_before_and_after(world, built, login) -> None:
    test, items = built
    assignment = _assign(world, test)
    attempt = _take(world.a.student, assignment)
    mc = items[0]
    wrong = mc.item_version
    # The corrected key (B) is a new version of the same question.
    fixed = ItemVersion.objects.create(
        item=wrong.item,
        number=2,
        type=wrong.type,
        content=single_choice("B").to_json(),
        content_hash="corrected",
    )
    client = login(world.a.teacher)
    url = f"/assessment/tests/{test.pk}/items/{mc.pk}/correct/"
    # A version of another question is refused.
    other = make_item(single_choice("A"), subject=test.subject)
    bad = client.post(url, {"version": other.pk}).content.decode()
    assert "Hãy chọn một phiên bản của câu hỏi này." in bad
    response = client.post(url, {"version": fixed.pk})
    assert response.status_code == 302
    regrade = Regrade.objects.get()
    assert (regrade.attempt, regrade.before, regrade.after) == (
        attempt,
        Decimal("0.25"),
        Decimal("0"),
    )
    page = client.get(url).content.decode()
    assert "0.25 → 0" in page
    attempt.refresh_from_db()
    assert f"{regrade.total_before.normalize()} → {attempt.score.normalize()}" in page


# --- Results -------------------------------------------------------------------------------


def test_results_page_histogram_stats_and_exports(world, built, login) -> None:
    test, _items = built
    assignment = _assign(world, test)
    _take(world.a.student, assignment)
    client = login(world.a.teacher)
    page = client.get(f"/assessment/assignments/{assignment.pk}/results/").content.decode()
    assert "<svg" in page
    assert 'class="chart-bar"' in page
    assert world.a.student.full_name in page
    # MC 0.25 + T/F 3 of 4 → 0.5 + short answer 0.5 = 1.25 of 2.75 (essay pending).
    assert '<td class="num">1,25</td>' in page
    assert "style=" not in page.split("<main", 1)[1]
    assert "<script>" not in page
    xlsx = client.get(f"/assessment/assignments/{assignment.pk}/results.xlsx")
    assert xlsx.content[:2] == b"PK"
    items_page = client.get(f"/assessment/assignments/{assignment.pk}/items/").content.decode()
    assert 'data-testid="item-analysis"' in items_page
    assert "<svg" in items_page
    response = client.post(f"/assessment/assignments/{assignment.pk}/items/publish/")
    assert response.status_code == 302


def test_student_result_page_follows_the_policy(world, built, login) -> None:
    test, _items = built
    assignment = _assign(world, test, result_policy="after_close")
    attempt = _take(world.a.student, assignment)
    client = login(world.a.student)
    url = f"/assessment/attempts/{attempt.pk}/result/"
    html = client.get(url).content.decode()
    assert 'data-testid="result-hidden"' in html
    assert "1.25" not in html
    assert "-1,5" not in html
    assert SECRET_SOLUTION not in html
    assignment.result_policy = "immediately"
    assignment.save()
    html = client.get(url).content.decode()
    assert 'data-testid="result-score"' in html
    assert SECRET_SOLUTION not in html
    assert "Đáp án" not in html
    assignment.show_correct_answers = True
    assignment.save()
    html = client.get(url).content.decode()
    assert SECRET_SOLUTION in html
    assert "aĐ bS cĐ dS" in html
    assert login(world.b.student).get(url).status_code == 404
    assert login(world.a.teacher).get(url).status_code == 404


# --- Query counts on the hot teacher pages -------------------------------------------------


def _grow(world, test, n):
    part = test.parts.first()
    for _ in range(n):
        services.add_item(
            world.a.teacher, part, make_item(single_choice("A"), subject=test.subject)
        )


@pytest.mark.parametrize(
    "page",
    ["test", "blueprint", "versions", "grading", "results", "items"],
)
def test_hot_pages_use_a_fixed_number_of_queries(
    world, built, login, django_assert_max_num_queries, page
) -> None:
    test, _items = built
    _grow(world, test, 3)
    services.make_versions(world.a.teacher, test, count=4, seed=1)
    assignment = _assign(world, test)
    _take(world.a.student, assignment)
    urls = {
        "test": f"/assessment/tests/{test.pk}/",
        "blueprint": f"/assessment/tests/{test.pk}/blueprint/",
        "versions": f"/assessment/tests/{test.pk}/versions/",
        "grading": f"/assessment/assignments/{assignment.pk}/grading/",
        "results": f"/assessment/assignments/{assignment.pk}/results/",
        "items": f"/assessment/assignments/{assignment.pk}/items/",
    }
    client = login(world.a.teacher)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(urls[page]).status_code == 200
    # Ten more items, more students' attempts: the page costs no more queries.
    _grow(world, test, 10)
    services.make_versions(world.a.teacher, test, count=12, seed=1)
    for _ in range(3):
        student = factories.StudentFactory.create()
        factories.EnrolmentFactory.create(school_class=world.a.school_class, student=student)
        _take(student, assignment)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(urls[page]).status_code == 200
    assert len(small.captured_queries) <= 25
