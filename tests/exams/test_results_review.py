"""The coordinator's score review (per room, histogram, mean, median), review marks, publication
through the service, and the candidate's result page before and after publication."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.models import AuditEvent
from exams import access
from exams.analysis import score_rows, summarise
from exams.models import Candidate, Exam, Room
from tests import factories
from tests.exams import results_data
from tests.exams.results_data import ResultsExam


@pytest.fixture
def data(db: None) -> ResultsExam:
    return results_data.build()


def _candidate_client(candidate: Candidate) -> Client:
    client = Client()
    r = client.post(
        "/thi/",
        {
            "exam": candidate.exam.code,
            "number": candidate.number,
            "password": access.candidate_password(candidate.pk, candidate.number),
        },
    )
    assert r.status_code == 302
    return client


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match, testid
    return match.group(1).strip()


def test_summary_figures(data: ResultsExam) -> None:
    """10-point values: 10, 8.3, 7.5, 7.0, 6.7, 3.3, 5.0, 0.3, 0.0, 0.8."""
    summary = summarise(score_rows(Candidate.objects.filter(exam=data.exam)))
    assert summary.count == 10
    assert str(summary.mean) == "4.89"
    assert str(summary.median) == "5.85"
    assert summary.histogram == [3, 0, 0, 1, 0, 1, 1, 2, 1, 1]
    first = next(r for r in summary.rows if r.candidate.number == "000001")
    assert (str(first.score), str(first.max_points), str(first.ten)) == ("3.00", "3", "10.0")


def test_review_page_filters_by_room(data: ResultsExam, login) -> None:
    client = login(results_data.coordinator(data.exam))
    page = client.get(f"/exams/{data.exam.pk}/review/").content.decode()
    assert _text(page, "count") == "10"
    assert _text(page, "mean") in ("4.89", "4,89")
    assert _text(page, "median") in ("5.85", "5,85")
    assert "<svg" in page
    assert "<script>" not in page
    assert " style=" not in page
    room = data.rooms[0]
    expected = list(Candidate.objects.filter(room=room).values_list("number", flat=True))
    page = client.get(f"/exams/{data.exam.pk}/review/?room={room.pk}").content.decode()
    assert _text(page, "count") == "5"
    table = page.split('data-testid="scores"', 1)[1]
    for c in data.candidates:
        assert (c.number in table) == (c.number in expected)
    page = client.get(f"/exams/{data.exam.pk}/review/?subject={data.subject.pk}").content.decode()
    assert _text(page, "count") == "10"
    other = results_data.build(organisation=data.exam.organisation, code="HK3")
    page = client.get(f"/exams/{data.exam.pk}/review/?subject={other.subject.pk}").content.decode()
    assert _text(page, "count") == "10"  # a foreign subject is ignored, not shown


def test_review_then_publish_then_candidate_sees_score(data: ResultsExam, login) -> None:
    candidate = data.candidates[1]  # total 2.5 of 3
    me = _candidate_client(candidate)
    before = me.get("/thi/ket-qua/")
    assert before.status_code == 200
    html = before.content.decode()
    assert 'data-testid="not-published"' in html
    assert 'data-testid="score"' not in html
    assert "2.50" not in html
    assert "2,50" not in html
    assert "a:Đ" not in html
    assert 'data-testid="answers"' not in html

    coordinator = results_data.coordinator(data.exam)
    client = login(coordinator)
    url = f"/exams/{data.exam.pk}/review/"
    # Not every room reviewed: refused with the rooms named, nothing published.
    r = client.post(url, {"action": "publish"}, follow=True)
    assert "Chưa duyệt điểm các phòng: P01, P02." in r.content.decode()
    data.exam.refresh_from_db()
    assert data.exam.results_published is None
    for room in data.rooms:
        assert client.post(url, {"action": "review", "room": room.pk}).status_code == 302
    assert Room.objects.filter(results_reviewed__isnull=False).count() == 2
    assert client.post(url, {"action": "publish"}).status_code == 302
    data.exam.refresh_from_db()
    assert data.exam.results_published is not None
    actions = set(AuditEvent.objects.filter(actor=coordinator).values_list("action", flat=True))
    assert {"exams.room.review", "exams.exam.publish_results"} <= actions
    # Once published, reopening a room's review is refused.
    client.post(url, {"action": "unreview", "room": data.rooms[0].pk})
    assert Room.objects.get(pk=data.rooms[0].pk).results_reviewed is not None

    html = me.get("/thi/ket-qua/").content.decode()
    assert _text(html, "score") in ("2.50 / 3", "2,50 / 3")
    assert 'data-testid="answers"' not in html
    assert "a:Đ" not in html

    assert client.post(url, {"action": "policy", "show_answers": "1"}).status_code == 302
    assert AuditEvent.objects.filter(action="exams.exam.result_policy").exists()
    html = me.get("/thi/ket-qua/").content.decode()
    answers = html.split('data-testid="answers"', 1)[1]
    assert "a:Đ b:S c:Đ d:S" in answers  # the true/false key
    assert "a:Đ b:S c:Đ d:Đ" in answers  # what this candidate answered

    # Withdrawn publication hides the score again.
    client.post(url, {"action": "unpublish"})
    html = me.get("/thi/ket-qua/").content.decode()
    assert 'data-testid="not-published"' in html
    assert "a:Đ" not in html


def test_result_page_needs_the_candidate_sign_in(data: ResultsExam) -> None:
    r = Client().get("/thi/ket-qua/")
    assert r.status_code == 302
    assert r["Location"] == "/thi/"


def test_other_schools_proctors_and_other_exams_are_refused(data: ResultsExam, login) -> None:
    url = f"/exams/{data.exam.pk}/review/"
    stranger = login(results_data.outsider())
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"action": "review", "room": data.rooms[0].pk}).status_code == 404
    for room in data.rooms:
        room.results_reviewed = room.results_reviewed or data.exam.created
        room.save()
    assert stranger.post(url, {"action": "publish"}).status_code == 404
    assert not Exam.objects.filter(results_published__isnull=False).exists()
    proctor = factories.UserFactory.create()
    data.rooms[0].proctors.add(proctor)
    assert login(proctor).get(url).status_code == 404
    # A room of another exam cannot be marked through this one.
    other = results_data.build(organisation=data.exam.organisation, code="HK9")
    client = login(results_data.coordinator(data.exam))
    r = client.post(url, {"action": "review", "room": other.rooms[0].pk})
    assert r.status_code == 404
    assert Room.objects.get(pk=other.rooms[0].pk).results_reviewed is None
    # A student of the school is no coordinator.
    student = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=student, organisation=data.exam.organisation, role="student"
    )
    assert login(student).get(url).status_code == 404
