"""HTTP API of computer-based exams (protocol in docs/exams.md).

Candidate endpoints authenticate with the token from sign-in in the `X-Exam-Token` header (a
custom header, so no CSRF token is needed and cross-site pages cannot send it). Errors carry
`detail` (Vietnamese) and a stable `code` for the player.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from core.api import client_ip

from . import services
from .models import Attempt
from .payloads import attempt_payload, state_payload

router = Router(tags=["exams"])
# Every refusal of the delivery path (see services.ExamError).
ERRORS = frozenset({400, 401, 403, 404, 409, 410, 422, 423})
TOKEN_HEADER = "HTTP_X_EXAM_TOKEN"  # noqa: S105 - a header name
SEB_HEADER = "HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH"


class ErrorOut(Schema):
    detail: str
    code: str


class SignInIn(Schema):
    exam: str
    number: str
    password: str


class SignInOut(Schema):
    attempt: int
    token: str
    number: str
    full_name: str
    room: str | None = None
    seat: int | None = None
    state: str


class StartIn(Schema):
    access_code: str


class StateOut(Schema):
    id: int
    state: str
    paused: bool
    locked: bool
    deadline: str | None = None
    server_now: str
    seconds_left: int
    receipt: str | None = None


class AnswerIn(Schema):
    position: int
    response: Any = None
    seq: int


class AnswersIn(Schema):
    answers: list[AnswerIn]


class AckOut(Schema):
    position: int
    seq: int
    saved: bool


class AcksOut(Schema):
    acks: list[AckOut]


class AttemptOut(StateOut):
    title: str
    version: str
    questions: list[dict[str, Any]]
    answers: list[AnswerIn]


class ReceiptOut(Schema):
    receipt: str
    canonical: str


def _token(request: HttpRequest) -> str:
    return request.META.get(TOKEN_HEADER, "")


def _guard(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except services.ExamError as error:
        return Status(error.status, {"detail": error.message, "code": error.code})


@router.post(
    "/sign-in",
    auth=None,
    response={200: SignInOut, ERRORS: ErrorOut},
    summary="Candidate number + password → the attempt id and a bearer token (X-Exam-Token)",
)
def sign_in(request: HttpRequest, payload: SignInIn) -> Any:
    def run() -> dict[str, Any]:
        s = services.sign_in_candidate(payload.exam, payload.number, payload.password)
        c = s.candidate
        return {
            "attempt": s.attempt_id,
            "token": s.token,
            "number": c.number,
            "full_name": c.full_name,
            "room": c.room.name if c.room else None,
            "seat": c.seat,
            "state": c.attempt.state,
        }

    return _guard(run)


@router.post(
    "/attempts/{attempt_id}/start",
    auth=None,
    response={200: StateOut, ERRORS: ErrorOut},
    summary="Enter with the room's access code; fixes the server deadline (idempotent)",
)
def start(request: HttpRequest, attempt_id: int, payload: StartIn) -> Any:
    return _guard(
        lambda: state_payload(
            services.start_attempt(
                attempt_id,
                _token(request),
                access_code=payload.access_code,
                ip=client_ip(request),
                url=request.build_absolute_uri(),
                seb_header=request.META.get(SEB_HEADER),
            )
        )
    )


@router.get(
    "/attempts/{attempt_id}",
    auth=None,
    response={200: AttemptOut, ERRORS: ErrorOut},
    summary="The attempt for the player: questions (no keys), saved answers, server deadline",
)
def get_attempt(request: HttpRequest, attempt_id: int) -> Any:
    return _guard(lambda: attempt_payload(services.attempt_state(attempt_id, _token(request))))


@router.get(
    "/attempts/{attempt_id}/state",
    auth=None,
    response={200: StateOut, ERRORS: ErrorOut},
    summary="State and seconds left by the server clock (submits first if time ran out)",
)
def get_state(request: HttpRequest, attempt_id: int) -> Any:
    return _guard(lambda: state_payload(services.attempt_state(attempt_id, _token(request))))


@router.put(
    "/attempts/{attempt_id}/answers",
    auth=None,
    response={200: AcksOut, ERRORS: ErrorOut},
    summary="Save answers with per-position sequence numbers; acknowledged after commit",
)
def save_answers(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> Any:
    def run() -> dict[str, Any]:
        acks = services.save_answers(
            attempt_id, _token(request), [a.dict() for a in payload.answers]
        )
        return {"acks": [{"position": a.position, "seq": a.seq, "saved": a.saved} for a in acks]}

    return _guard(run)


@router.post(
    "/attempts/{attempt_id}/submit",
    auth=None,
    response={200: StateOut, ERRORS: ErrorOut},
    summary="Submit (idempotent); the response carries the receipt",
)
def submit(request: HttpRequest, attempt_id: int) -> Any:
    return _guard(lambda: state_payload(services.submit_attempt(attempt_id, token=_token(request))))


@router.get(
    "/attempts/{attempt_id}/receipt",
    auth=None,
    response={200: ReceiptOut, ERRORS: ErrorOut},
    summary="The receipt and the canonical answers document it hashes",
)
def receipt(request: HttpRequest, attempt_id: int) -> Any:
    def run() -> Any:
        services.authenticate(attempt_id, _token(request))
        attempt = Attempt.objects.select_related("candidate__exam").get(pk=attempt_id)
        if attempt.state != Attempt.State.SUBMITTED:
            raise services.ExamError("not_submitted", _("Bài chưa nộp."), 409)
        return {
            "receipt": attempt.receipt,
            "canonical": services.receipt_document(attempt).decode("utf-8"),
        }

    return _guard(run)
