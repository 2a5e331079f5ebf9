"""“Use in my class”: the LMS page adds a visible published item to one of the teacher's modules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lms import services as lms_services
from lms.models import Activity, Course

from .browsing import Items, build
from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def items(content_world: ContentWorld) -> Items:
    return build(content_world)


def course_of(sw):
    klass = sw.school_class
    subject = klass.teaching_assignments.get().subject
    course = lms_services.create_course(
        sw.teacher,
        kind=Course.Kind.CLASS,
        title=f"{subject.name} {klass.name}",
        school_class=klass,
        subject=subject,
    )
    return lms_services.add_module(sw.teacher, course, title="Chương 1. Hàm số")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_teacher_adds_item_to_their_module(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    module = course_of(w.a)
    client = client_for(w.a.teacher)
    url = reverse("lms:use_content", args=[items.package.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{module.pk}"' in page.content.decode()
    response = client.post(url, {"module": str(module.pk), "title": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("lms:course_edit", args=[module.course_id])
    activity = Activity.objects.get(module=module)
    assert (activity.kind, activity.ref_id, activity.title, activity.rule) == (
        Activity.Kind.CONTENT,
        str(items.package.pk),
        "Golf cơ bản",
        Activity.Rule.VIEWED,
    )


def test_cannot_add_to_someone_elses_module(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    other_module = course_of(w.b)
    client = client_for(w.a.teacher)
    url = reverse("lms:use_content", args=[items.department_plan.pk])
    assert f'value="{other_module.pk}"' not in client.get(url).content.decode()
    assert client.post(url, {"module": str(other_module.pk)}).status_code == 404
    response = client.post(url, {"module": ""})
    assert response.status_code == 302
    assert response["Location"] == url
    assert not Activity.objects.exists()


def test_hidden_items_cannot_be_used(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    module = course_of(w.a)
    url = reverse("lms:use_content", args=[items.other_school_plan.pk])
    client = client_for(w.a.teacher)
    assert client.get(url).status_code == 404
    assert client.post(url, {"module": str(module.pk)}).status_code == 404
    assert not Activity.objects.exists()


def test_student_has_no_module_to_pick(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    module = course_of(w.a)
    client = client_for(w.a.student)
    url = reverse("lms:use_content", args=[items.plan.pk])
    assert "Bạn chưa có khoá học nào" in client.get(url).content.decode()
    assert client.post(url, {"module": str(module.pk)}).status_code == 404
    assert not Activity.objects.exists()
