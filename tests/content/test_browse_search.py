"""The repository search page and JSON endpoint: accents, exact facet counts, who sees what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from content.browse import browse, clean_filters

from .browsing import Items, build, plan, publish
from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def items(content_world: ContentWorld) -> Items:
    return build(content_world)


def ids(result) -> set[int]:
    return {p.pk for p in result.items}


def counts(result, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[facet]}


def test_search_with_and_without_diacritics(content_world: ContentWorld, items: Items) -> None:
    teacher = content_world.world.a.teacher
    expected = {items.plan.pk, items.department_plan.pk}
    for q in ("do thi ham so", "Đồ thị hàm số", "ĐỒ THỊ HÀM SỐ", "đo thi ham sô"):
        assert ids(browse(teacher, q, clean_filters({}))) == expected, q
    assert ids(browse(teacher, "do thi ham so bac hai", clean_filters({}))) == {items.plan.pk}
    assert browse(teacher, "hinh hoc khong gian", clean_filters({})).total == 0


def test_facet_counts_are_exact(content_world: ContentWorld, items: Items) -> None:
    cw = content_world
    result = browse(cw.world.a.teacher, "", clean_filters({}))
    # School B's library is not counted for a school A teacher.
    assert result.total == 6
    assert counts(result, "subject") == {"TOAN": 5, "LY": 1}
    assert counts(result, "grade") == {"10": 4, "11": 1, "12": 1}
    assert counts(result, "topic") == {"Hàm số": 3, "Động học": 1}
    assert counts(result, "type") == {"lessonplan": 3, "electure": 1, "document": 1, "scorm12": 1}
    assert counts(result, "licence") == {
        "CC-BY-4.0": 3,
        "CC0-1.0": 1,
        "CC-BY-SA-4.0": 1,
        "all-rights-reserved": 1,
    }
    assert counts(result, "school") == {cw.world.a.school.code: 6}
    maths = browse(cw.world.a.teacher, "", clean_filters({"subject": "TOAN", "grade": "10"}))
    assert ids(maths) == {items.plan.pk, items.plan_cc0.pk, items.doc.pk, items.package.pk}
    # A facet is counted with the other filters only: grade 12 stays offered beside grade 10,
    # and physics (grade 11 only) drops out of the subject facet.
    assert counts(maths, "subject") == {"TOAN": 4}
    assert counts(maths, "grade") == {"10": 4, "12": 1}
    assert [v.value for v in maths.facets["subject"] if v.selected] == ["TOAN"]
    packages = browse(cw.world.a.teacher, "", clean_filters({"type": "scorm12"}))
    assert ids(packages) == {items.package.pk}
    assert ids(browse(cw.world.a.teacher, "", clean_filters({"type": "h5p"}))) == set()
    assert ids(browse(cw.world.a.teacher, "", clean_filters({"grade": "x"}))) == set()


def test_visibility_across_schools(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    own_a = {
        items.plan.pk,
        items.plan_cc0.pk,
        items.lecture.pk,
        items.doc.pk,
        items.package.pk,
        items.department_plan.pk,
    }
    for user in (w.a.teacher, w.a.student, w.a.admin):
        assert ids(browse(user, "", clean_filters({}))) == own_a
    # School B sees its own library and the department-wide one, never school A's.
    assert ids(browse(w.b.student, "", clean_filters({}))) == {
        items.department_plan.pk,
        items.other_school_plan.pk,
    }
    assert ids(browse(w.department_admin, "", clean_filters({}))) == own_a | {
        items.other_school_plan.pk
    }


def test_search_page_renders_results_and_facets(
    content_world: ContentWorld, items: Items, django_assert_max_num_queries
) -> None:
    client = Client()
    client.force_login(content_world.world.a.teacher)
    url = reverse("content:browse")
    client.get(url)  # warm per-process caches (content types)
    with django_assert_max_num_queries(20):
        response = client.get(url, {"q": "do thi"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-id="{items.plan.pk}"' in html
    assert f'data-id="{items.department_plan.pk}"' in html
    assert f'data-id="{items.other_school_plan.pk}"' not in html
    assert 'data-testid="browse-total">2 ' in html
    assert "<script>" not in html
    assert "style=" not in html
    # More results cost no more queries (no query per item).
    for n in range(3):
        publish(
            plan(content_world, content_world.library_a, f"Đồ thị {n}"), content_world.maths_head_a
        )
    with django_assert_max_num_queries(20):
        more = client.get(url, {"q": "do thi"})
    assert more.content.decode().count('data-testid="browse-item"') == 5
    partial = client.get(url, {"q": "do thi", "type": "lessonplan"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert f'data-id="{items.plan.pk}"'.encode() in partial.content


def test_search_page_paginates(content_world: ContentWorld, items: Items, monkeypatch) -> None:
    monkeypatch.setattr("content.browse.PAGE_SIZE", 4)
    client = Client()
    client.force_login(content_world.world.a.teacher)
    first = client.get(reverse("content:browse"))
    second = client.get(reverse("content:browse"), {"page": "2"})
    seen = [
        html.count('data-testid="browse-item"')
        for html in (first.content.decode(), second.content.decode())
    ]
    assert seen == [4, 2]
    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(items: Items) -> None:
    response = Client().get(reverse("content:browse"))
    assert response.status_code == 302
    assert Client().get("/api/v1/content/search").status_code == 401


def test_json_endpoint_returns_the_same_results(content_world: ContentWorld, items: Items) -> None:
    w = content_world.world
    client = Client()
    client.force_login(w.b.teacher)
    body = client.get("/api/v1/content/search", {"q": "DO THI"}).json()
    assert body["total"] == 2
    assert {i["id"] for i in body["items"]} == {
        items.department_plan.pk,
        items.other_school_plan.pk,
    }
    assert {v["value"]: v["count"] for v in body["facets"]["school"]} == {
        w.a.school.code: 1,
        w.b.school.code: 1,
    }
    first = next(i for i in body["items"] if i["id"] == items.department_plan.pk)
    assert first["type"] == "lessonplan"
    assert first["url"] == reverse("content:item", args=[items.department_plan.pk])
    filtered = client.get("/api/v1/content/search", {"school": w.b.school.code}).json()
    assert [i["id"] for i in filtered["items"]] == [items.other_school_plan.pk]
    # Naming school A finds only its items in the department-wide library, not its own library.
    client.force_login(w.b.student)
    hidden = client.get("/api/v1/content/search", {"school": w.a.school.code}).json()
    assert [i["id"] for i in hidden["items"]] == [items.department_plan.pk]
