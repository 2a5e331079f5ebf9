"""Vietnamese collation of names (given name first, alphabet and tone order) and folding."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from core import services
from core.vietnamese import fold, name_sort_key, split_full_name
from tests import factories

# A class list in the order a Vietnamese teacher expects it.
ORDERED = [
    "Nguyễn Văn An",
    "Trần Văn An",  # same given and middle name: the family name decides
    "Phạm Văn Anh",  # a shorter word first: An < Anh
    "Hoàng Thị Ánh",  # the tone decides after the letters: Anh < Ánh
    "Đỗ Thị Ăn",  # ă and â are letters after a
    "Lê Thị Ân",
    "Võ Văn Bình",
    "Lý Thị Dung",
    "Bùi Văn Đạt",  # đ after d
    "Trương Thị Hà",
    "Ngô Thị Hạ",  # tones: level < grave < hook < tilde < acute < dot
    "Mai Thị Lan",
    "Nguyễn Thị Ngọc Lan",  # middle names compare word by word
    "Hồ Văn Ôn",  # ô before ơ
    "Dương Minh Ơn",
    "Đinh Thị Uyên",
    "Tô Văn Ưng",  # u before ư
    "Lê Hoàng Yến",
]


def test_tone_order_is_level_grave_hook_tilde_acute_dot():
    names = ["A Ma", "A Mà", "A Mả", "A Mã", "A Má", "A Mạ"]
    shuffled = names[::-1]
    assert sorted(shuffled, key=name_sort_key) == names


def test_alphabet_order_of_distinct_letters():
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    names = [f"Nguyễn {letter}" for letter in letters]
    shuffled = names[:]
    random.Random(1).shuffle(shuffled)
    assert sorted(shuffled, key=name_sort_key) == names


def test_given_name_then_middle_then_family():
    names = ["Trần Văn Bình", "Nguyễn Văn Bình", "Nguyễn Thị Bình", "Nguyễn An"]
    assert sorted(names, key=name_sort_key) == [
        "Nguyễn An",
        "Nguyễn Thị Bình",
        "Nguyễn Văn Bình",
        "Trần Văn Bình",
    ]


def test_a_realistic_class_list():
    shuffled = ORDERED[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != ORDERED
    assert sorted(shuffled, key=name_sort_key) == ORDERED


def test_case_and_unicode_form_do_not_change_the_order():
    import unicodedata

    name = "Nguyễn Thị Ánh"
    assert name_sort_key(name) == name_sort_key(name.upper())
    assert name_sort_key(name) == name_sort_key(unicodedata.normalize("NFD", name))


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Phương trình bậc hai", "phuong trinh bac hai"),
        ("ĐẶNG ĐÌNH ĐỨC", "dang dinh duc"),
        ("Nguyễn Thị Ánh Tuyết", "nguyen thi anh tuyet"),
        ("Ơn Ưng Ăn Ân", "on ung an an"),
    ],
)
def test_fold_removes_diacritics_and_maps_d_stroke(text, folded):
    assert fold(text) == folded


def test_split_full_name():
    assert split_full_name("Nguyễn Thị Ngọc Lan") == ("Nguyễn Thị Ngọc", "Lan")
    assert split_full_name("Lan") == ("", "Lan")


@pytest.mark.django_db
def test_class_page_and_api_list_students_in_vietnamese_order(world, login):
    school_class = world.a.school_class
    school_class.enrolments.all().delete()
    shuffled = ORDERED[:]
    random.Random(3).shuffle(shuffled)
    for name in shuffled:
        factories.EnrolmentFactory(
            school_class=school_class, student=factories.StudentFactory(full_name=name)
        )
    expected = ORDERED
    client = login(world.a.teacher)

    api = client.get(f"/api/v1/classes/{school_class.pk}").json()
    assert [s["full_name"] for s in api["students"]] == expected

    page = client.get(reverse("class_detail", args=[school_class.pk])).content.decode()
    positions = [page.index(f">{name}<") for name in expected]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_renaming_updates_the_stored_keys():
    user = services.create_user(None, username="gv-doi-ten", full_name="Nguyễn   Văn  An")
    assert user.full_name == "Nguyễn Văn An"
    user.full_name = "Đặng Văn Ánh"
    user.save(update_fields=["full_name"])
    user.refresh_from_db()
    assert user.name_key == name_sort_key("Đặng Văn Ánh")
    assert user.name_folded == "dang van anh"
