"""Circular 22/2021 and 27/2020 arithmetic and validation, with exact values."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from sector import transcript


def test_semester_average_weights_mid_and_end_term():
    # (7.0 + 8.0 + 9.0 + 6.5 + 2·7.5 + 3·8.0) / (4 + 5) = 69.5 / 9 = 7.72…
    assert transcript.semester_average(
        [D("7.0"), D("8.0"), D("9.0"), D("6.5")], D("7.5"), D("8.0")
    ) == D("7.7")


def test_semester_average_rounds_half_up():
    # (6 + 6 + 6 + 2·7 + 3·6) / 8 = 6.25 → 6.3 (not banker's 6.2)
    assert transcript.semester_average([D(6), D(6), D(6)], D(7), D(6)) == D("6.3")


def test_year_average_counts_second_semester_twice():
    assert transcript.year_average(D("7.7"), D("8.3")) == D("8.1")
    assert transcript.year_average(D("6.0"), D("6.1")) == D("6.1")  # 18.2/3 = 6.066…


def test_secondary_entry_scored_subject_semester_two():
    entry = {"regular": [8, "7.5", 9], "midterm": 6.5, "endterm": "7", "semester1Average": "6.8"}
    out = transcript.secondary_entry(entry, regular_count=3, comment_only=False, semester=2, row=1)
    # (8 + 7.5 + 9 + 13 + 21) / 8 = 58.5 / 8 = 7.3125 → 7.3; year (6.8 + 14.6) / 3 = 7.13… → 7.1
    assert out == {
        "regular": ["8.0", "7.5", "9.0"],  # one decimal, as Circular 22 records scores
        "midterm": "6.5",
        "endterm": "7.0",
        "average": "7.3",
        "semester1Average": "6.8",
        "yearAverage": "7.1",
    }


@pytest.mark.parametrize(
    ("regular", "mid", "end", "expected"),
    [
        (["Đạt", "Đạt"], "Đạt", "Đạt", "Đạt"),
        (["Chưa đạt", "Đạt", "Đạt"], "Đạt", "Đạt", "Chưa đạt"),  # every one must be Đạt
        (["Đạt", "Đạt", "Đạt"], "Đạt", "Chưa đạt", "Chưa đạt"),  # end-term not Đạt
        (["Chưa đạt", "Chưa đạt"], "Đạt", "Đạt", "Chưa đạt"),  # 2 of 4 < 2/3
    ],
)
def test_comment_only_subject_result(regular, mid, end, expected):
    assert transcript.comment_result(regular, mid, end) == expected


def test_comment_only_entry_carries_year_result_in_semester_two():
    entry = {"regular": ["Đạt", "Đạt", "Đạt", "Đạt"], "midterm": "Đạt", "endterm": "Đạt"}
    out = transcript.secondary_entry(entry, regular_count=4, comment_only=True, semester=2, row=1)
    assert out == {**entry, "result": "Đạt", "yearResult": "Đạt"}
    entry["regular"][2] = "Chưa đạt"
    out = transcript.secondary_entry(entry, regular_count=4, comment_only=True, semester=2, row=1)
    assert out == {**entry, "result": "Chưa đạt", "yearResult": "Chưa đạt"}


@pytest.mark.parametrize(
    ("averages", "comments", "level"),
    [
        (["8.0"] * 6 + ["6.5"], ["Đạt", "Đạt"], "Tốt"),
        (["8.0"] * 5 + ["6.5"] * 2, ["Đạt"], "Khá"),
        (["6.5"] * 6 + ["5.0"], ["Đạt"], "Khá"),
        (["6.5"] * 6 + ["4.9"], ["Đạt"], "Đạt"),
        # One comment subject alone pulls Tốt down to Đạt: raised one level (art. 9.3).
        (["9.0"] * 7, ["Đạt", "Chưa đạt"], "Khá"),
        (["5.0"] * 6 + ["3.4"], ["Đạt"], "Chưa đạt"),
        (["9.0"] * 7, ["Chưa đạt", "Chưa đạt"], "Chưa đạt"),
    ],
)
def test_learning_result_level(averages, comments, level):
    assert transcript.learning_result_level([D(a) for a in averages], comments) == level


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"regular": [7, 8], "midterm": 7, "endterm": 7}, "cần đúng 3 điểm"),
        ({"regular": [7, 8, 11], "midterm": 7, "endterm": 7}, "từ 0 đến 10"),
        ({"regular": [7, 8, "7.25"], "midterm": 7, "endterm": 7}, "một chữ số thập phân"),
        ({"regular": [7, 8, 9], "midterm": "x", "endterm": 7}, "không phải là số"),
    ],
)
def test_secondary_entry_rejects_bad_scores(entry, message):
    with pytest.raises(ValidationError) as caught:
        transcript.secondary_entry(entry, regular_count=3, comment_only=False, semester=1, row=12)
    assert "Học sinh thứ 12" in caught.value.messages[0]
    assert message in caught.value.messages[0]


def test_primary_entry_levels_and_integer_test_scores():
    assert transcript.primary_entry({"level": "T", "score": 9}, tested=True, row=1) == {
        "level": "T",
        "levelText": "Hoàn thành tốt",
        "score": 9,
    }
    assert transcript.primary_entry({"level": "H", "comment": "Chăm chỉ"}, tested=False, row=1) == {
        "level": "H",
        "levelText": "Hoàn thành",
        "comment": "Chăm chỉ",
    }
    for bad in (
        {"level": "T", "score": 8.5},
        {"level": "T", "score": 0},
        {"level": "X", "score": 5},
    ):
        with pytest.raises(ValidationError):
            transcript.primary_entry(bad, tested=True, row=1)
    with pytest.raises(ValidationError):
        transcript.primary_entry({"level": "T", "score": 7}, tested=False, row=1)
