"""Search bounds at scale (capped total, bounded ranking, pages end at the bounds), with the
bounds set small so a handful of items crosses them. Runs on SQLite and PostgreSQL; on
PostgreSQL the ranking really is bounded (RANK_CANDIDATES), so the phrase-first test there
fails if the whole-phrase matches stop being looked up on their own."""

from __future__ import annotations

import dataclasses

import pytest

from question_bank import services
from question_bank.models import Item
from question_bank.search import search_items, search_visible

from .conftest import single_choice

pytestmark = pytest.mark.django_db
API = "/api/v1/question-bank/items"


def make(bank, stem, subject=None, grade=10):
    content = dataclasses.replace(single_choice(stem), solution_html="")
    return services.create_item(
        bank.author, content, school=bank.school, subject=subject or bank.maths, grade=grade
    )


@pytest.fixture
def scattered(bank):
    """Seven items with the three words apart, created (and so stored) before the exact one."""
    return [
        make(bank, f"Bậc {i}: một phương án cho trình tự {i} của phương trình") for i in range(7)
    ]


def test_total_is_exact_up_to_the_cap_then_capped(bank, scattered, settings):
    everything = search_items(Item.objects.all(), "phuong trinh")
    assert (everything.total, everything.total_capped) == (7, False)
    settings.QUESTION_BANK_TOTAL_CAP = 7
    assert search_items(Item.objects.all(), "phuong trinh").total_capped is False
    settings.QUESTION_BANK_TOTAL_CAP = 3
    capped = search_items(Item.objects.all(), "phuong trinh")
    assert (capped.total, capped.total_capped) == (3, True)
    # past the cap the facets are a sample too, and say so
    assert capped.facets_approximate is True
    # pages end at the cap, and do not overlap up to it
    first = search_items(Item.objects.all(), "phuong trinh", limit=2)
    last = search_items(Item.objects.all(), "phuong trinh", limit=2, offset=2)
    assert len(first.ids) == 2
    assert len(last.ids) == 1
    assert not set(first.ids) & set(last.ids)
    assert search_items(Item.objects.all(), "phuong trinh", offset=3).ids == []
    # browsing without words is not capped (the count table sums it)
    browse = search_visible(bank.author, "")
    assert (browse.total, browse.total_capped) == (7, False)


def test_bounded_ranking_still_puts_the_whole_phrase_first(bank, scattered, settings):
    settings.QUESTION_BANK_RANK_CANDIDATES = 2
    exact = make(bank, "Giải phương trình bậc hai sau")
    found = search_items(Item.objects.all(), "phuong trinh bac", limit=2)
    assert found.total == 8
    assert found.ids[0] == exact.pk
    # the last word is a prefix in the phrase too (search-as-you-type)
    assert search_items(Item.objects.all(), "phuong trinh ba", limit=1, prefix=True).ids == [
        exact.pk
    ]
    # past the cap the matches in hand stop before the exact item: it is looked up on its own
    settings.QUESTION_BANK_TOTAL_CAP = 3
    capped = search_items(Item.objects.all(), "phuong trinh bac", limit=2)
    assert capped.total_capped is True
    assert capped.ids[0] == exact.pk


def test_pages_of_a_bounded_ranking_cover_it_once(bank, scattered, settings):
    settings.QUESTION_BANK_RANK_CANDIDATES = 4
    seen = []
    for offset in range(0, 8, 3):
        seen += search_items(Item.objects.all(), "phuong trinh", limit=3, offset=offset).ids
    assert len(seen) == len(set(seen)) == 4
    assert set(seen) <= {item.pk for item in scattered}


def test_diacritics_and_case_do_not_change_a_bounded_search(bank, scattered, settings):
    settings.QUESTION_BANK_RANK_CANDIDATES = 2
    settings.QUESTION_BANK_TOTAL_CAP = 5
    make(bank, "Động năng của vật rơi tự do", subject=bank.physics)
    make(bank, "Đo động năng bằng thí nghiệm", subject=bank.physics)
    plain = search_items(Item.objects.all(), "dong nang")
    for query in ("động năng", "ĐỘNG NĂNG", "Dong Nang"):
        other = search_items(Item.objects.all(), query)
        assert (other.total, other.ids, other.total_capped) == (plain.total, plain.ids, False)
    assert plain.total == 2
    assert search_items(Item.objects.all(), "phương trình").total_capped is True


def test_api_and_browser_say_more_than_the_cap(bank, scattered, settings, login):
    client = login(bank.author)
    data = client.get(API, {"q": "phuong trinh"}).json()
    assert (data["total"], data["total_capped"]) == (7, False)
    page = client.get("/question-bank/", {"q": "phuong trinh"}).content.decode()
    assert 'data-testid="total-capped"' not in page
    settings.QUESTION_BANK_TOTAL_CAP = 3
    data = client.get(API, {"q": "phuong trinh"}).json()
    assert (data["total"], data["total_capped"], len(data["items"])) == (3, True, 3)
    page = client.get("/question-bank/", {"q": "phuong trinh"}).content.decode()
    assert 'data-testid="total-capped"' in page
    assert "Hơn 3 câu hỏi" in page
