"""Circular 22/2021 arithmetic: exact values, half-up rounding, learning-result levels."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lms.api import Comment, Level, SubjectResult, learning_level, semester_average, year_average


@pytest.mark.parametrize(
    ("regular", "mid", "final", "expected"),
    [
        # (8 + 7 + 2·6.5 + 3·7) / 7 = 49 / 7 = 7
        (["8", "7"], "6.5", "7", "7.0"),
        # (6 + 6 + 5 + 2·6 + 3·7) / 8 = 50 / 8 = 6.25: half up gives 6.3 (banker's: 6.2)
        (["6", "6", "5"], "6", "7", "6.3"),
        # (5 + 5 + 5 + 2·4.8 + 3·5) / 8 = 39.6 / 8 = 4.95 → 5.0, crossing the 5.0 threshold
        (["5", "5", "5"], "4.8", "5", "5.0"),
        # (9 + 9 + 8.5 + 2·8.5 + 3·8) / 8 = 67.5 / 8 = 8.4375 → 8.4
        (["9", "9", "8.5"], "8.5", "8", "8.4"),
        # (8·4 + 2·7 + 3·7) / 9 = 67 / 9 = 7.444… → 7.4
        (["8", "8", "8", "8"], "7", "7", "7.4"),
        # (6.5 + 6.4 + 6.5 + 6.4 + 2·6.4 + 3·6.5) / 9 = 58.1 / 9 = 6.4555… → 6.5
        (["6.5", "6.4", "6.5", "6.4"], "6.4", "6.5", "6.5"),
        # all tens and all zeros stay exact
        (["10", "10"], "10", "10", "10.0"),
        (["0", "0"], "0", "0", "0.0"),
    ],
)
def test_semester_average_exact(regular: list[str], mid: str, final: str, expected: str) -> None:
    result = semester_average(regular, mid, final)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_semester_average_accepts_decimals_floats_and_vietnamese_comma() -> None:
    assert semester_average([Decimal("6"), 6, "5,0"], 6.0, "7,0") == Decimal("6.3")


@pytest.mark.parametrize(
    ("sem1", "sem2", "expected"),
    [
        ("6.3", "6.4", "6.4"),  # 19.1 / 3 = 6.366…
        ("6.4", "6.5", "6.5"),  # 19.4 / 3 = 6.466…
        ("8.0", "6.4", "6.9"),  # 20.8 / 3 = 6.933…
        ("4.9", "5.0", "5.0"),  # 14.9 / 3 = 4.966…
        ("7.0", "7.0", "7.0"),
        ("5.0", "4.9", "4.9"),  # 14.8 / 3 = 4.933…
    ],
)
def test_year_average_exact(sem1: str, sem2: str, expected: str) -> None:
    result = year_average(sem1, sem2)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("bad", ["10.5", "-1", "7.25", "bảy", "nan"])
def test_bad_scores_are_refused_with_the_column(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        semester_average(["7", bad], "7", "7")
    assert "ĐĐGtx 2" in str(info.value)


def test_semester_average_needs_a_regular_score() -> None:
    with pytest.raises(ValidationError):
        semester_average([], "7", "7")


def _scored(*averages: str) -> list[SubjectResult]:
    return [SubjectResult(f"M{i}", average=Decimal(a)) for i, a in enumerate(averages)]


PASS = SubjectResult("GDTC", comment=Comment.PASS)
FAIL = SubjectResult("GDTC", comment=Comment.FAIL)
FAIL2 = SubjectResult("AN", comment=Comment.FAIL)


def test_good_needs_six_subjects_at_8_and_all_at_6_5() -> None:
    assert (
        learning_level([*_scored("8", "8", "8", "8", "8", "8.0", "6.5", "7"), PASS]) == Level.GOOD
    )
    # Only five at 8.0 → Khá
    assert (
        learning_level([*_scored("8", "8", "8", "8", "8", "7.9", "6.5", "7"), PASS]) == Level.FAIR
    )


def test_fair_needs_all_at_5_and_six_at_6_5() -> None:
    assert (
        learning_level([*_scored("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5", "5"), PASS])
        == Level.FAIR
    )
    # Only five at 6.5 → Đạt
    assert (
        learning_level([*_scored("6.5", "6.5", "6.5", "6.5", "6.5", "6.4", "5", "5"), PASS])
        == Level.PASS
    )


def test_pass_and_fail_boundaries() -> None:
    # six at 5.0, none under 3.5, one comment subject failed → Đạt
    assert learning_level([*_scored("5", "5", "5", "5", "5", "5", "3.5", "4"), FAIL]) == Level.PASS
    # only five at 5.0 → Chưa đạt
    assert (
        learning_level([*_scored("5", "5", "5", "5", "5", "4.9", "3.5", "4"), PASS]) == Level.FAIL
    )
    # a subject under 3.5 with nothing to adjust → Chưa đạt
    assert learning_level([*_scored("5", "5", "5", "5", "5", "5", "3.4", "4"), PASS]) == Level.FAIL


def test_single_subject_two_levels_down_is_raised_one_level() -> None:
    # Would be Tốt but one scored subject is 3.4: raw Chưa đạt, raised to Đạt.
    assert learning_level([*_scored("9", "9", "9", "9", "9", "9", "7", "3.4"), PASS]) == Level.PASS
    # Would be Tốt but one comment subject is Chưa đạt: raw Đạt, raised to Khá.
    assert learning_level([*_scored("9", "9", "9", "9", "9", "9", "7", "7"), FAIL]) == Level.FAIR
    # Would be Khá but one subject is 3.0: raw Chưa đạt, raised to Đạt.
    assert learning_level([*_scored("7", "7", "7", "7", "7", "7", "7", "3"), PASS]) == Level.PASS


def test_one_level_down_or_two_culprits_are_not_adjusted() -> None:
    # One subject at 6.0 only costs one level (Tốt → Khá): no adjustment.
    assert learning_level([*_scored("9", "9", "9", "9", "9", "9", "7", "6"), PASS]) == Level.FAIR
    # Two comment subjects failed: not "because of one subject".
    assert (
        learning_level([*_scored("9", "9", "9", "9", "9", "9", "7", "7"), FAIL, FAIL2])
        == Level.FAIL
    )
    # Two subjects under 3.5.
    assert learning_level([*_scored("9", "9", "9", "9", "9", "9", "3", "3"), PASS]) == Level.FAIL


def test_lifting_never_adds_to_the_count_of_high_subjects() -> None:
    # Five at 8.0 and one at 3.0: raising the 3.0 to 6.5 gives Khá, not Tốt;
    # Khá is still two steps above the raw Chưa đạt, so the result is raised to Đạt.
    assert learning_level([*_scored("8", "8", "8", "8", "8", "7", "7", "3"), PASS]) == Level.PASS
