"""The Wagtail admin edits every material type and shows version history with compare."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from content.lessonplan import LessonPlanData
from content.models import DocumentPage, ELecturePage, LessonPlanPage, PackagePage
from content.services import create_lesson_plan
from tests import factories

from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(content_world: ContentWorld, login):
    user = factories.UserFactory(username="quantri", is_superuser=True, is_staff=True)
    return login(user)


@pytest.mark.parametrize("model", [LessonPlanPage, ELecturePage, PackagePage, DocumentPage])
def test_add_form_renders(content_world: ContentWorld, admin_client_, model) -> None:
    ct = ContentType.objects.get_for_model(model)
    url = f"/cms/pages/add/content/{ct.model}/{content_world.library_a.pk}/"
    response = admin_client_.get(url)
    assert response.status_code == 200


def test_history_compare_shows_the_change(content_world: ContentWorld, admin_client_) -> None:
    w = content_world.world
    page = create_lesson_plan(
        content_world.library_a,
        LessonPlanData(title="Bản 1"),
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )
    first = page.latest_revision
    page.title = "Bản 2"
    second = page.save_revision(user=w.a.teacher)
    edit = admin_client_.get(f"/cms/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    compare = admin_client_.get(f"/cms/pages/{page.pk}/revisions/compare/{first.pk}...{second.pk}/")
    assert compare.status_code == 200
    body = " ".join(compare.content.decode().split())
    assert 'Bản <span class="deletion">1</span><span class="addition">2</span>' in body
