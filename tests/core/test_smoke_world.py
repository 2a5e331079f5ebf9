import pytest

from core import permissions


@pytest.mark.django_db
def test_world_fixture_gives_each_teacher_only_their_school(world):
    visible = set(permissions.visible_classes(world.a.teacher))
    assert world.a.school_class in visible
    assert world.b.school_class not in visible
