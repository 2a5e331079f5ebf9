"""Editing, removing and moving activities, reordering modules: same rules as adding, the
outline version bumps with every change, and graded work survives a removal."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assignment
from assessment.models import Test as PaperTest
from core.models import AuditEvent
from lms import progress, services, structure
from lms.models import Activity, Course, GradeCell, Module, Submission
from tests.conftest import World

K, R = Activity.Kind, Activity.Rule


@pytest.fixture
def modules(world: World, course: Course) -> tuple[Module, Module]:
    return (
        services.add_module(world.a.teacher, course, title="Chương 1"),
        services.add_module(world.a.teacher, course, title="Chương 2"),
    )


def _content(world: World, module: Module, title: str, **extra) -> Activity:
    return services.add_activity(
        world.a.teacher, module, kind=K.CONTENT, title=title, rule=R.VIEWED, **extra
    )


def _version(course: Course) -> int:
    return Course.objects.get(pk=course.pk).outline_version


def _form(activity: Activity, **changes) -> dict:
    data = {
        "module": activity.module_id,
        "kind": activity.kind,
        "title": activity.title,
        "rule": activity.rule,
        "body": activity.body,
        "ref_id": activity.ref_id,
    }
    data.update(changes)
    return data


def test_teacher_edits_an_activity_on_the_page(world: World, login, modules) -> None:
    video = _content(world, modules[0], "Video")
    course = modules[0].course
    url = reverse("lms:activity_edit", args=[video.pk])
    assert login(world.a.student).get(url).status_code == 404
    assert login(world.b.teacher).get(url).status_code == 404
    assert login(world.b.teacher).post(url, _form(video, title="X")).status_code == 404
    client = login(world.a.teacher)
    page = client.get(url).content.decode()
    assert 'value="Video"' in page
    before = _version(course)
    response = client.post(url, _form(video, title="Video bài giảng", body="Xem kĩ"))
    assert response.url == reverse("lms:course_edit", args=[course.pk])
    video.refresh_from_db()
    assert (video.title, video.body) == ("Video bài giảng", "Xem kĩ")
    assert _version(course) == before + 1
    event = AuditEvent.objects.get(action="activity.update")
    assert (event.before["title"], event.after["title"]) == ("Video", "Video bài giảng")
    # A bad edit says where and stores nothing.
    bad = client.post(url, _form(video, title="Mới", available_from="ngày mai"), follow=True)
    assert "Mở từ: thời gian “ngày mai” không hợp lệ." in bad.content.decode()
    video.refresh_from_db()
    assert video.title == "Video bài giảng"
    assert _version(course) == before + 1


def test_edit_keeps_the_rules_of_adding(world: World, modules, semesters) -> None:
    module = modules[0]
    video = _content(world, module, "Video")
    teacher = world.a.teacher
    with pytest.raises(ValidationError, match="kho học liệu"):
        services.update_activity(
            teacher, video, kind=K.CONTENT, title="Video", rule=R.VIEWED, ref_id="999999"
        )
    other_class_test = Assignment.objects.create(
        test=PaperTest.objects.create(title="Đề lớp khác"),
        school_class=world.b.school_class,
        opens=timezone.now(),
        closes=timezone.now() + dt.timedelta(hours=1),
        time_limit_minutes=15,
    )
    with pytest.raises(ValidationError, match="không được giao cho lớp này"):
        services.update_activity(
            teacher, video, kind=K.TEST, title="KT", rule=R.PASSED, ref_id=str(other_class_test.pk)
        )
    with pytest.raises(ValidationError, match="Chỉ bài tập và bài kiểm tra"):
        services.update_activity(
            teacher,
            video,
            kind=K.CONTENT,
            title="Video",
            rule=R.VIEWED,
            grade_column="tx1",
            grade_semester=semesters[0],
        )
    # Once a learner has worked on it, its kind stays.
    services.record_view(world.a.student, video)
    with pytest.raises(ValidationError, match="không đổi được loại"):
        services.update_activity(teacher, video, kind=K.DISCUSSION, title="Hỏi", rule=R.VIEWED)
    video.refresh_from_db()
    assert (video.kind, video.ref_id, video.grade_column) == (K.CONTENT, "", "")
    # Neither itself nor a cycle through another activity can be a prerequisite.
    quiz = _content(world, module, "Bài đọc", prerequisites=[video])
    with pytest.raises(ValidationError, match="chính nó"):
        services.update_activity(
            teacher, video, kind=K.CONTENT, title="Video", rule=R.VIEWED, prerequisites=[quiz]
        )
    assert list(video.prerequisites.all()) == []


def test_flipped_rules_apply_on_edit(world: World, course: Course, modules) -> None:
    starts = timezone.now() + dt.timedelta(days=2)
    lesson = services.create_flipped_lesson(
        world.a.teacher, course, title="Hàm số bậc hai", class_starts_at=starts
    )
    video = _content(world, modules[0], "Video", lesson=lesson, phase=Activity.Phase.BEFORE)
    with pytest.raises(ValidationError, match="trước giờ lên lớp"):
        services.update_activity(
            world.a.teacher,
            video,
            kind=K.CONTENT,
            title="Video",
            rule=R.VIEWED,
            lesson=lesson,
            phase=Activity.Phase.BEFORE,
            due_at=starts + dt.timedelta(hours=1),
        )
    # Switched to "after class": it opens at the class period unless told otherwise.
    edited = services.update_activity(
        world.a.teacher,
        video,
        kind=K.CONTENT,
        title="Luyện tập",
        rule=R.VIEWED,
        lesson=lesson,
        phase=Activity.Phase.AFTER,
        due_at=None,
    )
    assert edited.available_from == starts
    assert edited.due_at is None
    with pytest.raises(ValidationError, match="cần cả bài học và giai đoạn"):
        services.update_activity(
            world.a.teacher, video, kind=K.CONTENT, title="X", rule=R.VIEWED, lesson=lesson
        )


def test_move_to_another_module_by_api(world: World, login, modules) -> None:
    first, second = modules
    a, b, c = (_content(world, first, t) for t in ("A", "B", "C"))
    d = _content(world, second, "D")
    course = first.course
    before = _version(course)
    url = reverse("api:update_activity", args=[b.pk])
    body = {"kind": "content", "title": "B", "rule": "viewed", "module_id": second.pk}
    client = login(world.a.teacher)
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["module_id"] == second.pk
    assert [(x.title, x.position) for x in first.activities.order_by("position")] == [
        ("A", 1),
        ("C", 2),
    ]
    assert [(x.title, x.position) for x in second.activities.order_by("position")] == [
        ("D", 1),
        ("B", 2),
    ]
    assert _version(course) == before + 1
    tree = structure.outline(Course.objects.get(pk=course.pk))
    assert [[x.title for x in m.activities] for m in tree.modules] == [["A", "C"], ["D", "B"]]
    # A module of another course is not found; another school's teacher finds nothing.
    other = services.create_course(
        world.b.teacher,
        kind=Course.Kind.CLASS,
        title="Khác",
        school_class=world.b.school_class,
        subject=world.b.school_class.teaching_assignments.get().subject,
    )
    foreign = services.add_module(world.b.teacher, other, title="Chương X")
    moved = client.put(url, {**body, "module_id": foreign.pk}, content_type="application/json")
    assert moved.status_code == 404
    assert login(world.b.teacher).put(url, body, content_type="application/json").status_code == 404
    assert {a.pk, c.pk, d.pk} <= set(Activity.objects.values_list("pk", flat=True))
    # The same validation as adding, as a located 422.
    bad = client.put(url, {**body, "rule": "graded"}, content_type="application/json")
    assert bad.status_code == 422
    assert "Học liệu" in bad.content.decode() or "content" in bad.content.decode()


def test_removing_without_work_deletes(world: World, login, modules) -> None:
    a, b = _content(world, modules[0], "A"), _content(world, modules[0], "B")
    c = _content(world, modules[0], "C", prerequisites=[a])
    course = modules[0].course
    before = _version(course)
    response = login(world.a.teacher).delete(reverse("api:remove_activity", args=[a.pk]))
    assert response.json() == {"outcome": "deleted"}
    assert not Activity.all_objects.filter(pk=a.pk).exists()
    assert [(x.title, x.position) for x in modules[0].activities.order_by("position")] == [
        ("B", 1),
        ("C", 2),
    ]
    assert list(c.prerequisites.all()) == []
    assert _version(course) == before + 1
    assert AuditEvent.objects.filter(action="activity.delete").count() == 1
    assert (
        login(world.b.teacher).delete(reverse("api:remove_activity", args=[b.pk])).status_code
        == 404
    )
    assert (
        login(world.a.student).post(reverse("lms:activity_delete", args=[b.pk])).status_code == 404
    )
    assert Activity.objects.filter(pk=b.pk).exists()


def test_removing_graded_work_archives_and_keeps_grades(
    world: World, login, modules, semesters
) -> None:
    module = modules[0]
    task, sub = _graded_assignment(world, module, semesters)
    student = world.a.student
    course = module.course
    assert progress.course_percent(student, course) == 100
    client = login(world.a.teacher)
    edit = client.get(reverse("lms:activity_edit", args=[task.pk])).content.decode()
    assert "sẽ được lưu trữ" in edit
    response = client.post(reverse("lms:activity_delete", args=[task.pk]), follow=True)
    assert "Đã lưu trữ hoạt động “Bài tập về nhà số 1”" in response.content.decode()
    archived = Activity.all_objects.get(pk=task.pk)
    assert archived.archived_at is not None
    assert not Activity.objects.filter(pk=task.pk).exists()
    # The graded work and the grade-book cell it fed are kept.
    assert Submission.objects.get(pk=sub.pk).score == Decimal("8.0")
    assert GradeCell.objects.get(student=student, column="tx2").score == Decimal("8.0")
    assert AuditEvent.objects.filter(action="activity.archive").count() == 1
    # Gone from the course: outline, learner page, editor, completion.
    course.refresh_from_db()
    assert [x.title for x in structure.outline(course).modules[0].activities] == ["Video"]
    assert progress.course_percent(student, course) == 100
    learner = login(student)
    page = learner.get(reverse("lms:course", args=[course.pk])).content.decode()
    assert "Bài tập về nhà số 1" not in page
    assert "100%" in page
    assert learner.get(reverse("lms:activity", args=[task.pk])).status_code == 404
    editor = client.get(reverse("lms:course_edit", args=[course.pk])).content.decode()
    # Only in the "Đã lưu trữ" list, where it can be restored.
    course_part, _sep, archived_part = editor.partition('data-testid="archived-activities"')
    assert "Bài tập về nhà số 1" not in course_part
    assert "Bài tập về nhà số 1" in archived_part
    # Removing it again finds nothing.
    assert client.post(reverse("lms:activity_delete", args=[task.pk])).status_code == 404


def test_reorder_modules_by_htmx_and_api(world: World, login, course: Course, modules) -> None:
    first, second = modules
    third = services.add_module(world.a.teacher, course, title="Chương 3")
    client = login(world.a.teacher)
    before = _version(course)
    response = client.post(
        reverse("lms:module_move", args=[third.pk, "up"]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="course-modules"' in html
    assert "<html" not in html
    assert html.index("Chương 3") < html.index("Chương 2")
    assert _version(course) == before + 1
    course.refresh_from_db()
    assert [m.title for m in structure.outline(course).modules] == [
        "Chương 1",
        "Chương 3",
        "Chương 2",
    ]
    # Without scripts the page reloads; at the top nothing moves.
    plain = client.post(reverse("lms:module_move", args=[first.pk, "up"]))
    assert plain.url == reverse("lms:course_edit", args=[course.pk])
    assert [m.pk for m in course.modules.all()] == [first.pk, third.pk, second.pk]
    api = reverse("api:order_modules", args=[course.pk])
    bad = client.put(api, {"module_ids": [first.pk]}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.put(
        api, {"module_ids": [second.pk, first.pk, third.pk]}, content_type="application/json"
    )
    assert [m["title"] for m in ok.json()] == ["Chương 2", "Chương 1", "Chương 3"]
    assert AuditEvent.objects.filter(action="module.reorder").count() == 3
    other = login(world.b.teacher)
    assert (
        other.put(api, {"module_ids": [first.pk]}, content_type="application/json").status_code
        == 404
    )
    assert other.post(reverse("lms:module_move", args=[first.pk, "down"])).status_code == 404
    assert (
        login(world.a.student).post(reverse("lms:module_move", args=[first.pk, "down"])).status_code
        == 404
    )


def _graded_assignment(
    world: World, module: Module, semesters, *, reading: bool = False
) -> tuple[Activity, Submission]:
    """Video, graded assignment (and a reading); the student viewed the video and the
    assignment was graded 8 (grade-book column tx2)."""
    video = _content(world, module, "Video")
    task = services.add_activity(
        world.a.teacher,
        module,
        kind=K.ASSIGNMENT,
        title="Bài tập về nhà số 1",
        rule=R.GRADED,
        grade_column="tx2",
        grade_semester=semesters[0],
    )
    if reading:
        _content(world, module, "Bài đọc")
    student = world.a.student
    services.record_view(student, video)
    sub = services.submit_assignment(student, task, text="Bài làm")
    services.grade_submission(world.a.teacher, sub, points=["8"])
    return task, sub


def _archived_assignment(world: World, module: Module, semesters) -> tuple[Activity, Submission]:
    """_graded_assignment with a reading, then the teacher removed the assignment (archived)."""
    task, sub = _graded_assignment(world, module, semesters, reading=True)
    student = world.a.student
    assert progress.course_percent(student, module.course) == 67
    assert services.remove_activity(world.a.teacher, task) == "archived"
    assert progress.course_percent(student, module.course) == 50
    return task, sub


def test_restoring_an_archived_activity_from_the_editor(
    world: World, login, modules, semesters
) -> None:
    module = modules[0]
    course = module.course
    task, sub = _archived_assignment(world, module, semesters)
    student = world.a.student
    outline_before = structure.outline(Course.objects.get(pk=course.pk))  # cached
    assert [x.title for x in outline_before.modules[0].activities] == ["Video", "Bài đọc"]
    version = _version(course)
    client = login(world.a.teacher)
    url = reverse("lms:activity_restore", args=[task.pk])
    editor = client.get(reverse("lms:course_edit", args=[course.pk])).content.decode()
    assert "Đã lưu trữ" in editor
    assert f'action="{url}"' in editor
    # Another school's teacher and a learner do not find it; nothing changes.
    assert login(world.b.teacher).post(url).status_code == 404
    assert login(student).post(url).status_code == 404
    assert Activity.all_objects.get(pk=task.pk).archived_at is not None

    response = client.post(url, follow=True)
    assert "Đã khôi phục hoạt động “Bài tập về nhà số 1” vào cuối chương “Chương 1”" in (
        response.content.decode()
    )
    # Back at the end of its module, in the cached outline too (the version moved on).
    restored = Activity.objects.get(pk=task.pk)
    assert (restored.archived_at, restored.position) == (None, 3)
    assert _version(course) == version + 1
    tree = structure.outline(Course.objects.get(pk=course.pk))
    assert [x.title for x in tree.modules[0].activities] == [
        "Video",
        "Bài đọc",
        "Bài tập về nhà số 1",
    ]
    # Completion counts it again, with the learner's graded work and the grade-book cell kept.
    assert progress.course_percent(student, course) == 67
    assert Submission.objects.get(pk=sub.pk).score == Decimal("8.0")
    assert GradeCell.objects.get(student=student, column="tx2").score == Decimal("8.0")
    learner = login(student)
    assert (
        "Bài tập về nhà số 1"
        in learner.get(reverse("lms:course", args=[course.pk])).content.decode()
    )
    assert learner.get(reverse("lms:activity", args=[task.pk])).status_code == 200
    editor = client.get(reverse("lms:course_edit", args=[course.pk])).content.decode()
    assert 'data-testid="archived-activities"' not in editor
    event = AuditEvent.objects.get(action="activity.restore")
    assert event.actor_id == world.a.teacher.pk
    assert (event.before["id"], event.before["archived_at"] is not None) == (task.pk, True)
    assert (event.after["archived_at"], event.after["outcome"]) == (None, "restored")
    # Restoring it again is refused with a clear message and changes nothing.
    again = client.post(url, follow=True).content.decode()
    assert "không nằm trong mục đã lưu trữ" in again
    assert AuditEvent.objects.filter(action="activity.restore").count() == 1
    assert _version(course) == version + 1


def test_restoring_by_api(world: World, login, modules, semesters) -> None:
    module = modules[0]
    task, _sub = _archived_assignment(world, module, semesters)
    url = reverse("api:restore_activity", args=[task.pk])
    assert login(world.b.teacher).post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.restore_activity(world.b.teacher, Activity.all_objects.get(pk=task.pk))
    assert not AuditEvent.objects.filter(action="activity.restore").exists()
    client = login(world.a.teacher)
    response = client.post(url)
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["position"]) == (task.pk, 3)
    assert progress.course_percent(world.a.student, module.course) == 67
    # An activity that is not archived: a 422 that says so.
    live = module.activities.get(title="Video")
    refused = client.post(reverse("api:restore_activity", args=[live.pk]))
    assert refused.status_code == 422
    assert "không nằm trong mục đã lưu trữ" in refused.json()["detail"][0]
    with pytest.raises(ValidationError):
        services.restore_activity(world.a.teacher, live)
    assert Activity.objects.get(pk=live.pk).position == 1
    assert AuditEvent.objects.filter(action="activity.restore").count() == 1


def test_course_page_queries_do_not_grow_with_archived_activities(
    world: World, login, django_assert_max_num_queries
) -> None:
    course = services.create_course(
        world.department_admin,
        kind=Course.Kind.PD,
        title="Bồi dưỡng",
        organisation=world.department,
        pd_periods=5,
        self_enrol=True,
    )
    module = services.add_module(world.department_admin, course, title="Mô-đun 1")
    kept, gone = (
        services.add_activity(
            world.department_admin, module, kind=K.CONTENT, title=t, rule=R.VIEWED
        )
        for t in ("Bài giữ", "Bài bỏ")
    )
    teacher = world.a.teacher
    services.enrol_self(teacher, course)
    services.record_view(teacher, gone)
    assert services.remove_activity(world.department_admin, gone) == "archived"
    client = login(teacher)
    url = reverse("lms:course", args=[course.pk])
    client.get(url)  # warm the cache
    with django_assert_max_num_queries(5):
        page = client.get(url).content.decode()
    assert "Bài giữ" in page
    assert "Bài bỏ" not in page
    assert re.search(r"\b0%", page)
    services.record_view(teacher, kept)
    assert "100%" in client.get(url).content.decode()
