"""Browser flow: a student prepares a flipped lesson, the teacher's report shows it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.server import Server, manage

pytestmark = pytest.mark.e2e

SETUP = """
import datetime as dt, json
from django.utils import timezone
from core.models import TeachingAssignment, User
from lms import services
from lms.models import Activity, Course
K, R, P = Activity.Kind, Activity.Rule, Activity.Phase
teacher = User.objects.get(username="giaovien")
ta = (
    TeachingAssignment.objects.filter(teacher=teacher, school_class__name="10A1")
    .select_related("school_class", "subject").first()
)
klass = ta.school_class
student = klass.enrolments.order_by("student__name_key").first().student
course = services.create_course(
    teacher, kind=Course.Kind.CLASS, title="Toán 10A1", school_class=klass, subject=ta.subject
)
starts = timezone.now() + dt.timedelta(days=1)
lesson = services.create_flipped_lesson(
    teacher, course, title="Hàm số bậc hai", class_starts_at=starts
)
module = services.add_module(teacher, course, title="Chương 3")
services.add_activity(
    teacher, module, kind=K.CONTENT, title="Video: đồ thị parabol", rule=R.VIEWED,
    lesson=lesson, phase=P.BEFORE, body="Xem video trước giờ học.",
)
quiz = services.add_activity(
    teacher, module, kind=K.QUIZ, title="Câu hỏi chuẩn bị", rule=R.SUBMITTED,
    lesson=lesson, phase=P.BEFORE, due_at=starts,
)
services.add_quiz_question(
    teacher, quiz, prompt="Đỉnh của y = x² là?", options=["(0;0)", "(1;1)"], correct=0
)
services.add_quiz_question(
    teacher, quiz, prompt="a > 0 thì parabol…", options=["quay xuống", "quay lên"], correct=1
)
services.add_activity(
    teacher, module, kind=K.ASSIGNMENT, title="Luyện tập sau giờ học", rule=R.SUBMITTED,
    lesson=lesson, phase=P.AFTER,
)
info = {"lesson": lesson.pk, "student": student.username, "name": student.full_name}
info["course"] = course.pk
info["size"] = klass.enrolments.count()
print(json.dumps(info))
"""


@pytest.fixture(scope="module")
def flipped_server(db_templates: Any) -> Any:
    db = db_templates.copy("lms-flipped", demo=True)
    info = json.loads(manage(db, "shell", "-c", SETUP).strip().splitlines()[-1])
    server = Server(db).start()
    yield server, info
    server.stop()


def test_student_prepares_and_teacher_sees_it(flipped_server: Any, browser: Any) -> None:
    server, info = flipped_server
    lesson_url = f"{server.url}/lms/lessons/{info['lesson']}/"

    student = browser.new_context(locale="vi-VN").new_page()
    login(student, server.url, info["student"])
    student.goto(lesson_url)
    assert student.get_by_role("heading", level=1).inner_text() == "Hàm số bậc hai"
    assert "Chưa làm" in student.locator("[data-testid=before-1]").inner_text()
    student.get_by_role("link", name="Video: đồ thị parabol").click()
    student.get_by_test_id("mark-viewed").click()
    student.wait_for_url(lesson_url)
    assert "Đã xong" in student.locator("[data-testid=before-1]").inner_text()
    student.get_by_role("link", name="Câu hỏi chuẩn bị").click()
    student.get_by_label("(0;0)").check()
    student.get_by_label("quay xuống").check()  # wrong on purpose
    student.get_by_role("button", name="Nộp câu trả lời").click()
    student.wait_for_url(lesson_url)
    assert "Điểm 5,0" in student.locator("[data-testid=before-2]").inner_text()
    student.context.close()

    teacher = browser.new_context(locale="vi-VN").new_page()
    login(teacher, server.url, "giaovien")
    teacher.goto(lesson_url)
    teacher.get_by_role("link", name="Ai đã chuẩn bị?").click()
    summary = teacher.get_by_test_id("prepared-summary").inner_text()
    assert summary.startswith(f"1/{info['size']} học sinh đã chuẩn bị")
    row = teacher.locator(f"tr[data-student='{info['name']}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[0].startswith("✓")
    assert cells[1:] == ["5,0", "Có"]
    missed = teacher.get_by_test_id("most-missed").locator("li").all_inner_texts()
    assert missed[0].startswith("Câu 2: a > 0 thì parabol… — 1/1 sai (100%)")
    assert "quay xuống" in missed[0]
    teacher.context.close()


def test_teacher_reorders_modules_and_edits_an_activity(flipped_server: Any, browser: Any) -> None:
    server, info = flipped_server
    editor_url = f"{server.url}/lms/courses/{info['course']}/edit/"
    teacher = browser.new_context(locale="vi-VN").new_page()
    login(teacher, server.url, "giaovien")
    teacher.goto(editor_url)
    add = teacher.get_by_test_id("module-add")
    add.get_by_label("Tên chương").fill("Chương 4")
    add.get_by_role("button", name="Thêm chương").click()
    headings = teacher.locator("#course-modules section.module h2")
    expect(headings).to_have_text(["Chương 3", "Chương 4"])
    # ↑ swaps the list of modules in place (HTMX): the page is not reloaded.
    teacher.evaluate("window.notReloaded = true")
    teacher.locator("section.module", has_text="Chương 4").get_by_test_id("module-up").click()
    expect(headings).to_have_text(["Chương 4", "Chương 3"])
    assert teacher.evaluate("window.notReloaded") is True

    row = teacher.locator("li[data-activity]", has_text="Luyện tập sau giờ học")
    row.get_by_test_id("activity-edit").click()
    form = teacher.get_by_test_id("activity-edit-form")
    form.get_by_label("Tên hoạt động").fill("Luyện tập: vẽ parabol")
    form.get_by_role("button", name="Lưu thay đổi").click()
    teacher.wait_for_url(editor_url)
    assert "Đã lưu hoạt động “Luyện tập: vẽ parabol”." in teacher.content()
    teacher.goto(f"{server.url}/lms/lessons/{info['lesson']}/")
    assert "Luyện tập: vẽ parabol" in teacher.locator("main").inner_text()
    teacher.context.close()
