"""Diacritic-insensitive search with facets: runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest

from question_bank import services
from question_bank.interchange import ItemContent, ItemType
from question_bank.models import Item
from question_bank.search import search_items

from .conftest import single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(bank):
    def make(stem, subject, grade, level, tags=(), kind=None):
        content = single_choice(stem)
        if kind == "essay":
            content = ItemContent(type=ItemType.ESSAY, stem_html=f"<p>{stem}</p>")
        return services.create_item(
            bank.author,
            content,
            school=bank.school,
            subject=subject,
            grade=grade,
            level=level,
            tags=list(tags),
        )

    return {
        "quadratic": make("Giải phương trình bậc hai x² − 5x + 6 = 0", bank.maths, 10, "biet"),
        "graph": make("Đồ thị hàm số bậc hai là một đường parabol", bank.maths, 10, "hieu"),
        "quadratic12": make("Phương trình bậc hai có nghiệm kép khi nào?", bank.maths, 12, "hieu"),
        "physics": make("Động năng của vật khối lượng m", bank.physics, 10, "biet", ["động học"]),
        "essay": make(
            "Trình bày định luật Newton thứ hai", bank.physics, 10, "van_dung", kind="essay"
        ),
    }


def ids(result):
    return set(result.ids)


def test_diacritic_free_query_finds_vietnamese_text(items):
    found = search_items(Item.objects.all(), "phuong trinh bac hai")
    assert ids(found) == {items["quadratic"].pk, items["quadratic12"].pk}
    assert found.total == 2


def test_d_matches_dj_and_tags_are_searched(items):
    assert ids(search_items(Item.objects.all(), "do thi")) == {items["graph"].pk}
    assert ids(search_items(Item.objects.all(), "dong hoc")) == {items["physics"].pk}
    assert ids(search_items(Item.objects.all(), "ĐỘNG NĂNG")) == {items["physics"].pk}


def test_options_and_solution_are_searched(items):
    # every single-choice item of the fixture has the Vi-ét solution
    assert search_items(Item.objects.all(), "dinh li vi et").total == 4


def test_prefix_of_the_last_word_for_search_as_you_type(items):
    typing = search_items(Item.objects.all(), "nghiem ke", prefix=True)
    assert ids(typing) == {items["quadratic12"].pk}
    # only the last word is a prefix
    assert ids(search_items(Item.objects.all(), "nghie kep", prefix=True)) == set()


def test_a_finished_query_matches_whole_words_only(items, bank):
    wave = services.create_item(
        bank.author, single_choice("Sóng cơ truyền trên dây"), subject=bank.physics
    )
    assert ids(search_items(Item.objects.all(), "nghiem ke")) == set()
    assert ids(search_items(Item.objects.all(), "nghiem kep")) == {items["quadratic12"].pk}
    # "truy" is not a word of the item, only the beginning of "truyen" (truyền)
    assert ids(search_items(Item.objects.all(), "truy")) == set()
    assert ids(search_items(Item.objects.all(), "song truy", prefix=True)) == {wave.pk}
    # inside a word is never a match, typing or not
    assert ids(search_items(Item.objects.all(), "ong co", prefix=True)) == set()
    assert ids(search_items(Item.objects.all(), "song co")) == {wave.pk}


def test_as_you_type_requests_ask_for_the_prefix(items, bank, login):
    client = login(bank.author)
    api = "/api/v1/question-bank/items"
    assert client.get(api, {"q": "nghiem ke"}).json()["total"] == 0
    assert client.get(api, {"q": "nghiem ke", "prefix": "true"}).json()["total"] == 1
    page = client.get("/question-bank/", {"q": "nghiem ke"}, headers={"HX-Request": "true"})
    assert "nghiệm kép" not in page.content.decode()
    typing = client.get(
        "/question-bank/", {"q": "nghiem ke", "prefix": "1"}, headers={"HX-Request": "true"}
    )
    assert "nghiệm kép" in typing.content.decode()
    # the search box sends prefix=1 while typing; the form's own submit does not
    browse = client.get("/question-bank/").content.decode()
    assert 'hx-vals=\'{"prefix": "1"}\'' in browse


def test_filters_and_facet_counts(items, bank):
    found = search_items(Item.objects.all(), "bac hai", {"subject": "TOAN", "grade": 10})
    assert ids(found) == {items["quadratic"].pk, items["graph"].pk}
    assert found.facets["level"] == [("biet", 1), ("hieu", 1)]
    assert found.facets["subject"] == [("TOAN", 2)]
    everything = search_items(Item.objects.all())
    assert everything.total == 5
    assert everything.facets["subject"] == [("TOAN", 3), ("VL", 2)]
    assert everything.facets["grade"] == [(10, 4), (12, 1)]
    assert everything.facets["type"] == [("single_choice", 4), ("essay", 1)]
    assert everything.facets["status"] == [("draft", 5)]
    assert everything.facets["school"] == [(bank.school.pk, 5)]


def test_relevance_puts_the_whole_phrase_first(items, bank):
    scattered = services.create_item(
        bank.author,
        dataclasses.replace(
            single_choice("Hai bạn cùng giải một phương trình có bậc cao"), solution_html=""
        ),
        subject=bank.maths,
    )
    found = search_items(Item.objects.all(), "phuong trinh bac")
    assert scattered.pk in found.ids
    assert found.ids[-1] == scattered.pk


def test_search_respects_the_given_queryset(items):
    mine = Item.objects.filter(subject__code="VL")
    assert ids(search_items(mine, "bac hai")) == set()


def test_total_comes_with_the_page_and_pages_do_not_overlap(items):
    first = search_items(Item.objects.all(), "", {}, limit=2, offset=0)
    second = search_items(Item.objects.all(), "", {}, limit=2, offset=2)
    beyond = search_items(Item.objects.all(), "", {}, limit=2, offset=50)
    assert first.total == second.total == beyond.total == 5
    assert len(first.ids) == len(second.ids) == 2
    assert not set(first.ids) & set(second.ids)
    assert beyond.ids == []
    none = search_items(Item.objects.all(), "khong co tu nay", {}, facets=())
    assert none.total == 0
    assert none.facets == {}


def test_subject_filter_by_code_or_list_of_codes(items):
    maths = search_items(Item.objects.all(), "", {"subject": "TOAN"})
    assert maths.total == 3
    both = search_items(Item.objects.all(), "", {"subject": ["TOAN", "VL"]})
    assert both.total == 5
    unknown = search_items(Item.objects.all(), "", {"subject": "KHONG"})
    assert unknown.total == 0


def test_subject_and_grade_scope_follow_an_edited_item(items, bank):
    """An edit that moves an item to another grade moves it in the search too."""
    found = search_items(Item.objects.all(), "phuong trinh", {"subject": "TOAN", "grade": 10})
    assert ids(found) == {items["quadratic"].pk}
    item = items["quadratic"]
    services.revise_item(
        bank.author, item, single_choice("Giải phương trình bậc hai x² − 5x + 6 = 0"), grade=11
    )
    assert (
        search_items(Item.objects.all(), "phuong trinh", {"subject": "TOAN", "grade": 10}).ids == []
    )
    moved = search_items(Item.objects.all(), "phuong trinh", {"subject": "TOAN", "grade": 11})
    assert ids(moved) == {item.pk}
    # one filter alone, and a list, still work the same way
    assert ids(search_items(Item.objects.all(), "phuong", {"grade": 11})) == {item.pk}
    physics = search_items(Item.objects.all(), "dong nang", {"subject": ["VL", "TOAN"]})
    assert ids(physics) == {items["physics"].pk}
