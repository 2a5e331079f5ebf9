"""Teacher authoring (pages and JSON API), reordering, flipped setup and the grade-book feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assignment, Attempt
from assessment.models import Test as PaperTest
from core.models import AuditEvent
from lms import services, structure
from lms.models import Activity, Course, GradeBook, GradeCell, Module
from tests.conftest import World

K, R = Activity.Kind, Activity.Rule


def _subject(world: World):
    return world.a.school_class.teaching_assignments.get().subject


@pytest.fixture
def module(world: World, course: Course) -> Module:
    return services.add_module(world.a.teacher, course, title="Chương 1")


def test_teacher_creates_a_course_from_the_roster_on_the_page(world: World, login) -> None:
    client = login(world.a.teacher)
    page = client.get(reverse("lms:course_new"))
    assert page.status_code == 200
    assert "10A1" in page.content.decode()
    pair = f"{world.a.school_class.pk}:{_subject(world).pk}"
    response = client.post(reverse("lms:course_new"), {"pair": pair, "title": "Hình học"})
    course = Course.objects.get(title="Hình học")
    assert response.url == reverse("lms:course_edit", args=[course.pk])
    assert list(course.enrolments.values_list("user_id", flat=True)) == [world.a.student.pk]
    # Another school's teacher cannot make a course of this class: 404, nothing stored.
    other = login(world.b.teacher)
    assert other.post(reverse("lms:course_new"), {"pair": pair, "title": "X"}).status_code == 404
    assert not Course.objects.filter(title="X").exists()


def test_editor_adds_modules_and_activities_of_each_kind(
    world: World, login, course: Course, semesters
) -> None:
    client = login(world.a.teacher)
    client.post(reverse("lms:module_add", args=[course.pk]), {"title": "Chương 1"})
    module = course.modules.get()
    add = reverse("lms:activity_add", args=[course.pk])
    base = {"module": module.pk}
    client.post(
        add,
        {
            **base,
            "kind": "assignment",
            "title": "Bài tập 1",
            "rule": "graded",
            "due_at": "2026-12-01T07:30",
            "rubric": "Nội dung | 6\nTrình bày | 4",
            "resubmission": "on",
            "grade_column": "tx1",
            "grade_semester": semesters[0].pk,
        },
    )
    client.post(add, {**base, "kind": "discussion", "title": "Hỏi đáp", "rule": "submitted"})
    client.post(
        add,
        {
            **base,
            "kind": "live",
            "title": "Học trực tuyến",
            "rule": "viewed",
            "live_url": "https://meet.example.org/x",
            "starts_at": "2026-12-02T19:00",
        },
    )
    assignment = Activity.objects.get(title="Bài tập 1")
    assert assignment.rubric == [
        {"criterion": "Nội dung", "max": "6"},
        {"criterion": "Trình bày", "max": "4"},
    ]
    assert (assignment.grade_column, assignment.grade_semester_id) == ("tx1", semesters[0].pk)
    assert assignment.due_at == timezone.make_aware(dt.datetime(2026, 12, 1, 7, 30))
    assert [a.title for a in module.activities.order_by("position")] == [
        "Bài tập 1",
        "Hỏi đáp",
        "Học trực tuyến",
    ]
    # A live session without its link is refused with a message, nothing stored.
    response = client.post(
        add, {**base, "kind": "live", "title": "Thiếu link", "rule": "viewed"}, follow=True
    )
    assert "Buổi học trực tuyến cần đường dẫn" in response.content.decode()
    assert not Activity.objects.filter(title="Thiếu link").exists()
    page = client.get(reverse("lms:course_edit", args=[course.pk])).content.decode()
    assert 'x-data="lmsActivityForm"' in page
    assert "<script" not in page.split("</head>")[1]
    assert " style=" not in page
    assert "onclick" not in page


def test_student_and_other_school_cannot_open_the_editor(
    world: World, login, course: Course
) -> None:
    url = reverse("lms:course_edit", args=[course.pk])
    assert login(world.a.student).get(url).status_code == 404
    assert login(world.b.teacher).get(url).status_code == 404
    assert login(world.a.teacher).get(url).status_code == 200


def test_content_must_come_from_the_repository_and_tests_from_the_class(
    world: World, module: Module
) -> None:
    with pytest.raises(ValidationError, match="kho học liệu"):
        services.add_activity(
            world.a.teacher, module, kind=K.CONTENT, title="Video", rule=R.VIEWED, ref_id="999999"
        )
    with pytest.raises(ValidationError, match="không có trong hệ thống khảo thí"):
        services.add_activity(
            world.a.teacher, module, kind=K.TEST, title="KT", rule=R.PASSED, ref_id="999999"
        )
    other_class_test = Assignment.objects.create(
        test=PaperTest.objects.create(title="Đề lớp khác"),
        school_class=world.b.school_class,
        opens=timezone.now(),
        closes=timezone.now() + dt.timedelta(hours=1),
        time_limit_minutes=15,
    )
    with pytest.raises(ValidationError, match="không được giao cho lớp này"):
        services.add_activity(
            world.a.teacher,
            module,
            kind=K.TEST,
            title="KT",
            rule=R.PASSED,
            ref_id=str(other_class_test.pk),
        )


def test_reorder_by_htmx_returns_the_list_and_bumps_the_outline(
    world: World, login, course: Course, module: Module
) -> None:
    a, b, c = (
        services.add_activity(world.a.teacher, module, kind=K.CONTENT, title=t, rule=R.VIEWED)
        for t in ("A", "B", "C")
    )
    course.refresh_from_db()
    assert [x.title for x in structure.outline(course).modules[0].activities] == ["A", "B", "C"]
    client = login(world.a.teacher)
    response = client.post(reverse("lms:activity_move", args=[c.pk, "up"]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<ol" in html
    assert "<html" not in html
    assert html.index(">C<") < html.index(">B<")
    course.refresh_from_db()
    assert [x.title for x in structure.outline(course).modules[0].activities] == ["A", "C", "B"]
    assert AuditEvent.objects.filter(action="activity.reorder").count() == 1
    # The API takes a full order; a partial list is refused.
    api = reverse("api:order_activities", args=[module.pk])
    bad = client.put(api, {"activity_ids": [a.pk]}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.put(api, {"activity_ids": [b.pk, a.pk, c.pk]}, content_type="application/json")
    assert [x["title"] for x in ok.json()] == ["B", "A", "C"]
    assert (
        login(world.b.teacher)
        .put(api, {"activity_ids": [a.pk, b.pk, c.pk]}, content_type="application/json")
        .status_code
        == 404
    )


def test_flipped_setup_before_class_due_by_the_period(
    world: World, course: Course, module: Module
) -> None:
    starts = timezone.now() + dt.timedelta(days=2)
    lesson = services.create_flipped_lesson(
        world.a.teacher, course, title="Hàm số bậc hai", class_starts_at=starts
    )
    video = services.add_activity(
        world.a.teacher,
        module,
        kind=K.CONTENT,
        title="Video",
        rule=R.VIEWED,
        lesson=lesson,
        phase="before",
    )
    assert video.due_at == starts
    with pytest.raises(ValidationError, match="trước giờ lên lớp"):
        services.add_activity(
            world.a.teacher,
            module,
            kind=K.QUIZ,
            title="Quiz",
            rule=R.SUBMITTED,
            lesson=lesson,
            phase="before",
            due_at=starts + dt.timedelta(minutes=1),
        )
    practice = services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Luyện tập",
        rule=R.SUBMITTED,
        lesson=lesson,
        phase="after",
    )
    assert practice.available_from == starts


def test_api_creates_course_module_lesson_and_activity(world: World, login, semesters) -> None:
    client = login(world.a.teacher)
    made = client.post(
        reverse("api:create_course"),
        {
            "school_class_id": world.a.school_class.pk,
            "subject_id": _subject(world).pk,
            "title": "Toán API",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    course_id = made.json()["id"]
    module = client.post(
        reverse("api:create_module", args=[course_id]),
        {"title": "Chương 1"},
        content_type="application/json",
    ).json()
    lesson = client.post(
        reverse("api:create_lesson", args=[course_id]),
        {"title": "Bài 1", "class_starts_at": "2026-12-05T07:00:00+07:00"},
        content_type="application/json",
    ).json()
    activity = client.post(
        reverse("api:create_activity", args=[module["id"]]),
        {
            "kind": "quiz",
            "title": "Câu hỏi chuẩn bị",
            "rule": "submitted",
            "lesson_id": lesson["id"],
            "phase": "before",
        },
        content_type="application/json",
    )
    assert activity.status_code == 201, activity.content
    assert activity.json()["due_at"].startswith("2026-12-05T00:00:00")
    outline = client.get(reverse("api:course_outline", args=[course_id])).json()
    assert outline[0]["activities"][0]["title"] == "Câu hỏi chuẩn bị"
    # A lesson id of another course is "not found", never attached.
    other = services.create_course(
        world.b.teacher,
        kind=Course.Kind.CLASS,
        title="Khác",
        school_class=world.b.school_class,
        subject=world.b.school_class.teaching_assignments.get().subject,
    )
    foreign = services.create_flipped_lesson(
        world.b.teacher, other, title="L", class_starts_at=timezone.now()
    )
    refused = client.post(
        reverse("api:create_activity", args=[module["id"]]),
        {
            "kind": "quiz",
            "title": "Q",
            "rule": "submitted",
            "lesson_id": foreign.pk,
            "phase": "before",
        },
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert (
        login(world.a.student)
        .post(
            reverse("api:create_module", args=[course_id]),
            {"title": "x"},
            content_type="application/json",
        )
        .status_code
        == 404
    )


# --- Grade-book feed ------------------------------------------------------------------------


def _graded_assignment(world: World, module: Module, semester) -> Activity:
    return services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Bài tập",
        rule=R.GRADED,
        rubric=[{"criterion": "Nội dung", "max": 6}, {"criterion": "Trình bày", "max": 4}],
        grade_column="tx2",
        grade_semester=semester,
    )


def test_graded_assignment_feeds_its_column_with_one_decimal(
    world: World, module: Module, semesters
) -> None:
    activity = _graded_assignment(world, module, semesters[0])
    sub = services.submit_assignment(world.a.student, activity, text="Bài làm")
    services.grade_submission(world.a.teacher, sub, points=["4,25", "3,5"], feedback="Tốt")
    cell = GradeCell.objects.get(student=world.a.student, column="tx2")
    assert cell.score == Decimal("7.8")  # 7.75 → 7.8 half up
    assert (cell.source, cell.source_ref) == ("assignment", f"submission:{sub.pk}")
    assert AuditEvent.objects.filter(action="grade.set").exists()
    # A value typed by the teacher is kept: a later grade does not overwrite it.
    services.set_grade(world.a.teacher, cell.book, student=world.a.student, column="tx2", value="9")
    sub2 = services.submit_assignment(world.a.student, activity, text="Nộp lại")
    services.grade_submission(world.a.teacher, sub2, points=["6", "4"])
    assert GradeCell.objects.get(pk=cell.pk).score == Decimal("9.0")


def test_locked_book_refuses_the_feed_and_grading_rolls_back(
    world: World, module: Module, semesters
) -> None:
    activity = _graded_assignment(world, module, semesters[0])
    sub = services.submit_assignment(world.a.student, activity, text="Bài làm")
    book = services.open_grade_book(
        world.a.teacher,
        school_class=world.a.school_class,
        subject=_subject(world),
        semester=semesters[0],
    )
    GradeBook.objects.filter(pk=book.pk).update(status=GradeBook.Status.LOCKED)
    with pytest.raises(ValidationError, match="khoá"):
        services.grade_submission(world.a.teacher, sub, points=["5", "3"])
    sub.refresh_from_db()
    assert sub.score is None
    assert sub.graded_at is None
    assert not GradeCell.objects.filter(book=book).exists()


def test_released_online_test_results_flow_into_progress_and_the_book(
    world: World, login, module: Module, semesters
) -> None:
    now = timezone.now()
    given = Assignment.objects.create(
        test=PaperTest.objects.create(title="Kiểm tra 15 phút"),
        school_class=world.a.school_class,
        opens=now - dt.timedelta(hours=2),
        closes=now - dt.timedelta(hours=1),
        time_limit_minutes=15,
    )
    layout = [{"position": 1, "item_version": 1, "points": "4"}]
    Attempt.objects.create(
        assignment=given,
        student=world.a.student,
        deadline=now - dt.timedelta(hours=1),
        submitted=now - dt.timedelta(hours=1),
        state=Attempt.State.SUBMITTED,
        layout=layout,
        score=Decimal("3.1"),
    )
    activity = services.add_activity(
        world.a.teacher,
        module,
        kind=K.TEST,
        title="Kiểm tra 15 phút",
        rule=R.SCORE,
        pass_score="5",
        ref_id=str(given.pk),
        grade_column="tx1",
        grade_semester=semesters[0],
    )
    response = login(world.a.teacher).post(reverse("api:import_results", args=[activity.pk]))
    assert response.json() == {"results": 1}
    cell = GradeCell.objects.get(student=world.a.student, column="tx1")
    assert cell.score == Decimal("7.8")  # 3.1 / 4 · 10 = 7.75 → 7.8
    assert cell.source == "test"
    progress = activity.progress.get(user=world.a.student)
    assert progress.score == Decimal("7.8")
    assert progress.completed_at is not None
    # Running it again changes nothing (idempotent).
    assert services.import_test_results(world.a.teacher, activity) == 1
    assert GradeCell.objects.filter(student=world.a.student).count() == 1
    assert (
        login(world.b.teacher).post(reverse("api:import_results", args=[activity.pk])).status_code
        == 404
    )


def test_grading_page_scores_with_the_rubric_and_feeds_the_book(
    world: World, login, module: Module, semesters
) -> None:
    activity = _graded_assignment(world, module, semesters[0])
    sub = services.submit_assignment(world.a.student, activity, text="Bài làm của em")
    url = reverse("lms:submissions", args=[activity.pk])
    assert login(world.a.student).get(url).status_code == 404
    assert login(world.b.teacher).get(url).status_code == 404
    client = login(world.a.teacher)
    page = client.get(url).content.decode()
    assert "Bài làm của em" in page
    assert "Nội dung (≤ 6)" in page
    response = client.post(
        url, {"submission": sub.pk, "p0": "7", "p1": "4", "feedback": "x"}, follow=True
    )
    assert "Tiêu chí 1 (Nội dung): điểm từ 0 đến 6." in response.content.decode()
    assert not GradeCell.objects.exists()
    client.post(url, {"submission": sub.pk, "p0": "5,5", "p1": "4", "feedback": "Tốt"})
    assert GradeCell.objects.get(column="tx2").score == Decimal("9.5")
    assert client.post(url, {"submission": "abc"}).status_code == 404
