"""Item analysis of an exam subject across both versions, with figures worked out by hand from
tests/exams/results_data.py (10 candidates, points 1 each):

totals (c1 … c10): 3, 2.5, 2.25, 2.1, 2, 1, 1.5, 0.1, 0, 0.25 → the 27 % groups hold
round(2.7) = 3 candidates: upper c1 c2 c3, lower c9 c8 c10.
Q1 (key A): 6 right → p 0.6; upper all right, lower none → D 1.
Q2 (key C): 5 right → p 0.5; D 1.
Q3 (true/false): 3.7 / 10 → p 0.37; upper (1 + 0.5 + 0.25) / 3, lower (0.1 + 0 + 0.25) / 3
→ D 0.4667. Point-biserial with the rest score: 0.4814, 0.4270, 0.3808.
Statements: a 7 right (Đ 7, S 2, blank 1), D = 1 − 1/3; b 6 right (Đ 2, S 6, blank 2), D 2/3;
c 5 right (Đ 5, S 3, blank 2), D 1/3; d 2 right (Đ 4, S 2, blank 4), D 1/3.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from core.models import AuditEvent
from exams.analysis import analyse_subject
from exams.models import Attempt, Room
from question_bank.models import ItemStatistics
from tests.exams import results_data
from tests.exams.results_data import ResultsExam


@pytest.fixture
def data(db: None) -> ResultsExam:
    return results_data.build()


def test_totals_are_the_crafted_ones(data: ResultsExam) -> None:
    totals = [str(Attempt.objects.get(candidate=c).score.normalize()) for c in data.candidates]
    assert totals == ["3", "2.5", "2.25", "2.1", "2", "1", "1.5", "0.1", "0", "0.25"]
    # Both versions are in use and they place the items differently.
    layouts = {
        a.version_code: [r["item_version"] for r in a.layout]
        for a in Attempt.objects.filter(candidate__exam=data.exam)
    }
    assert len(layouts) == 2


def test_item_analysis_figures(data: ResultsExam) -> None:
    result = analyse_subject(data.subject)
    assert result.attempts == 10
    by_version = {i.item_version: i for i in result.items}
    q1, q2, q3 = (by_version[data.versions[k]] for k in ("q1", "q2", "q3"))
    assert [i.number for i in result.items] == [1, 2, 3]
    assert (q1.responses, q1.facility, q1.discrimination_27, q1.point_biserial) == (
        10,
        0.6,
        1.0,
        0.4814,
    )
    assert q1.distractors == {"": 1, "A": 6, "B": 2, "C": 1}
    assert (q2.facility, q2.discrimination_27, q2.point_biserial) == (0.5, 1.0, 0.427)
    assert q2.distractors == {"": 1, "A": 1, "B": 1, "C": 5, "D": 2}
    assert (q3.facility, q3.discrimination_27, q3.point_biserial) == (0.37, 0.4667, 0.3808)
    assert q3.key == "a:Đ b:S c:Đ d:S"
    statements = {
        s.statement: (s.key, s.counts, s.facility, s.discrimination_27) for s in q3.statements
    }
    assert statements == {
        "a": ("Đ", {"Đ": 7, "S": 2, "": 1}, 0.7, 0.6667),
        "b": ("S", {"Đ": 2, "S": 6, "": 2}, 0.6, 0.6667),
        "c": ("Đ", {"Đ": 5, "S": 3, "": 2}, 0.5, 0.3333),
        "d": ("S", {"Đ": 4, "S": 2, "": 4}, 0.2, 0.3333),
    }


def test_ungraded_attempts_are_scored_by_the_engine(data: ResultsExam) -> None:
    """Figures do not depend on the grading task having run yet."""
    from exams.models import Answer

    Answer.objects.filter(attempt__candidate__exam=data.exam).update(score=None)
    Attempt.objects.filter(candidate__exam=data.exam).update(score=None)
    q3 = next(
        i for i in analyse_subject(data.subject).items if i.item_version == data.versions["q3"]
    )
    assert (q3.facility, q3.discrimination_27, q3.point_biserial) == (0.37, 0.4667, 0.3808)


def test_written_back_to_the_bank_per_item_version(data: ResultsExam, login) -> None:
    client = login(results_data.coordinator(data.exam))
    url = f"/exams/{data.exam.pk}/item-analysis/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "<script>" not in html
    assert " style=" not in html
    assert 'data-statement="d"' in html
    r = client.post(url, {"subject": data.subject.pk})
    assert r.status_code == 302
    q1 = ItemStatistics.objects.get(version_id=data.versions["q1"])
    assert (q1.responses, q1.facility, q1.discrimination_27, q1.point_biserial) == (
        10,
        0.6,
        1.0,
        0.4814,
    )
    assert q1.distractors == {"": 1, "A": 6, "B": 2, "C": 1}
    q3 = ItemStatistics.objects.get(version_id=data.versions["q3"])
    assert q3.facility == 0.37
    assert q3.distractors["a:Đ"] == 7
    assert q3.distractors["d:S"] == 2
    assert q3.distractors[""] == 1
    assert AuditEvent.objects.filter(action="exams.subject.item_statistics").count() == 1
    # Another exam's subject cannot be written through this exam.
    other = results_data.build(organisation=data.exam.organisation, code="HK2")
    assert client.post(url, {"subject": other.subject.pk}).status_code == 404


def test_item_analysis_excel(data: ResultsExam, login) -> None:
    client = login(results_data.coordinator(data.exam))
    r = client.get(f"/exams/{data.exam.pk}/item-analysis.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    items = list(wb.worksheets[0].iter_rows(values_only=True))
    assert items[1][:9] == (
        "Toán",
        1,
        data.versions["q1"],
        "single_choice",
        "A",
        10,
        0.6,
        0.4814,
        1,
    )
    statements = list(wb.worksheets[1].iter_rows(values_only=True))
    assert statements[1] == ("Toán", 3, "a", "Đ", 7, 2, 1, 0.7, 0.6667)


def test_formula_injection_is_neutralised_in_the_export(data: ResultsExam, login) -> None:
    data.subject.name = '=HYPERLINK("http://x")'
    data.subject.save()
    client = login(results_data.coordinator(data.exam))
    r = client.get(f"/exams/{data.exam.pk}/item-analysis.xlsx")
    cell = load_workbook(io.BytesIO(r.content)).worksheets[0]["A2"].value
    assert cell.startswith("'=")


def test_only_the_exams_coordinators(data: ResultsExam, login) -> None:
    stranger = login(results_data.outsider())
    for path in ("item-analysis/", "item-analysis.xlsx"):
        assert stranger.get(f"/exams/{data.exam.pk}/{path}").status_code == 404
    assert (
        stranger.post(
            f"/exams/{data.exam.pk}/item-analysis/", {"subject": data.subject.pk}
        ).status_code
        == 404
    )
    assert not ItemStatistics.objects.exists()
    proctor = results_data.factories.UserFactory.create()
    Room.objects.get(name="P01", session__exam=data.exam).proctors.add(proctor)
    assert login(proctor).get(f"/exams/{data.exam.pk}/item-analysis/").status_code == 404
    anonymous = Client().get(f"/exams/{data.exam.pk}/item-analysis/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
