"""Exact scores for every rule of assessment.scoring (pure functions, no database)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from assessment.api import score_response
from assessment.scoring import (
    ManualGradingRequired,
    PartialCredit,
    ScoringPolicy,
    default_points,
    gradebook_value,
    parse_short_numeric,
    round_total,
    score_fraction,
)
from question_bank.api import Choice, Gap, ItemContent, ItemType

D = Decimal


def single(key: str = "B", points: str | None = None) -> ItemContent:
    return ItemContent(
        type=ItemType.SINGLE_CHOICE,
        stem_html="<p>1 + 1 = ?</p>",
        choices=[Choice(i, f"<p>{i}</p>") for i in "ABCD"],
        key=key,
        points=D(points) if points else None,
    )


def cluster(points: str | None = None) -> ItemContent:
    return ItemContent(
        type=ItemType.TRUE_FALSE_CLUSTER,
        stem_html="<p>Cho hàm số y = x²</p>",
        choices=[Choice(s, f"<p>{s}</p>") for s in "abcd"],
        key={"a": True, "b": False, "c": True, "d": False},
        points=D(points) if points else None,
    )


def numeric(key: str) -> ItemContent:
    return ItemContent(type=ItemType.SHORT_NUMERIC, stem_html="<p>x = ?</p>", key=key)


class TestSingleChoice:
    def test_right_wrong_blank(self) -> None:
        assert score_response(single(), "B") == D("0.25")
        assert score_response(single(), "A") == D("0")
        assert score_response(single(), None) == D("0")
        assert score_response(single(), ["B"]) == D("0")

    def test_points_configured(self) -> None:
        assert score_response(single(points="0.5"), "B") == D("0.5")
        assert score_response(single(), "B", points=D("2")) == D("2")


class TestTrueFalseCluster:
    @pytest.mark.parametrize(
        ("response", "expected"),
        [
            ({}, "0"),
            ({"a": False, "b": True, "c": False, "d": True}, "0"),
            ({"a": True, "b": True, "c": False, "d": True}, "0.1"),
            ({"a": True, "b": False, "c": False, "d": True}, "0.25"),
            ({"a": True, "b": False, "c": True, "d": True}, "0.5"),
            ({"a": True, "b": False, "c": True, "d": False}, "1"),
            # Unanswered statements are not judged correctly.
            ({"a": True, "b": False, "c": True}, "0.5"),
            ({"a": True}, "0.1"),
        ],
    )
    def test_2025_table(self, response: dict[str, bool], expected: str) -> None:
        assert score_response(cluster(), response) == D(expected)

    @pytest.mark.parametrize(("right", "expected"), [(1, "0.2"), (2, "0.5"), (3, "1"), (4, "2")])
    def test_scaled_to_configured_points(self, right: int, expected: str) -> None:
        key = {"a": True, "b": False, "c": True, "d": False}
        response = {s: (v if i < right else not v) for i, (s, v) in enumerate(key.items())}
        assert score_response(cluster(points="2"), response) == D(expected)

    def test_non_boolean_answers_are_not_judgements(self) -> None:
        response = {"a": "true", "b": 0, "c": 1, "d": None}
        assert score_response(cluster(), response) == D("0")


class TestShortNumeric:
    @pytest.mark.parametrize(
        "answer", ["0,25", ",25", "0.25", ".25", " 0,25 ", "0,25\n", "0,250", "0,2500"]
    )
    def test_equivalent_forms_of_a_quarter(self, answer: str) -> None:
        assert score_response(numeric("0,25"), answer) == D("0.25")

    @pytest.mark.parametrize(
        "answer",
        [
            "0,251",  # 5 significant characters: does not fit the 4 boxes of the answer sheet
            "0,2",
            "25",
            "1/4",
            "+,25",
            "0,,2",
            "",
            "- ,2",
            "abc",
        ],
    )
    def test_not_a_quarter(self, answer: str) -> None:
        assert score_response(numeric("0,25"), answer) == D("0")

    @pytest.mark.parametrize(
        ("key", "answer"),
        [
            ("-1,5", "-1,5"),
            ("-1,5", "-1.5"),
            ("-0,5", "-,5"),
            ("12", "12,0"),
            ("12", "12,"),
            ("0", "-0"),
            ("2024", "2024"),
            ("3", "3,00"),
        ],
    )
    def test_equal_values(self, key: str, answer: str) -> None:
        assert score_response(numeric(key), answer) == D("0.25")

    def test_maths_default_is_half_a_point(self) -> None:
        assert default_points(ItemType.SHORT_NUMERIC, "TOAN") == D("0.5")
        assert default_points(ItemType.SHORT_NUMERIC, "VATLY") == D("0.25")
        assert score_response(
            numeric("7"), "7", points=default_points("short_numeric", "TOAN")
        ) == D("0.5")

    def test_parse(self) -> None:
        assert parse_short_numeric("-1,5") == D("-1.5")
        assert parse_short_numeric(",5") == D("0.5")
        assert parse_short_numeric("-,5") == D("-0.5")
        assert parse_short_numeric("12345") is None
        assert parse_short_numeric(12) is None

    def test_list_of_accepted_keys(self) -> None:
        item = numeric("0,5")
        item.key = ["0,5", "-0,5"]
        assert score_response(item, "-,5") == D("0.25")


class TestMultipleResponse:
    def item(self) -> ItemContent:
        return ItemContent(
            type=ItemType.MULTIPLE_RESPONSE,
            stem_html="<p>Chọn các số nguyên tố</p>",
            choices=[Choice(i, i) for i in "ABCD"],
            key=["A", "C"],
            points=D("1"),
        )

    @pytest.mark.parametrize(
        ("response", "per_option", "all_or_nothing", "right_minus_wrong"),
        [
            (["A", "C"], "1", "1", "1"),
            (["C", "A"], "1", "1", "1"),
            (["A"], "0.75", "0", "0.5"),
            (["A", "B"], "0.5", "0", "0"),
            (["A", "C", "D"], "0.75", "0", "0.5"),
            ([], "0.5", "0", "0"),
            (["B", "D"], "0", "0", "0"),
            (["A", "B", "C", "D"], "0.5", "0", "0"),
            ("A", "0", "0", "0"),
        ],
    )
    def test_modes(
        self, response: list[str], per_option: str, all_or_nothing: str, right_minus_wrong: str
    ) -> None:
        for mode, expected in (
            (PartialCredit.PER_OPTION, per_option),
            (PartialCredit.ALL_OR_NOTHING, all_or_nothing),
            (PartialCredit.RIGHT_MINUS_WRONG, right_minus_wrong),
        ):
            got = score_response(
                self.item(), response, policy=ScoringPolicy(multiple_response=mode)
            )
            assert got == D(expected), mode

    def test_per_option_thirds_stay_exact_in_sums(self) -> None:
        item = self.item()
        item.choices = item.choices[:3]
        # 2 of 3 options judged right: 2/3 of a point, exact as a fraction.
        assert score_fraction(item, ["A"]) == Fraction(2, 3)
        assert score_response(item, ["A"]) == D("0.6667")

    def test_decimal_text_has_no_trailing_zeros(self) -> None:
        assert str(score_response(self.item(), ["A"])) == "0.75"
        assert str(score_response(self.item(), ["A", "C"], points=D("10"))) == "10"


class TestMatchingOrderingCloze:
    def matching(self) -> ItemContent:
        return ItemContent(
            type=ItemType.MATCHING,
            stem_html="<p>Ghép</p>",
            choices=[Choice(i, i) for i in "1234"],
            targets=[Choice(i, i) for i in "ABCD"],
            key={"1": "B", "2": "A", "3": "D", "4": "C"},
            points=D("1"),
        )

    def test_matching_per_pair(self) -> None:
        assert score_response(self.matching(), {"1": "B", "2": "A", "3": "C", "4": "D"}) == D("0.5")
        assert score_response(self.matching(), {"1": "B", "2": "A", "3": "D", "4": "C"}) == D("1")
        assert score_response(self.matching(), {"1": "B"}) == D("0.25")
        assert score_response(self.matching(), None) == D("0")

    def test_matching_all_or_nothing(self) -> None:
        policy = ScoringPolicy(per_part=False)
        assert score_response(self.matching(), {"1": "B", "2": "A"}, policy=policy) == D("0")

    def test_ordering_per_position(self) -> None:
        item = ItemContent(
            type=ItemType.ORDERING,
            stem_html="<p>Sắp xếp</p>",
            choices=[Choice(i, i) for i in "ABCD"],
            key=["C", "A", "B", "D"],
            points=D("2"),
        )
        assert score_response(item, ["C", "A", "B", "D"]) == D("2")
        assert score_response(item, ["C", "B", "A", "D"]) == D("1")
        assert score_response(item, ["D", "C", "A", "B"]) == D("0")
        assert score_response(item, ["C"]) == D("0.5")

    def test_cloze_per_gap_with_kinds_and_weights(self) -> None:
        item = ItemContent(
            type=ItemType.CLOZE,
            stem_html="<p>[g1] [g2] [g3]</p>",
            gaps=[
                Gap("g1", "choice", choices=[Choice("A", "a"), Choice("B", "b")], key="B"),
                Gap("g2", "numeric", key="3,5"),
                Gap("g3", "text", key=["Hà Nội"], points=D("2"), diacritics_sensitive=False),
            ],
            points=D("1"),
        )
        assert score_response(item, {"g1": "B", "g2": "3.5", "g3": "ha noi"}) == D("1")
        assert score_response(item, {"g1": "B", "g2": "3,5"}) == D("0.5")
        assert score_response(item, {"g3": "HA NOI"}) == D("0.5")
        assert score_response(item, {"g1": "A", "g2": "35"}) == D("0")
        policy = ScoringPolicy(per_part=False)
        assert score_response(item, {"g1": "B", "g2": "3,5"}, policy=policy) == D("0")


class TestShortText:
    def item(self, *, case: bool = False, diacritics: bool = True) -> ItemContent:
        return ItemContent(
            type=ItemType.SHORT_TEXT,
            stem_html="<p>Thủ đô?</p>",
            key=["Hà Nội", "Thủ đô Hà Nội"],
            case_sensitive=case,
            diacritics_sensitive=diacritics,
        )

    def test_default_case_insensitive_diacritics_sensitive(self) -> None:
        assert score_response(self.item(), "hà  nội ") == D("0.25")
        assert score_response(self.item(), "THỦ ĐÔ HÀ NỘI") == D("0.25")
        assert score_response(self.item(), "Ha Noi") == D("0")

    def test_diacritics_ignored(self) -> None:
        assert score_response(self.item(diacritics=False), "thu do ha noi") == D("0.25")

    def test_case_sensitive(self) -> None:
        assert score_response(self.item(case=True), "hà nội") == D("0")
        assert score_response(self.item(case=True), "Hà Nội") == D("0.25")

    def test_decomposed_unicode_equals_composed(self) -> None:
        import unicodedata

        assert score_response(self.item(), unicodedata.normalize("NFD", "Hà Nội")) == D("0.25")


def test_essay_needs_a_person() -> None:
    essay = ItemContent(type=ItemType.ESSAY, stem_html="<p>Viết</p>")
    with pytest.raises(ManualGradingRequired):
        score_response(essay, "bài làm")


class TestRounding:
    @pytest.mark.parametrize(
        ("total", "step", "expected"),
        [
            ("7.1", "0.25", "7.00"),
            ("7.125", "0.25", "7.25"),
            ("7.12", "0.25", "7.00"),
            ("7.35", "0.25", "7.25"),
            ("7.375", "0.25", "7.50"),
            ("7.35", "0.1", "7.4"),
            ("7.34", "0.1", "7.3"),
            ("7.35", "none", "7.35"),
            ("0", "none", "0"),
        ],
    )
    def test_round_total(self, total: str, step: str, expected: str) -> None:
        got = round_total(D(total), step)
        assert got == D(expected)
        assert str(got) == expected

    def test_round_total_of_fraction(self) -> None:
        assert round_total(Fraction(22, 3), "0.1") == D("7.3")
        assert round_total(Fraction(22, 3), "none") == D("7.3333")

    @pytest.mark.parametrize(
        ("total", "max_points", "expected"),
        [
            ("7.35", "10", "7.4"),
            ("7.25", "10", "7.3"),
            ("3.5", "4", "8.8"),
            ("0", "0", "0.0"),
            ("10", "10", "10.0"),
        ],
    )
    def test_gradebook(self, total: str, max_points: str, expected: str) -> None:
        got = gradebook_value(D(total), D(max_points))
        assert str(got) == expected
