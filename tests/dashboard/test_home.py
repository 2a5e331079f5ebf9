"""The home page shows each role what it works with, and nothing from other schools."""

from __future__ import annotations

import pytest

from core.models import Role
from tests import factories


def _home(client) -> tuple[dict, str]:
    response = client.get("/")
    assert response.status_code == 200
    return response.context, response.content.decode()


@pytest.mark.django_db
def test_teacher_sees_homeroom_and_taught_classes_with_student_counts(world, login):
    a = world.a
    physics = factories.SubjectFactory(code="LY", name="Vật lí")
    factories.TeachingAssignmentFactory(
        school_class=a.school_class, teacher=a.teacher, subject=physics
    )
    factories.EnrolmentFactory(school_class=a.school_class)  # a second student

    context, html = _home(login(a.teacher))

    assert [c.name for c in context["homeroom_classes"]] == ["10A1"]
    assert context["homeroom_classes"][0].student_count == 2
    taught = context["teaching"]
    assert [(t.school_class.name, t.subjects, t.student_count) for t in taught] == [
        ("10A1", ["Toán", "Vật lí"], 2)
    ]
    assert context["teaching_students"] == 2
    assert "admin_schools" not in context
    assert "my_classes" not in context
    assert '<h2 id="teaching-h">Lớp tôi dạy</h2>' in html
    assert "Toán, Vật lí" in html
    assert "10B1" not in html


@pytest.mark.django_db
def test_student_sees_their_class_and_upcoming_work(world, login):
    context, html = _home(login(world.a.student))

    assert [e.school_class.name for e in context["my_classes"]] == ["10A1"]
    assert context["my_classes"][0].student_count == 1
    assert context["upcoming"] == []
    assert "teaching" not in context
    assert "Việc sắp tới" in html
    assert "Chưa có bài tập hay bài kiểm tra nào sắp đến hạn." in html
    assert f"GVCN: {world.a.teacher.full_name}" in html


@pytest.mark.django_db
def test_school_admin_sees_only_their_school_with_counts_and_roster_import(world, login):
    context, html = _home(login(world.a.admin))

    schools = context["admin_schools"]
    assert [(s.name, s.class_count, s.student_count, s.can_import) for s in schools] == [
        ("Trường THPT Lê Lợi", 1, 1, True)
    ]
    assert context["totals"] == {"schools": 1, "classes": 1, "students": 1, "teachers": 1}
    assert context["department_view"] is False
    assert f'href="/schools/{world.a.school.pk}/roster/"' in html
    assert "Trường THPT Trần Phú" not in html
    assert 'data-testid="department-summary"' not in html


@pytest.mark.django_db
def test_department_admin_sees_every_school_and_the_department_summary(world, login):
    primary = factories.SchoolFactory(name="Trường Tiểu học Kim Đồng", level="primary")
    factories.SchoolClassFactory(school=primary, name="1A", grade=1)

    context, html = _home(login(world.department_admin))

    names = [s.name for s in context["admin_schools"]]
    assert names == ["Trường THPT Lê Lợi", "Trường THPT Trần Phú", "Trường Tiểu học Kim Đồng"]
    assert context["totals"] == {"schools": 3, "classes": 3, "students": 2, "teachers": 2}
    assert context["department_view"] is True
    assert [(r.level, r.schools, r.classes, r.students) for r in context["level_summary"]] == [
        ("primary", 1, 1, 0),
        ("upper_secondary", 2, 2, 2),
    ]
    assert 'data-testid="department-summary"' in html
    assert [o.pk for o in context["managed_orgs"]] == [world.department.pk]


@pytest.mark.django_db
def test_exam_coordinator_sees_schools_but_cannot_import_rosters(world, login):
    coordinator = factories.UserFactory()
    factories.MembershipFactory(
        user=coordinator, organisation=world.department, role=Role.EXAM_COORDINATOR
    )
    context, html = _home(login(coordinator))

    assert len(context["admin_schools"]) == 2
    assert [s.can_import for s in context["admin_schools"]] == [False, False]
    assert "/roster/" not in html


@pytest.mark.django_db
def test_person_without_a_role_is_told_to_ask_their_school(db, login):
    context, html = _home(login(factories.UserFactory()))
    assert context["role_labels"] == []
    assert "Tài khoản của bạn chưa được gán vai trò nào." in html


@pytest.mark.django_db
def test_page_is_keyboard_and_screen_reader_friendly(world, login):
    _context, html = _home(login(world.a.teacher))
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main" tabindex="-1">' in html
    assert 'aria-live="polite"' in html
    assert '<label for="lang-select" class="visually-hidden">Ngôn ngữ</label>' in html
    assert 'aria-controls="main-nav" aria-expanded="false"' in html
    # No inline behaviour: scripts come only from our bundle.
    assert " onchange=" not in html
    assert " onclick=" not in html
    assert html.count("<script") == 1
    assert '<script src="/static/app.js" defer></script>' in html


@pytest.mark.django_db
def test_another_schools_class_is_a_friendly_404(world, login):
    response = login(world.b.teacher).get(f"/classes/{world.a.school_class.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<h1 id="error-h">Không tìm thấy trang</h1>' in html
    assert world.a.school_class.name not in html
