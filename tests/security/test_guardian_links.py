"""School admins link parents' accounts to their students: search, link, list, unlink, each
change audited; another school's students, links and pages stay out of reach (404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent, Guardianship, User
from tests import factories
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent() -> User:
    return factories.UserFactory(username="phuhuynh01", full_name="Lê Thị Hoa")


def _page(world: World) -> str:
    return reverse("school_guardians", args=[world.a.school.pk])


def test_admin_finds_links_lists_and_unlinks(world: World, parent: User, login) -> None:
    client = login(world.a.admin)
    student = world.a.student
    search = client.get(_page(world), {"q": student.full_name.split()[-1].lower()})
    assert search.status_code == 200
    assert f'value="{student.pk}"' in search.content.decode()
    by_code = client.get(_page(world), {"q": student.username[:6]})
    assert f'value="{student.pk}"' in by_code.content.decode()
    # Another school's student is never offered.
    other = client.get(_page(world), {"q": world.b.student.username})
    assert f'value="{world.b.student.pk}"' not in other.content.decode()

    response = client.post(_page(world), {"child": student.pk, "guardian": "phuhuynh01"})
    assert response.status_code == 302
    link = Guardianship.objects.get(guardian=parent, child=student)
    assert AuditEvent.objects.filter(action="guardian.link", actor=world.a.admin).exists()
    listing = client.get(_page(world)).content.decode()
    assert "Lê Thị Hoa" in listing
    assert student.full_name in listing

    # The parent can now see who viewed the child's data.
    assert login(parent).get(reverse("person_view_log", args=[student.pk])).status_code == 200

    unlink = client.post(
        reverse("school_guardian_unlink", args=[world.a.school.pk]), {"link": link.pk}
    )
    assert unlink.status_code == 302
    assert not Guardianship.objects.exists()
    event = AuditEvent.objects.get(action="guardian.unlink")
    assert event.actor == world.a.admin
    assert event.before["child"] == student.pk


def test_bad_input_stores_nothing_and_says_why(world: World, parent: User, login) -> None:
    client = login(world.a.admin)
    response = client.post(
        _page(world), {"child": world.a.student.pk, "guardian": "khong-co-ai"}, follow=True
    )
    assert "khong-co-ai" in response.content.decode()
    response = client.post(_page(world), {"guardian": "phuhuynh01"}, follow=True)
    assert "Hãy chọn một học sinh của trường" in response.content.decode()
    client.post(_page(world), {"child": world.a.student.pk, "guardian": world.a.student.username})
    assert not Guardianship.objects.exists()


def test_other_schools_are_out_of_reach(world: World, parent: User, login) -> None:
    client = login(world.a.admin)
    # Another school's student through this school's page: not linked.
    client.post(_page(world), {"child": world.b.student.pk, "guardian": "phuhuynh01"})
    assert not Guardianship.objects.exists()
    # Another school's page: 404.
    other_page = reverse("school_guardians", args=[world.b.school.pk])
    assert client.get(other_page).status_code == 404
    assert (
        client.post(other_page, {"child": world.b.student.pk, "guardian": "phuhuynh01"}).status_code
        == 404
    )
    assert not Guardianship.objects.exists()
    # Another school's link cannot be removed from here, nor from its own page.
    link = Guardianship.objects.create(guardian=parent, child=world.b.student)
    client.post(reverse("school_guardian_unlink", args=[world.a.school.pk]), {"link": link.pk})
    response = client.post(
        reverse("school_guardian_unlink", args=[world.b.school.pk]), {"link": link.pk}
    )
    assert response.status_code == 404
    assert Guardianship.objects.filter(pk=link.pk).exists()
    # Teachers and students of the school are refused.
    for user in (world.a.teacher, world.a.student):
        assert login(user).get(_page(world)).status_code == 404
    # The department admin reaches every school below it.
    assert login(world.department_admin).get(other_page).status_code == 200
