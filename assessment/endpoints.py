"""HTTP API of online tests: start an attempt, save answers, submit, get the result.

A student touches only their own attempts: any other attempt id answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from . import services
from .models import Assignment, Attempt
from .permissions import takes
from .views_data import attempt_payload, result_payload

router = Router(tags=["assessment"])


class ChoiceOut(Schema):
    id: str
    label: str | None = None
    html: str


class GapOut(Schema):
    id: str
    kind: str
    choices: list[ChoiceOut]


class QuestionOut(Schema):
    position: int
    part: str
    type: str
    points: str
    stem_html: str
    choices: list[ChoiceOut]
    targets: list[ChoiceOut]
    gaps: list[GapOut]


class SavedAnswer(Schema):
    position: int
    response: Any = None
    seq: int


class AttemptOut(Schema):
    id: int
    title: str
    state: str
    deadline: str
    server_now: str
    seconds_left: int
    questions: list[QuestionOut]
    answers: list[SavedAnswer]


class AnswersIn(Schema):
    answers: list[SavedAnswer]


class AckOut(Schema):
    position: int
    seq: int
    saved: bool


class AcksOut(Schema):
    acks: list[AckOut]


class ResultAnswerOut(Schema):
    position: int
    response: Any = None
    score: str
    comment: str
    key: Any = None
    solution_html: str | None = None


class ResultOut(Schema):
    id: int
    state: str
    visible: bool
    score: str | None = None
    max_points: str | None = None
    pending_manual: bool | None = None
    answers: list[ResultAnswerOut] = []


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("assignment__test"), pk=attempt_id)
    if attempt.student_id != request.user.pk:
        raise Http404
    return attempt


@router.post(
    "/assignments/{assignment_id}/attempts",
    response={201: AttemptOut},
    summary="Start (or resume) my attempt; the server fixes the deadline",
)
def start_attempt(request: HttpRequest, assignment_id: int) -> tuple[int, dict[str, Any]]:
    assignment = get_object_or_404(
        Assignment.objects.select_related("test", "group"), pk=assignment_id
    )
    if not takes(request.user, assignment):
        raise Http404
    attempt = services.start_attempt(request.user, assignment)
    return 201, attempt_payload(attempt)


@router.get("/attempts/{attempt_id}", response=AttemptOut, summary="My attempt, without keys")
def get_attempt(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    return attempt_payload(_own_attempt(request, attempt_id))


@router.put(
    "/attempts/{attempt_id}/answers",
    response=AcksOut,
    summary="Save answers; each carries a sequence number, so resending is harmless",
)
def save_answers(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> dict[str, Any]:
    attempt = _own_attempt(request, attempt_id)
    acks = services.save_answers(request.user, attempt, [a.dict() for a in payload.answers])
    return {"acks": [{"position": a.position, "seq": a.seq, "saved": a.saved} for a in acks]}


@router.post("/attempts/{attempt_id}/submit", response=ResultOut, summary="Submit my attempt")
def submit(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    attempt = services.submit_attempt(request.user, _own_attempt(request, attempt_id))
    return result_payload(attempt)


@router.get(
    "/attempts/{attempt_id}/result",
    response=ResultOut,
    summary="My result, as far as the result policy allows",
)
def get_result(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    return result_payload(_own_attempt(request, attempt_id))
