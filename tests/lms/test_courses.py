"""Courses from the roster, availability, prerequisites and every completion rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from lms import progress, services
from lms.models import Activity, Course, CourseEnrolment, Statement
from tests import factories
from tests.conftest import World

R = Activity.Rule
K = Activity.Kind


def _done(user, activity: Activity) -> bool:
    return activity.progress.filter(user=user, completed_at__isnull=False).exists()


def test_class_course_enrols_the_roster_and_later_arrivals(world: World, course: Course) -> None:
    assert list(course.enrolments.values_list("user_id", "source")) == [
        (world.a.student.pk, CourseEnrolment.Source.ROSTER)
    ]
    newcomer = factories.StudentFactory()
    factories.EnrolmentFactory(school_class=world.a.school_class, student=newcomer)
    assert services.sync_roster(world.a.teacher, course) == 1
    assert services.sync_roster(world.a.teacher, course) == 0
    assert course.enrolments.count() == 2


def test_only_the_classes_teacher_creates_its_course(world: World) -> None:
    klass = world.a.school_class
    with pytest.raises(PermissionDenied):
        services.create_course(
            world.b.teacher,
            kind=Course.Kind.CLASS,
            title="x",
            school_class=klass,
            subject=klass.teaching_assignments.get().subject,
        )


def test_viewed_rule(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    video = services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title="Video", rule=R.VIEWED
    )
    assert not _done(world.a.student, video)
    services.record_view(world.a.student, video, seconds=120)
    assert _done(world.a.student, video)
    verbs = set(Statement.objects.filter(user=world.a.student).values_list("verb", flat=True))
    assert "http://adlnet.gov/expapi/verbs/experienced" in verbs
    assert "http://adlnet.gov/expapi/verbs/completed" in verbs


def test_package_score_rule_needs_completion_and_threshold(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    package = services.add_activity(
        world.a.teacher,
        module,
        kind=K.CONTENT,
        title="Gói e-learning",
        rule=R.SCORE,
        pass_score="7",
    )
    services.record_result(world.a.student, package, score="8", package_completed=False)
    assert not _done(world.a.student, package)  # score reached but package not finished
    services.record_result(world.a.student, package, score="6.9", package_completed=True)
    # best score (8) is kept and the package is now complete
    assert _done(world.a.student, package)


def test_package_below_threshold_is_not_complete(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    package = services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title="Gói", rule=R.SCORE, pass_score="7"
    )
    services.record_result(world.a.student, package, score="6.9", package_completed=True)
    assert not _done(world.a.student, package)


def test_score_rule_needs_a_threshold_and_rules_fit_kinds(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    with pytest.raises(ValidationError):
        services.add_activity(world.a.teacher, module, kind=K.CONTENT, title="Gói", rule=R.SCORE)
    with pytest.raises(ValidationError):
        services.add_activity(world.a.teacher, module, kind=K.CONTENT, title="Gói", rule=R.GRADED)


def test_test_passed_rule(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    test = services.add_activity(
        world.a.teacher,
        module,
        kind=K.TEST,
        title="Kiểm tra 15 phút",
        rule=R.PASSED,
        pass_score="5",
    )
    services.record_result(world.a.student, test, score="4.5")
    assert not _done(world.a.student, test)
    services.record_result(world.a.student, test, score="5.0")
    assert _done(world.a.student, test)


def test_assignment_submitted_and_graded_rules_with_resubmission(
    world: World, course: Course
) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    due = timezone.now() - dt.timedelta(hours=1)
    essay = services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Bài luận",
        rule=R.GRADED,
        due_at=due,
        rubric=[{"criterion": "Nội dung", "max": 6}, {"criterion": "Trình bày", "max": 4}],
    )
    draft = services.add_activity(
        world.a.teacher, module, kind=K.ASSIGNMENT, title="Dàn ý", rule=R.SUBMITTED
    )
    with pytest.raises(ValidationError):
        services.submit_assignment(world.a.student, draft, text="  ")
    services.submit_assignment(world.a.student, draft, text="Dàn ý")
    assert _done(world.a.student, draft)
    first = services.submit_assignment(world.a.student, essay, text="Lần 1")
    assert (first.attempt, first.late) == (1, True)
    assert not _done(world.a.student, essay)
    second = services.submit_assignment(world.a.student, essay, text="Lần 2")
    assert second.attempt == 2
    with pytest.raises(ValidationError) as info:
        services.grade_submission(world.a.teacher, second, points=["7", "3"])
    assert "Tiêu chí 1" in str(info.value)
    with pytest.raises(PermissionDenied):
        services.grade_submission(world.b.teacher, second, points=["5", "3"])
    world.a.student.email = "hs@example.vn"
    world.a.student.save()
    graded = services.grade_submission(world.a.teacher, second, points=["5,5", "3"], feedback="Tốt")
    assert graded.score == Decimal("8.5")
    assert _done(world.a.student, essay)
    # Both activities done → the course is complete
    enrolment = course.enrolments.get(user=world.a.student)
    assert enrolment.completed_at is not None
    assert AuditEvent.objects.filter(action="course.complete").count() == 1


def test_discussion_teacher_answer_and_submitted_rule(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Hỏi đáp")
    forum = services.add_activity(
        world.a.teacher, module, kind=K.DISCUSSION, title="Hỏi đáp", rule=R.SUBMITTED
    )
    question = services.post_message(world.a.student, forum, body="Vì sao Δ < 0 thì vô nghiệm?")
    assert _done(world.a.student, forum)
    answer = services.post_message(
        world.a.teacher, forum, body="Vì căn của số âm…", parent=question
    )
    assert answer.teacher_answer
    assert not question.teacher_answer
    reply = services.post_message(world.a.student, forum, body="Em hiểu rồi", parent=question)
    assert not reply.teacher_answer
    with pytest.raises(PermissionDenied):
        services.post_message(world.b.student, forum, body="?")


def test_live_session_attendance(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Trực tuyến")
    live = services.add_activity(
        world.a.teacher,
        module,
        kind=K.LIVE,
        title="Ôn tập",
        rule=R.VIEWED,
        live_url="https://meet.example.vn/on-tap",
        starts_at=timezone.now(),
    )
    services.attend_live(world.a.student, live)
    services.attend_live(world.a.student, live)
    assert live.attendance.count() == 1
    assert _done(world.a.student, live)


def test_availability_and_prerequisites(world: World, course: Course) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    intro = services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title="Giới thiệu", rule=R.VIEWED
    )
    later = services.add_activity(
        world.a.teacher,
        module,
        kind=K.CONTENT,
        title="Bài sau",
        rule=R.VIEWED,
        prerequisites=[intro],
    )
    future = services.add_activity(
        world.a.teacher,
        module,
        kind=K.CONTENT,
        title="Tuần sau",
        rule=R.VIEWED,
        available_from=timezone.now() + dt.timedelta(days=7),
    )
    closed = services.add_activity(
        world.a.teacher,
        module,
        kind=K.CONTENT,
        title="Đã đóng",
        rule=R.VIEWED,
        available_from=timezone.now() - dt.timedelta(days=7),
        available_until=timezone.now() - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as info:
        services.record_view(world.a.student, later)
    assert "Giới thiệu" in str(info.value)
    with pytest.raises(ValidationError):
        services.record_view(world.a.student, future)
    with pytest.raises(ValidationError):
        services.record_view(world.a.student, closed)
    services.record_view(world.a.student, intro)
    services.record_view(world.a.student, later)
    assert _done(world.a.student, later)
    assert progress.course_percent(world.a.student, course) == 50
    with pytest.raises(PermissionDenied):
        services.record_view(world.b.student, intro)


def test_results_released_notifies_in_app_and_by_email(
    world: World, course: Course, django_capture_on_commit_callbacks
) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    essay = services.add_activity(
        world.a.teacher, module, kind=K.ASSIGNMENT, title="Bài luận", rule=R.GRADED
    )
    world.a.student.email = "hs@example.vn"
    world.a.student.save()
    sub = services.submit_assignment(world.a.student, essay, text="bài")
    with django_capture_on_commit_callbacks(execute=True):
        services.grade_submission(world.a.teacher, sub, points=["9"])
    assert [m.to for m in mail.outbox] == [["hs@example.vn"]]
    assert "Bài luận" in mail.outbox[0].subject


def test_course_page_outline_is_cached_and_refreshed_on_change(
    world: World, course: Course, login, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    cache.clear()
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title="Video mở đầu", rule=R.VIEWED
    )
    student = login(world.a.student)
    assert "Video mở đầu" in student.get(f"/lms/courses/{course.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_activity(
            world.a.teacher, module, kind=K.CONTENT, title="Bài đọc thêm", rule=R.VIEWED
        )
    page = student.get(f"/lms/courses/{course.pk}/").content.decode()
    assert "Bài đọc thêm" in page
    assert login(world.b.student).get(f"/lms/courses/{course.pk}/").status_code == 404


def test_due_soon_and_test_opened_notices_go_out_once(
    world: World, course: Course, django_capture_on_commit_callbacks
) -> None:
    from lms.tasks import send_activity_notices

    module = services.add_module(world.a.teacher, course, title="Chương 1")
    services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Bài tập về nhà",
        rule=R.SUBMITTED,
        due_at=timezone.now() + dt.timedelta(hours=5),
    )
    services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Bài tập tuần sau",
        rule=R.SUBMITTED,
        due_at=timezone.now() + dt.timedelta(days=5),
    )
    services.add_activity(
        world.a.teacher,
        module,
        kind=K.TEST,
        title="Kiểm tra 15 phút",
        rule=R.PASSED,
        pass_score="5",
    )
    world.a.student.email = "hs@example.vn"
    world.a.student.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_activity_notices() == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "Bài kiểm tra đã mở: Kiểm tra 15 phút",
        "Sắp đến hạn nộp bài: Bài tập về nhà",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_activity_notices() == 0
    assert len(mail.outbox) == 2
