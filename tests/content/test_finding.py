"""Search with facets (accents ignored), "use in my class" through content.api, provenance files."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from content import api
from content.lessonplan import LessonPlanData
from content.services import (
    approve_content,
    create_lesson_plan,
    create_library,
    create_package_page,
    import_package,
    submit_for_review,
)
from tests.fixtures import fixture_path

from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


def published_plan(cw: ContentWorld, title: str, subject=None, grade: int = 10):
    w = cw.world
    page = create_lesson_plan(
        cw.library_a,
        LessonPlanData(title=title),
        author=w.a.teacher,
        subject=subject or cw.maths,
        grade=grade,
        topic="Hàm số",
        school=w.a.school,
    )
    submit_for_review(page, user=w.a.teacher)
    head = cw.maths_head_a if (subject or cw.maths) == cw.maths else cw.physics_head_a
    approve_content(page, user=head)
    return page


def counts(result, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[facet]}


def test_search_ignores_diacritics_and_counts_facets(content_world: ContentWorld) -> None:
    teacher = content_world.world.a.teacher
    a = published_plan(content_world, "Đồ thị hàm số bậc hai")
    b = published_plan(content_world, "Chuyển động thẳng đều", subject=content_world.physics)
    create_lesson_plan(  # a draft is never found
        content_world.library_a,
        LessonPlanData(title="Đồ thị nháp"),
        author=teacher,
        subject=content_world.maths,
        grade=10,
        school=content_world.world.a.school,
    )
    result = api.search(teacher, "do thi")
    assert [p.pk for p in result.items] == [a.pk]
    assert result.total == 1
    everything = api.search(teacher, "")
    assert {p.pk for p in everything.items} == {a.pk, b.pk}
    assert counts(everything, "subject") == {"TOAN": 1, "LY": 1}
    assert counts(everything, "type") == {"lessonplan": 2}
    assert counts(everything, "licence") == {"CC-BY-4.0": 2}
    maths = api.search(teacher, "", subject="TOAN")
    assert [p.pk for p in maths.items] == [a.pk]
    # The subject facet still counts the other subject when one is picked.
    assert counts(maths, "subject") == {"TOAN": 1, "LY": 1}
    assert [v.value for v in maths.facets["subject"] if v.selected] == ["TOAN"]
    assert api.search(teacher, "ĐỒ THỊ").total == 1


def test_search_only_finds_what_the_person_may_see(content_world: ContentWorld) -> None:
    w = content_world.world
    in_a = published_plan(content_world, "Đồ thị hàm số bậc hai")
    library_b = create_library(
        content_world.library_a.get_parent(), title="Thư viện trường B", school=w.b.school
    )
    in_b = create_lesson_plan(
        library_b,
        LessonPlanData(title="Đồ thị hàm số bậc ba"),
        author=w.b.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.b.school,
    )
    submit_for_review(in_b, user=w.b.teacher)
    approve_content(in_b, user=content_world.maths_head_b)
    assert {p.pk for p in api.search(w.a.teacher, "do thi").items} == {in_a.pk}
    assert {p.pk for p in api.search(w.b.teacher, "do thi").items} == {in_b.pk}
    assert counts(api.search(w.a.teacher, ""), "school") == {w.a.school.code: 1}
    assert api.search(AnonymousUser(), "do thi").total == 0


def test_use_in_my_class(content_world: ContentWorld) -> None:
    w = content_world.world
    page = published_plan(content_world, "Hàm số bậc hai")
    use = api.use_in_class(page, w.a.school_class, user=w.a.teacher)
    assert api.use_in_class(page, w.a.school_class, user=w.a.teacher).pk == use.pk
    assert [p.pk for p in api.items_for_class(w.a.school_class)] == [page.pk]
    with pytest.raises(PermissionDenied):
        api.use_in_class(page, w.a.school_class, user=w.b.teacher)
    draft = create_lesson_plan(
        content_world.library_a,
        LessonPlanData(title="Nháp"),
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )
    with pytest.raises(ValidationError):
        api.use_in_class(draft, w.a.school_class, user=w.a.teacher)


def test_item_files_for_signing(content_world: ContentWorld) -> None:
    w = content_world.world
    _, package = import_package(fixture_path("h5p/greeting-card.h5p"))
    assert package is not None
    page = create_package_page(
        content_world.library_a,
        package,
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )
    files = list(api.iter_item_files(page))
    assert [f.path for f in files] == [
        "item.json",
        "package/H5P.GreetingCard-1.0/README.md",
        "package/H5P.GreetingCard-1.0/greetingcard.css",
        "package/H5P.GreetingCard-1.0/greetingcard.js",
        "package/H5P.GreetingCard-1.0/language/fr.json",
        "package/H5P.GreetingCard-1.0/language/nb.json",
        "package/H5P.GreetingCard-1.0/library.json",
        "package/H5P.GreetingCard-1.0/semantics.json",
        "package/content/content.json",
        "package/h5p.json",
    ]
    for file in files:
        with file.open() as handle:
            data = handle.read()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (file.size, file.sha256)
    # The item's own record is stable: the same bytes on every call.
    assert next(api.iter_item_files(page)).sha256 == files[0].sha256
