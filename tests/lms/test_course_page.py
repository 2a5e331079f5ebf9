"""The PD course page (the peak-load page): few queries, cached body, never stale, never leaked."""

from __future__ import annotations

from django.urls import reverse

from lms import services
from lms.models import Activity, Course
from tests.conftest import World

K, R = Activity.Kind, Activity.Rule


def test_enrolled_teacher_page_costs_five_queries_and_is_cached(
    world: World, login, pd_course: Course, django_assert_max_num_queries
) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    first = Activity.objects.get(title="Bài 1.1")
    services.record_view(teacher, first)
    client = login(teacher)
    url = reverse("lms:course", args=[pd_course.pk])
    client.get(url)  # warm the cache
    # session, user, enrolment with course, role check, completed activities
    with django_assert_max_num_queries(5):
        page = client.get(url).content.decode()
    assert "Bài 2.3" in page
    assert "17%" in page
    assert page.count("✓") == 1
    assert "Soạn khoá học" not in page


def test_with_production_sessions_the_page_costs_four_queries(
    world: World, login, pd_course: Course, settings, django_assert_num_queries
) -> None:
    """Sessions read from the cache (production's cached_db): no session query is left."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    client = login(teacher)
    url = reverse("lms:course", args=[pd_course.pk])
    client.get(url)  # warm the cache and the session's second-factor note
    # user, enrolment with course, role check, completed activities
    with django_assert_num_queries(4):
        assert "Bài 2.3" in client.get(url).content.decode()


def test_page_follows_changes_at_once(world: World, login, pd_course: Course) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    client = login(teacher)
    url = reverse("lms:course", args=[pd_course.pk])
    assert "Bài mới" not in client.get(url).content.decode()
    module = pd_course.modules.first()
    services.add_activity(
        world.department_admin, module, kind=K.CONTENT, title="Bài mới", rule=R.VIEWED
    )
    assert "Bài mới" in client.get(url).content.decode()
    services.record_view(teacher, Activity.objects.get(title="Bài mới"))
    page = client.get(url).content.decode()
    assert page.count("✓") == 1
    assert "14%" in page
    # Another teacher with nothing done sees their own (empty) progress, not the cached one.
    services.enrol_self(world.b.teacher, pd_course)
    assert "✓" not in login(world.b.teacher).get(url).content.decode()


def test_not_enrolled_is_404_and_the_author_sees_the_editor_link(
    world: World, login, pd_course: Course
) -> None:
    url = reverse("lms:course", args=[pd_course.pk])
    assert login(world.a.student).get(url).status_code == 404
    assert login(world.a.teacher).get(url).status_code == 404
    page = login(world.department_admin).get(url).content.decode()
    assert "Soạn khoá học" in page
