"""The facet count table stays exact: after every service that changes items, the facets summed
from it equal the facets counted over the items, for every kind of user and filter."""

from __future__ import annotations

import dataclasses

import pytest

from question_bank import facet_table, services
from question_bank.importers import parse_bytes
from question_bank.interchange import ItemContent, ItemType
from question_bank.models import FacetCount, Item
from question_bank.permissions import visibility
from question_bank.search import FACETS, facet_counts, search_items, search_visible
from tests import factories

from .conftest import single_choice

pytestmark = pytest.mark.django_db

CSV = (
    "Câu,Phần,Nội dung,A,B,C,D,Đáp án,Môn,Khối,Mức độ,Độ khó\n"
    "1,I,Hàm số $y=x^3$ đồng biến trên,R,(0;1),(-1;0),Không có,A,TOAN,12,Hiểu,0,5\n"
    "2,III,Tính $\\log_2 8$.,,,,,3,TOAN,12,Vận dụng,0,70\n"
)


def counted(user, filters=None):
    """The facets and total the search gives (from the table) and the ones counted directly."""
    fast = search_visible(user, "", filters or {}, limit=5)
    items = search_items(Item.objects.filter(visibility(user)), "", filters or {}, facets=())
    from question_bank.search import apply_filters

    slow = facet_counts(apply_filters(Item.objects.filter(visibility(user)), filters or {}))
    return fast, slow, items.total


def assert_exact(users, filters_list=({},)):
    for user in users:
        for filters in filters_list:
            fast, slow, total = counted(user, filters)
            assert fast.facets == slow, (user, filters)
            assert fast.total == total, (user, filters)


@pytest.fixture
def people(world, bank):
    return [
        bank.author,
        bank.maths_head,
        bank.physics_head,
        bank.other_school_head,
        world.a.admin,
        world.b.teacher,
        factories.UserFactory(is_superuser=True),
    ]


def test_counts_stay_exact_through_every_service(world, bank, people):
    filters: tuple[dict[str, object], ...] = (
        {},
        {"subject": "TOAN"},
        {"grade": 10, "level": "hieu"},
        {"status": "published"},
    )
    a = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths, grade=10
    )
    b = services.create_item(
        bank.author,
        single_choice("Đồ thị hàm số bậc hai"),
        school=bank.school,
        subject=bank.maths,
        grade=10,
        level="hieu",
    )
    essay = services.create_item(
        bank.author,
        ItemContent(type=ItemType.ESSAY, stem_html="<p>Phát biểu định luật Newton.</p>"),
        school=bank.school,
        subject=bank.physics,
        grade=11,
    )
    assert_exact(people, filters)
    assert search_visible(bank.author).facets["grade"] == [(10, 2), (11, 1)]

    # edit: new content and new metadata move the item's tally
    services.revise_item(
        bank.author,
        a,
        dataclasses.replace(single_choice(), key="B"),
        grade=12,
        level="van_dung",
        difficulty="0.4",
    )
    assert_exact(people, filters)
    assert search_visible(bank.author).facets["grade"] == [(10, 1), (11, 1), (12, 1)]

    # review, publish department-wide, share and retire
    services.submit_item(bank.author, b)
    assert_exact(people, filters)
    services.approve_item(bank.maths_head, b)
    services.publish_item(bank.maths_head, b)
    assert_exact(people, filters)
    # the published item now reaches the other school's teacher
    assert search_visible(world.b.teacher).facets["status"] == [("published", 1)]
    services.share_item(bank.author, essay, "school")
    assert_exact(people, filters)
    services.retire_item(bank.author, a)
    assert_exact(people, filters)
    # an edit of a published item sends it back to draft and out of department scope
    services.revise_item(bank.author, b, single_choice("Đồ thị hàm số bậc hai là parabol"))
    assert_exact(people, filters)
    assert search_visible(world.b.teacher).total == 0

    # import adds through create_item
    report = services.import_parsed(
        bank.author, parse_bytes(CSV.encode(), "de.csv", "csv"), bank="toan12", school=bank.school
    )
    assert report.imported == 2
    assert_exact(people, (*filters, {"bank": "toan12"}, {"difficulty": "0.70"}))
    assert search_visible(bank.author, "", {"bank": "toan12"}).facets["level"] == [
        ("hieu", 1),
        ("van_dung", 1),
    ]


def test_table_is_what_the_browser_and_api_show(bank, login):
    services.create_item(bank.author, single_choice(), school=bank.school, subject=bank.maths)
    # an item written around the services is not counted: the search really reads the table
    Item.objects.create(type="essay", subject=bank.maths, school=bank.school, author=bank.author)
    client = login(bank.author)
    data = client.get("/api/v1/question-bank/items").json()
    assert data["total"] == 1
    assert data["facets"]["subject"] == [["TOAN", 1]]
    assert data["facets_approximate"] is False
    # rebuilding the table (after bulk loads) counts every item again
    facet_table.rebuild()
    assert client.get("/api/v1/question-bank/items").json()["total"] == 2
    assert FacetCount.objects.filter(n__gt=0).count() == 2


def test_text_queries_count_facets_over_a_bounded_sample(bank, settings):
    for i in range(5):
        services.create_item(
            bank.author,
            single_choice(f"Phương trình bậc hai số {i}"),
            school=bank.school,
            subject=bank.maths,
            grade=10 + i % 2,
        )
    exact = search_visible(bank.author, "phuong trinh")
    assert exact.facets_approximate is False
    assert exact.facets["grade"] == [(10, 3), (11, 2)]
    settings.QUESTION_BANK_FACET_SAMPLE = 3
    sampled = search_visible(bank.author, "phuong trinh")
    assert sampled.total == 5  # the total stays exact
    assert sampled.facets_approximate is True
    assert sum(n for _v, n in sampled.facets["grade"]) == 3
    assert set(FACETS) == set(sampled.facets)
