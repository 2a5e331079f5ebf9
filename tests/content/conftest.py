"""A content world: libraries under the Wagtail root, a subject and its heads."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from wagtail.models import Collection, Locale, Page

from content.models import LibraryPage
from content.services import create_library
from core.models import Role, Subject, User
from tests import factories
from tests.conftest import World


@dataclass
class ContentWorld:
    world: World
    maths: Subject
    physics: Subject
    library_a: LibraryPage
    department_library: LibraryPage
    maths_head_a: User
    physics_head_a: User
    maths_head_b: User


@pytest.fixture
def content_world(world: World) -> ContentWorld:
    # Wagtail's migrations create the locale and both roots; a --no-migrations run does not.
    Locale.objects.get_or_create(language_code="vi")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    physics = factories.SubjectFactory(code="LY", name="Vật lí")
    library_a = create_library(root, title="Thư viện Lê Lợi", school=world.a.school)
    department_library = create_library(root, title="Kho học liệu của Sở")

    def head(school, subject) -> User:
        user = factories.UserFactory()
        factories.MembershipFactory(user=user, organisation=school, role=Role.TEACHER)
        factories.MembershipFactory(
            user=user, organisation=school, role=Role.SUBJECT_HEAD, subject=subject
        )
        return user

    return ContentWorld(
        world=world,
        maths=maths,
        physics=physics,
        library_a=library_a,
        department_library=department_library,
        maths_head_a=head(world.a.school, maths),
        physics_head_a=head(world.a.school, physics),
        maths_head_b=head(world.b.school, maths),
    )
