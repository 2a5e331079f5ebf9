"""Every change to exams goes through here: organising an exam, delivery (sign-in, start, save,
submit), the proctor's actions and results. Each change is audited; consoles are told after
commit."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import api as assessment
from core.api import User, audit, name_sort_key

from . import access, receipts
from .live import push_room
from .models import Answer, Attempt, Candidate, Exam, ExamSubject, Incident, Room, Session

# Saves that were on the wire when the deadline passed are still taken for this long; the
# server submits expired attempts only after it.
GRACE_SECONDS = 10
MAX_CODE_FAILURES = 5


class ExamError(Exception):
    """A delivery refusal with a machine code (for the player) and a Vietnamese message."""

    status = 409

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _taken_over() -> ExamError:
    return ExamError(
        "taken_over",
        _("Phiên làm bài này đã bị thay thế bởi một lần đăng nhập khác. Hãy báo cán bộ coi thi."),
        409,
    )


# --- Organising ------------------------------------------------------------------------------


def create_exam(actor: Any, *, organisation: Any, code: str, title: str) -> Exam:
    if Exam.objects.filter(code=code).exists():
        raise ValidationError(_("Mã kỳ thi %(code)s đã có.") % {"code": code})
    with transaction.atomic():
        exam = Exam.objects.create(
            organisation=organisation,
            code=code,
            title=title,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record("exams.exam.create", exam, actor=actor, after=audit.snapshot(exam))
    return exam


def add_subject(actor: Any, exam: Exam, *, name: str, test: Any) -> ExamSubject:
    if not assessment.TestVersion.objects.filter(test=test).exists():
        raise ValidationError(_("Đề %(t)s chưa có mã đề nào: hãy trộn đề trước.") % {"t": test})
    with transaction.atomic():
        subject = ExamSubject.objects.create(exam=exam, name=name, test=test)
        audit.record("exams.subject.create", subject, actor=actor, after=audit.snapshot(subject))
    return subject


def create_session(
    actor: Any,
    subject: ExamSubject,
    *,
    name: str,
    starts: dt.datetime,
    ends: dt.datetime,
    duration_minutes: int,
) -> Session:
    if ends <= starts:
        raise ValidationError(_("Giờ kết thúc ca thi phải sau giờ bắt đầu."))
    if duration_minutes < 1:
        raise ValidationError(_("Thời gian làm bài phải ít nhất 1 phút."))
    with transaction.atomic():
        session = Session.objects.create(
            exam=subject.exam,
            subject=subject,
            name=name,
            starts=starts,
            ends=ends,
            duration_minutes=duration_minutes,
        )
        audit.record("exams.session.create", session, actor=actor, after=audit.snapshot(session))
    return session


def create_room(
    actor: Any,
    session: Session,
    *,
    name: str,
    capacity: int = 24,
    proctors: list[Any] | None = None,
    ip_subnets: str = "",
    seb_config_key: str = "",
) -> Room:
    bad = access.valid_subnets(ip_subnets)
    if bad:
        raise ValidationError(_("Dải IP không hợp lệ: %(bad)s") % {"bad": ", ".join(bad)})
    with transaction.atomic():
        room = Room.objects.create(
            session=session,
            name=name,
            capacity=capacity,
            ip_subnets=ip_subnets,
            seb_config_key=seb_config_key.strip().lower(),
        )
        if proctors:
            room.proctors.set(proctors)
        audit.record("exams.room.create", room, actor=actor, after=audit.snapshot(room))
    return room


def _next_numbers(exam: Exam, count: int) -> list[str]:
    last = 0
    for number in Candidate.objects.filter(exam=exam).values_list("number", flat=True):
        if number.isdigit():
            last = max(last, int(number))
    return [f"{n:06d}" for n in range(last + 1, last + 1 + count)]


def add_candidates(actor: Any, session: Session, people: list[dict[str, Any]]) -> list[Candidate]:
    """Candidates with their pre-generated attempts (state "ready", version set).

    `people`: dicts with full_name and optionally number, class_name, date_of_birth, user.
    Numbers missing are given in order after the exam's highest. All or nothing.
    """
    exam = session.exam
    versions = list(assessment.TestVersion.objects.filter(test_id=session.subject.test_id))
    if not versions:
        raise ValidationError(_("Đề của môn thi chưa có mã đề."))
    taken = set(Candidate.objects.filter(exam=exam).values_list("number", flat=True))
    auto = iter(_next_numbers(exam, sum(1 for p in people if not p.get("number"))))
    rows = []
    for person in people:
        number = str(person.get("number") or next(auto))
        if number in taken:
            raise ValidationError(_("Số báo danh %(n)s bị trùng.") % {"n": number})
        taken.add(number)
        rows.append((number, person))
    with transaction.atomic():
        candidates = Candidate.objects.bulk_create(
            [
                Candidate(
                    exam=exam,
                    session=session,
                    number=number,
                    full_name=" ".join(str(p["full_name"]).split()),
                    name_key=name_sort_key(str(p["full_name"])),
                    class_name=p.get("class_name", ""),
                    date_of_birth=p.get("date_of_birth"),
                    user=p.get("user"),
                )
                for number, p in rows
            ]
        )
        if candidates and candidates[0].pk is None:  # backends without RETURNING on bulk insert
            candidates = list(Candidate.objects.filter(exam=exam, number__in=[n for n, _p in rows]))
        Attempt.objects.bulk_create(
            [
                Attempt(
                    candidate=c,
                    version=versions[i % len(versions)],
                    version_code=versions[i % len(versions)].code,
                    layout=versions[i % len(versions)].layout,
                    size=len(versions[i % len(versions)].layout),
                )
                for i, c in enumerate(candidates)
            ]
        )
        audit.record(
            "exams.candidates.add",
            session,
            actor=actor,
            after={"count": len(candidates), "numbers": [c.number for c in candidates][:50]},
        )
    return candidates


def add_candidates_from_classes(
    actor: Any, session: Session, classes: list[Any]
) -> list[Candidate]:
    """Every student enrolled in the classes who is not yet a candidate of the exam."""
    already = set(
        Candidate.objects.filter(exam=session.exam, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    people = []
    for school_class in classes:
        for enrolment in school_class.enrolments.select_related("student"):
            student = enrolment.student
            if student.pk in already:
                continue
            already.add(student.pk)
            people.append(
                {
                    "full_name": student.full_name,
                    "class_name": school_class.name,
                    "date_of_birth": student.date_of_birth,
                    "user": student,
                }
            )
    return add_candidates(actor, session, people)


def assign_seats(actor: Any, session: Session, *, mode: str = "random", seed: str = "") -> None:
    """Fill the session's rooms in order, seat 1, 2, ...; neighbours get different versions.

    mode "random" shuffles with `seed` (reproducible), "alphabetical" orders by given name the
    Vietnamese way (as core sorts names). Only candidates who have not started are moved.
    """
    rooms = list(session.rooms.order_by("name", "pk"))
    candidates = list(session.candidates.select_related("attempt").order_by("number"))
    if sum(r.capacity for r in rooms) < len(candidates):
        raise ValidationError(
            _("Các phòng chỉ đủ %(cap)s chỗ cho %(n)s thí sinh.")
            % {"cap": sum(r.capacity for r in rooms), "n": len(candidates)}
        )
    if any(c.attempt.state != Attempt.State.READY for c in candidates):
        raise ValidationError(_("Đã có thí sinh bắt đầu làm bài: không xếp lại chỗ được."))
    if mode == "alphabetical":
        candidates.sort(key=lambda c: (c.name_key, c.number))
    else:
        random.Random(f"{session.pk}:{seed}").shuffle(candidates)
    versions = list(assessment.TestVersion.objects.filter(test_id=session.subject.test_id))
    with transaction.atomic():
        index = 0
        for room in rooms:
            for seat in range(1, room.capacity + 1):
                if index >= len(candidates):
                    break
                c = candidates[index]
                c.room, c.seat = room, seat
                version = versions[(seat - 1) % len(versions)]
                c.attempt.version, c.attempt.version_code = version, version.code
                c.attempt.layout, c.attempt.size = version.layout, len(version.layout)
                index += 1
        Candidate.objects.bulk_update(candidates, ["room", "seat"], batch_size=500)
        Attempt.objects.bulk_update(
            [c.attempt for c in candidates],
            ["version", "version_code", "layout", "size"],
            batch_size=500,
        )
        audit.record(
            "exams.session.assign_seats", session, actor=actor, after={"mode": mode, "seed": seed}
        )


# --- Sign-in and delivery --------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    attempt_id: int
    token: str
    candidate: Candidate


def _issue_token(attempt: Attempt, actor: Any, how: str) -> str:
    token, hashed = access.new_token()
    took_over = bool(attempt.token_hash)
    Attempt.objects.filter(pk=attempt.pk).update(token_hash=hashed, last_seen=timezone.now())
    audit.record(
        "exams.attempt.takeover" if took_over else "exams.attempt.sign_in",
        attempt,
        actor=actor,
        after={"how": how, "took_over": took_over},
    )
    room = attempt.candidate.room
    push_room(room.pk if room else None, attempt.candidate.exam_id, event="sign_in")
    return token


def sign_in_candidate(exam_code: str, number: str, password: str) -> SignIn:
    """Candidate number + printed password. A second sign-in replaces the first (logged)."""
    candidate = (
        Candidate.objects.select_related("attempt", "room", "exam")
        .filter(exam__code=exam_code.strip(), number=number.strip())
        .first()
    )
    if candidate is None or not access.password_matches(candidate.pk, candidate.number, password):
        audit.record(
            "exams.attempt.sign_in_failed",
            None,
            object_type="exams.candidate",
            object_repr=f"{exam_code}/{number}"[:255],
        )
        raise ExamError("bad_credentials", _("Sai số báo danh hoặc mật khẩu."), 401)
    with transaction.atomic():
        token = _issue_token(candidate.attempt, candidate.user, "password")
    return SignIn(candidate.attempt.pk, token, candidate)


def sign_in_own_account(user: Any, candidate_id: int) -> SignIn:
    """A student already signed in with their own account enters as their candidate."""
    candidate = (
        Candidate.objects.select_related("attempt", "room", "exam")
        .filter(pk=candidate_id, user=user)
        .first()
    )
    if candidate is None:
        raise ExamError("not_found", _("Không tìm thấy."), 404)
    with transaction.atomic():
        token = _issue_token(candidate.attempt, user, "account")
    return SignIn(candidate.attempt.pk, token, candidate)


# What a save checks, read under lock (both save paths) or plainly (every other call).
ATTEMPT_ROW_FIELDS = ("token_hash", "state", "deadline", "paused_at", "locked", "size")


def _row(attempt_id: int, token: str) -> Any:
    row = Attempt.objects.filter(pk=attempt_id).values(*ATTEMPT_ROW_FIELDS).first()
    if row is None:
        raise ExamError("not_found", _("Không tìm thấy."), 404)
    check_token(row["token_hash"], token)
    return row


def check_token(stored: str, token: str) -> None:
    if not token or not stored:
        raise ExamError("unauthenticated", _("Cần đăng nhập vào phòng thi."), 401)
    if not access.hmac.compare_digest(stored, access.token_hash(token)):
        raise _taken_over()


def authenticate(attempt_id: int, token: str) -> None:
    """Raises unless `token` is the attempt's current sign-in."""
    _row(attempt_id, token)


# --- Start and submit: the rules, shared by the Django endpoints and the event-loop fast path ---
# (exams/fastpath.py). Each path reads the same row (the querysets below; the fast path runs
# their compiled SQL), decides with the same pure functions and writes what they return.

# The attempt's own fields a start or a submit needs, then the related ones by alias.
_START_OWN = (
    "token_hash",
    "state",
    "locked",
    "code_failures",
    "extra_seconds",
    "deadline",
    "paused_at",
    "receipt",
)
_CANDIDATE = {
    "exam_id": "candidate__exam_id",
    "user_id": "candidate__user_id",
    "username": "candidate__user__username",
    "number": "candidate__number",
    "full_name": "candidate__full_name",
    "duration_minutes": "candidate__session__duration_minutes",
    "room_id": "candidate__room_id",
}
_ROOM = {
    "room_name": "candidate__room__name",
    "ip_subnets": "candidate__room__ip_subnets",
    "seb_config_key": "candidate__room__seb_config_key",
    "room_locked": "candidate__room__locked",
    "released": "candidate__room__released",
    "access_code": "candidate__room__access_code",
    "room_paused_at": "candidate__room__paused_at",
    "session_ends": "candidate__session__ends",
}
_SUBMIT_OWN = ("token_hash", "state", "locked", "extra_seconds", "deadline", "paused_at", "receipt")


def start_row_query(attempt_id: int) -> Any:
    """What a start decides on: the attempt, its candidate, room and session (one row)."""
    return Attempt.objects.filter(pk=attempt_id).values(
        *_START_OWN, **{k: F(v) for k, v in {**_CANDIDATE, **_ROOM}.items()}
    )


def submit_row_query(attempt_id: int) -> Any:
    """What a submit decides on (the caller locks the attempt row)."""
    return Attempt.objects.filter(pk=attempt_id).values(
        *_SUBMIT_OWN,
        exam_code=F("candidate__exam__code"),
        **{k: F(v) for k, v in _CANDIDATE.items()},
    )


def answers_query(attempt_id: int) -> Any:
    """(position, response) of every stored answer: what the receipt hashes."""
    return Answer.objects.filter(attempt_id=attempt_id).values_list("position", "response")


class WrongCode(ExamError):
    """A wrong access code: the caller counts the failure (code_failures + 1), then refuses."""


@dataclass(frozen=True)
class StartPlan:
    deadline: dt.datetime
    paused_at: dt.datetime | None


def plan_start(
    row: dict[str, Any],
    token: str,
    *,
    access_code: str,
    ip: str | None,
    url: str,
    seb_header: str | None,
    now: dt.datetime,
) -> StartPlan | None:
    """Every rule of entering the room, on start_row_query's row. None: already started (the
    attempt is returned as it is, submitted first if its time ran out: expired())."""
    check_token(row["token_hash"], token)
    if row["room_id"] is None:
        raise ExamError("no_room", _("Thí sinh chưa được xếp phòng thi."), 403)
    if not access.ip_allowed(ip, row["ip_subnets"]):
        raise ExamError(
            "ip_denied",
            _("Máy này không nằm trong dải mạng của phòng thi %(r)s.") % {"r": row["room_name"]},
            403,
        )
    if not access.seb_ok(row["seb_config_key"], url, seb_header):
        raise ExamError(
            "seb_required", _("Phòng thi yêu cầu Safe Exam Browser đúng cấu hình."), 403
        )
    if row["state"] != Attempt.State.READY:
        return None
    if row["locked"] or row["room_locked"]:
        raise ExamError("locked", _("Bài thi đang bị khoá, hãy báo cán bộ coi thi."), 423)
    if row["code_failures"] >= MAX_CODE_FAILURES:
        raise ExamError(
            "too_many_codes", _("Nhập sai mã quá nhiều lần: cán bộ coi thi cần mở khoá."), 423
        )
    if row["released"] is None or not row["access_code"]:
        raise ExamError("not_released", _("Cán bộ coi thi chưa phát mã vào phòng."), 403)
    if not now < row["session_ends"]:
        raise ExamError("session_over", _("Ca thi đã kết thúc."), 403)
    # As bytes: compare_digest refuses str with non-ASCII characters (a typo must not be a 500).
    if not access.hmac.compare_digest(row["access_code"].encode(), access_code.strip().encode()):
        raise WrongCode("bad_code", _("Mã vào phòng không đúng."), 403)
    deadline = min(now + dt.timedelta(minutes=row["duration_minutes"]), row["session_ends"])
    deadline += dt.timedelta(seconds=row["extra_seconds"])
    return StartPlan(deadline, now if row["room_paused_at"] else None)


def expired(row: dict[str, Any], now: dt.datetime) -> bool:
    """In progress, not paused and past the deadline plus the grace: the server submits it."""
    return (
        row["state"] == Attempt.State.IN_PROGRESS
        and row["paused_at"] is None
        and row["deadline"] is not None
        and now > row["deadline"] + dt.timedelta(seconds=GRACE_SECONDS)
    )


def attempt_from_row(attempt_id: int, row: dict[str, Any], **changes: Any) -> Attempt:
    """The attempt as start_row_query's or submit_row_query's row has it (plus `changes`), in
    memory: what the state payload and the audit row need, without reading it again. Never
    saved: it carries only those fields (no layout, no version)."""
    user = User(pk=row["user_id"], username=row["username"]) if row["user_id"] else None
    session = Session(duration_minutes=row["duration_minutes"])
    candidate = Candidate(
        exam_id=row["exam_id"],
        room_id=row["room_id"],
        number=row["number"],
        full_name=row["full_name"],
        user=user,
        session=session,
    )
    fields = {k: row[k] for k in _SUBMIT_OWN}
    attempt = Attempt(pk=attempt_id, candidate=candidate, **{**fields, **changes})
    return attempt


def start_changes(plan: StartPlan, now: dt.datetime) -> dict[str, Any]:
    """The attempt's new values at the start (written only while it is still ready)."""
    return {
        "state": Attempt.State.IN_PROGRESS.value,
        "started": now,
        "deadline": plan.deadline,
        "paused_at": plan.paused_at,
    }


def start_audit_after(plan: StartPlan, ip: str | None) -> dict[str, Any]:
    return {"deadline": plan.deadline.isoformat(), "ip": ip}


def submit_needed(row: dict[str, Any], *, by: str) -> bool:
    """False: already submitted (a repeated submit changes nothing and returns the same
    receipt). The candidate cannot submit what they never started; the server can."""
    if row["state"] == Attempt.State.SUBMITTED:
        return False
    if row["state"] == Attempt.State.READY and by == "candidate":
        raise ExamError("not_started", _("Bài thi chưa bắt đầu."), 409)
    return True


def plan_submit(
    row: dict[str, Any],
    attempt_id: int,
    answers: list[tuple[int, Any]],
    *,
    by: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The attempt's new values at submission, from submit_row_query's row read under lock and
    answers_query's answers (after submit_needed said yes)."""
    receipt = receipts.digest(
        receipts.canonical(row["exam_code"], row["number"], attempt_id, answers)
    )
    return {
        "receipt": receipt,
        "state": Attempt.State.SUBMITTED.value,
        "submitted": min(now, row["deadline"]) if row["deadline"] else now,
        "submitted_by": by,
        "paused_at": None,
    }


def submit_audit_after(by: str, values: dict[str, Any], answers: int) -> dict[str, Any]:
    return {"by": by, "receipt": values["receipt"], "answers": answers}


def start_attempt(
    attempt_id: int,
    token: str,
    *,
    access_code: str,
    ip: str | None = None,
    url: str = "",
    seb_header: str | None = None,
    now: dt.datetime | None = None,
) -> Attempt:
    """Enter the room with the proctor's code: one UPDATE fixes started and the deadline.

    Already started: returns the attempt unchanged (a re-entry after a crash needs no code).
    """
    now = now or timezone.now()
    row = start_row_query(attempt_id).first()
    if row is None:
        raise ExamError("not_found", _("Không tìm thấy."), 404)
    try:
        plan = plan_start(
            row, token, access_code=access_code, ip=ip, url=url, seb_header=seb_header, now=now
        )
    except WrongCode:
        Attempt.objects.filter(pk=attempt_id).update(code_failures=F("code_failures") + 1)
        raise
    if plan is None:
        if expired(row, now):
            submit_attempt(attempt_id, by="server", now=now)
        return Attempt.objects.get(pk=attempt_id)
    with transaction.atomic():
        changes = start_changes(plan, now)
        changed = Attempt.objects.filter(pk=attempt_id, state=Attempt.State.READY).update(**changes)
        if not changed:  # a concurrent start won
            return Attempt.objects.get(pk=attempt_id)
        attempt = attempt_from_row(attempt_id, row, **changes)
        audit.record(
            "exams.attempt.start",
            attempt,
            actor=attempt.candidate.user,
            after=start_audit_after(plan, ip),
        )
        push_room(row["room_id"], row["exam_id"], event="start")
    return attempt


@dataclass(frozen=True)
class Ack:
    position: int
    seq: int
    saved: bool  # False: the server already held this or a newer change


def upsert_sql(count: int) -> str:
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join([f"(%s, %s, {cast}, %s, %s)"] * count)
    table = Answer._meta.db_table
    # Only placeholders and our own table name are interpolated; values go as parameters.
    return (
        f"INSERT INTO {table} (attempt_id, position, response, seq, saved) VALUES {values} "  # noqa: S608
        "ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response, "
        f"seq = excluded.seq, saved = excluded.saved WHERE {table}.seq < excluded.seq "
        "RETURNING position, seq"
    )


def upsert_many_sql() -> str:
    """upsert_sql for several attempts at once, PostgreSQL only (the fast path's batches): the
    rows as five arrays, so the text is the same whatever their number and the statement stays
    prepared. No (attempt, position) may come twice."""
    table = Answer._meta.db_table
    return (
        f"INSERT INTO {table} (attempt_id, position, response, seq, saved) "  # noqa: S608
        "SELECT a, p, CAST(r AS jsonb), q, s FROM unnest("
        "%s::bigint[], %s::integer[], %s::text[], %s::integer[], %s::timestamptz[]"
        ") AS u(a, p, r, q, s) "
        "ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response, "
        f"seq = excluded.seq, saved = excluded.saved WHERE {table}.seq < excluded.seq "
        "RETURNING attempt_id, position"
    )


def upsert_many_params(batch: list[tuple[int, dict[int, dict[str, Any]], Any]]) -> list[Any]:
    """The five arrays of upsert_many_sql for (attempt id, plan_answers(...), stamp) triples."""
    columns: list[list[Any]] = [[], [], [], [], []]
    for attempt_id, latest, stamp in batch:
        for e in latest.values():
            for column, value in zip(
                columns,
                (attempt_id, e["position"], json.dumps(e["response"]), e["seq"], stamp),
                strict=True,
            ):
                column.append(value)
    return columns


def plan_answers(answers: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The newest change per position (by seq); refuses positions and seqs below 1."""
    latest: dict[int, dict[str, Any]] = {}
    for entry in answers:
        position, seq = int(entry["position"]), int(entry["seq"])
        if position < 1 or seq < 1:
            raise ExamError("bad_answer", _("Câu %(n)s không có trong bài.") % {"n": position}, 422)
        if position not in latest or seq > latest[position]["seq"]:
            latest[position] = {"position": position, "seq": seq, "response": entry.get("response")}
    return latest


def check_answers_allowed(
    row: dict[str, Any], token: str, latest: dict[int, dict[str, Any]], now: dt.datetime
) -> None:
    """Everything a save must pass, on the attempt row read under lock (shared by the Django
    endpoint and the ASGI fast path in exams/fastpath.py)."""
    check_token(row["token_hash"], token)
    _check_open(row, now)
    outside = [p for p in latest if p > row["size"]]
    if outside:
        raise ExamError("bad_answer", _("Câu %(n)s không có trong bài.") % {"n": outside[0]}, 422)


def upsert_params(attempt_id: int, latest: dict[int, dict[str, Any]], stamp: Any) -> list[Any]:
    params: list[Any] = []
    for e in latest.values():
        params += [attempt_id, e["position"], json.dumps(e["response"]), e["seq"], stamp]
    return params


def acks_for(latest: dict[int, dict[str, Any]], stored: set[int]) -> list[Ack]:
    return [Ack(p, e["seq"], p in stored) for p, e in sorted(latest.items())]


def save_answers(
    attempt_id: int, token: str, answers: list[dict[str, Any]], *, now: dt.datetime | None = None
) -> list[Ack]:
    """Store each (position, response, seq) unless the server holds the same or a newer seq.

    One statement in one transaction with the attempt row locked against submission: when this
    returns, the answers are committed, so the acknowledgement can be trusted.
    """
    now = now or timezone.now()
    latest = plan_answers(answers)
    with transaction.atomic():
        row = (
            Attempt.objects.filter(pk=attempt_id)
            .select_for_update(no_key=True)
            .values(*ATTEMPT_ROW_FIELDS)
            .first()
        )
        if row is None:
            raise ExamError("not_found", _("Không tìm thấy."), 404)
        check_answers_allowed(row, token, latest, now)
        if not latest:
            return []
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(upsert_sql(len(latest)), upsert_params(attempt_id, latest, stamp))
            stored = {int(p) for p, _s in cursor.fetchall()}
    return acks_for(latest, stored)


def _check_open(row: dict[str, Any], now: dt.datetime) -> None:
    if row["state"] == Attempt.State.READY:
        raise ExamError("not_started", _("Bài thi chưa bắt đầu."), 409)
    if row["state"] == Attempt.State.SUBMITTED:
        raise ExamError("submitted", _("Bài đã nộp, không lưu thêm được."), 410)
    if row["locked"]:
        raise ExamError("locked", _("Bài thi đang bị khoá, hãy báo cán bộ coi thi."), 423)
    if row["paused_at"] is not None:
        raise ExamError("paused", _("Cán bộ coi thi đang tạm dừng giờ làm bài."), 423)
    if now > row["deadline"] + dt.timedelta(seconds=GRACE_SECONDS):
        raise ExamError("time_over", _("Đã hết giờ làm bài."), 410)


def _expire_if_due(attempt: Attempt, now: dt.datetime) -> bool:
    if expired(
        {"state": attempt.state, "paused_at": attempt.paused_at, "deadline": attempt.deadline}, now
    ):
        submit_attempt(attempt.pk, by="server", now=now)
        return True
    return False


def attempt_state(attempt_id: int, token: str, *, now: dt.datetime | None = None) -> Attempt:
    """The attempt for the player, submitting it first if its time ran out."""
    now = now or timezone.now()
    _row(attempt_id, token)
    attempt = Attempt.objects.select_related("candidate__exam", "candidate__session").get(
        pk=attempt_id
    )
    if _expire_if_due(attempt, now):
        attempt.refresh_from_db()
    Attempt.objects.filter(pk=attempt_id).update(last_seen=now)
    return attempt


def submit_attempt(
    attempt_id: int,
    *,
    token: str | None = None,
    by: str = "candidate",
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Attempt:
    """Close the attempt and fix its receipt; idempotent (a second call changes nothing)."""
    now = now or timezone.now()
    if token is not None:
        _row(attempt_id, token)
    with transaction.atomic():
        attempt = (
            # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the room's join.
            Attempt.objects.select_for_update(of=("self",))
            .select_related("candidate__exam", "candidate__user")
            .get(pk=attempt_id)
        )
        candidate = attempt.candidate
        row = {
            "state": attempt.state,
            "deadline": attempt.deadline,
            "exam_code": candidate.exam.code,
            "number": candidate.number,
        }
        if not submit_needed(row, by=by):
            return attempt
        answers = list(answers_query(attempt_id))
        values = plan_submit(row, attempt_id, answers, by=by, now=now)
        for name, value in values.items():
            setattr(attempt, name, value)
        attempt.save(update_fields=list(values))
        audit.record(
            "exams.attempt.submit",
            attempt,
            actor=actor or candidate.user,
            after=submit_audit_after(by, values, len(answers)),
        )
        push_room(candidate.room_id, candidate.exam_id, event="submit")
        from .tasks import grade_attempt

        transaction.on_commit(lambda: grade_attempt.delay(attempt_id))
    return attempt


def submit_expired(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Submit every attempt whose deadline (plus the grace) has passed; returns how many.

    Run by Celery beat, so attempts whose browser is gone are submitted all the same.
    """
    now = now or timezone.now()
    due = list(
        Attempt.objects.filter(
            state=Attempt.State.IN_PROGRESS,
            paused_at__isnull=True,
            deadline__lt=now - dt.timedelta(seconds=GRACE_SECONDS),
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        submit_attempt(pk, by="server", now=now)
    return len(due)


def receipt_document(attempt: Attempt) -> bytes:
    answers = list(attempt.answers.values_list("position", "response"))
    c = attempt.candidate
    return receipts.canonical(c.exam.code, c.number, attempt.pk, answers)


@dataclass(frozen=True)
class ReceiptCheck:
    found: bool
    matches_issued: bool  # the receipt given is the one issued at submission
    answers_intact: bool  # the stored answers still hash to the issued receipt


def verify_receipt(actor: Any, exam: Exam, number: str, receipt: str) -> ReceiptCheck:
    candidate = (
        Candidate.objects.select_related("attempt", "exam")
        .filter(exam=exam, number=number.strip())
        .first()
    )
    if candidate is None or candidate.attempt.state != Attempt.State.SUBMITTED:
        return ReceiptCheck(False, False, False)
    attempt = candidate.attempt
    recomputed = receipts.digest(receipt_document(attempt))
    given = receipt.strip().lower()
    result = ReceiptCheck(
        True,
        access.hmac.compare_digest(given, attempt.receipt),
        access.hmac.compare_digest(recomputed, attempt.receipt),
    )
    audit.record(
        "exams.receipt.verify",
        attempt,
        actor=actor,
        after={"matches_issued": result.matches_issued, "answers_intact": result.answers_intact},
    )
    return result


# --- Proctor's actions -----------------------------------------------------------------------


def _proctor_audit(action: str, obj: Any, actor: Any, room: Room | None, **after: Any) -> None:
    audit.record(f"exams.{action}", obj, actor=actor, after=after or None)
    if room is not None:
        push_room(room.pk, room.session.exam_id, event=action, actor=str(actor))


def release_room(actor: Any, room: Room, *, now: dt.datetime | None = None) -> str:
    """Start the room: a fresh access code (any earlier one stops working)."""
    now = now or timezone.now()
    code = access.new_access_code()
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(access_code=code, released=now, locked=False)
        room.access_code, room.released, room.locked = code, now, False
        _proctor_audit("room.release", room, actor, room, released=now)
    return code


def _shift(attempt: Attempt, now: dt.datetime) -> None:
    """Resume: the deadline moves on by the time the attempt stood paused."""
    if attempt.paused_at is not None and attempt.deadline is not None:
        attempt.deadline += now - attempt.paused_at
    attempt.paused_at = None


def pause_attempt(actor: Any, candidate: Candidate, *, now: dt.datetime | None = None) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(candidate=candidate)
        if attempt.state == Attempt.State.IN_PROGRESS and attempt.paused_at is None:
            attempt.paused_at = now
            attempt.save(update_fields=["paused_at"])
            _proctor_audit("attempt.pause", attempt, actor, candidate.room, at=now)
    return attempt


def resume_attempt(actor: Any, candidate: Candidate, *, now: dt.datetime | None = None) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(candidate=candidate)
        if attempt.paused_at is not None:
            paused = now - attempt.paused_at
            _shift(attempt, now)
            attempt.save(update_fields=["paused_at", "deadline"])
            _proctor_audit(
                "attempt.resume",
                attempt,
                actor,
                candidate.room,
                paused_seconds=int(paused.total_seconds()),
                deadline=attempt.deadline,
            )
    return attempt


def pause_room(actor: Any, room: Room, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(paused_at=now)
        room.paused_at = now
        count = Attempt.objects.filter(
            candidate__room=room, state=Attempt.State.IN_PROGRESS, paused_at__isnull=True
        ).update(paused_at=now)
        _proctor_audit("room.pause", room, actor, room, attempts=count)


def resume_room(actor: Any, room: Room, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        attempts = list(
            Attempt.objects.select_for_update().filter(
                candidate__room=room, paused_at__isnull=False
            )
        )
        for attempt in attempts:
            _shift(attempt, now)
        Attempt.objects.bulk_update(attempts, ["paused_at", "deadline"])
        Room.objects.filter(pk=room.pk).update(paused_at=None)
        room.paused_at = None
        _proctor_audit("room.resume", room, actor, room, attempts=len(attempts))


def extend_time(actor: Any, candidate: Candidate, *, minutes: int) -> Attempt:
    """Extra time for one candidate (accommodation): before the start or while working."""
    if not 1 <= minutes <= 240:
        raise ValidationError(_("Số phút cộng thêm phải từ 1 đến 240."))
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(candidate=candidate)
        if attempt.state == Attempt.State.SUBMITTED:
            raise ValidationError(_("Bài đã nộp, không cộng giờ được."))
        before = attempt.deadline
        attempt.extra_seconds += minutes * 60
        if attempt.deadline is not None:
            attempt.deadline += dt.timedelta(minutes=minutes)
        attempt.save(update_fields=["extra_seconds", "deadline"])
        _proctor_audit(
            "attempt.extend",
            attempt,
            actor,
            candidate.room,
            minutes=minutes,
            before=before,
            deadline=attempt.deadline,
        )
    return attempt


def lock_attempt(actor: Any, candidate: Candidate, *, locked: bool = True) -> Attempt:
    """Lock (no more saves, no start) or unlock; unlocking also clears wrong-code tries."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(candidate=candidate)
        attempt.locked = locked
        if not locked:
            attempt.code_failures = 0
        attempt.save(update_fields=["locked", "code_failures"])
        _proctor_audit(
            "attempt.lock" if locked else "attempt.unlock", attempt, actor, candidate.room
        )
    return attempt


def force_submit(actor: Any, candidate: Candidate, *, now: dt.datetime | None = None) -> Attempt:
    attempt = submit_attempt(candidate.attempt.pk, by="proctor", actor=actor, now=now)
    audit.record("exams.attempt.force_submit", attempt, actor=actor)
    return attempt


def record_incident(
    actor: Any, room: Room, *, note: str, candidate: Candidate | None = None
) -> Incident:
    note = note.strip()
    if not note:
        raise ValidationError(_("Biên bản cần có nội dung."))
    if candidate is not None and candidate.room_id != room.pk:
        raise ValidationError(_("Thí sinh không ở phòng thi này."))
    with transaction.atomic():
        incident = Incident.objects.create(room=room, candidate=candidate, author=actor, note=note)
        _proctor_audit(
            "incident.record",
            incident,
            actor,
            room,
            candidate=candidate.number if candidate else None,
            note=note,
        )
    return incident


# --- Results ---------------------------------------------------------------------------------


def grade_attempt(attempt_id: int) -> Decimal | None:
    """Score a submitted attempt with the assessment engine (idempotent)."""
    attempt = (
        Attempt.objects.select_related("candidate__session__subject__test")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None or attempt.state != Attempt.State.SUBMITTED:
        return None
    test = attempt.candidate.session.subject.test
    policy = assessment.scoring_policy(test)
    contents = assessment.item_contents(r["item_version"] for r in attempt.layout)
    answers = {a.position: a for a in attempt.answers.all()}
    total = Decimal(0)
    changed = []
    for row in attempt.layout:
        answer = answers.get(row["position"])
        if answer is None:
            continue
        try:
            earned = assessment.score_response(
                contents[row["item_version"]],
                answer.response,
                points=Decimal(row["points"]),
                policy=policy,
            )
        except assessment.ManualGradingRequired:
            continue
        total += earned
        if answer.score is None or Decimal(answer.score) != earned:
            answer.score = earned
            changed.append(answer)
    with transaction.atomic():
        Answer.objects.bulk_update(changed, ["score"])
        Attempt.objects.filter(pk=attempt_id).update(score=total)
    return total


def publish_results(actor: Any, exam: Exam, *, now: dt.datetime | None = None) -> Exam:
    now = now or timezone.now()
    with transaction.atomic():
        for pk in Attempt.objects.filter(
            candidate__exam=exam, state=Attempt.State.SUBMITTED, score__isnull=True
        ).values_list("pk", flat=True):
            grade_attempt(pk)
        exam.results_published = now
        exam.save(update_fields=["results_published"])
        audit.record("exams.exam.publish_results", exam, actor=actor, after={"at": now})
    return exam


def unpublish_results(actor: Any, exam: Exam) -> Exam:
    with transaction.atomic():
        exam.results_published = None
        exam.save(update_fields=["results_published"])
        audit.record("exams.exam.unpublish_results", exam, actor=actor)
    return exam


def import_candidates(actor: Any, session: Session, data: bytes, filename: str) -> list[Candidate]:
    """Candidates from an Excel file: every line checked first, nothing stored on any error."""
    from .importing import parse_candidates

    people = parse_candidates(data, filename)
    with transaction.atomic():
        candidates = add_candidates(actor, session, people)
        audit.record(
            "exams.candidates.import",
            session,
            actor=actor,
            after={"file": filename, "count": len(candidates)},
        )
    return candidates


# --- Review, publication and statistics (the coordinator's results pages) ---------------------


def publish_item_statistics(actor: Any, subject: ExamSubject) -> Any:
    """Write the subject's item analysis back to the bank, per item version (as assessment
    does for a class test); returns the analysis."""
    from question_bank.api import record_item_statistics

    from .analysis import analyse_subject

    result = analyse_subject(subject)
    with transaction.atomic():
        for item in result.items:
            record_item_statistics(item.item_version, item.bank_values())
        audit.record(
            "exams.subject.item_statistics",
            subject,
            actor=actor,
            after={
                "attempts": result.attempts,
                "item_versions": [i.item_version for i in result.items],
            },
        )
    return result


def mark_room_reviewed(actor: Any, room: Room, *, reviewed: bool = True) -> Room:
    """The coordinator has checked (or reopens) the scores of one room."""
    if room.session.exam.results_published and not reviewed:
        raise ValidationError(_("Kết quả đã công bố: hãy thu hồi công bố trước."))
    with transaction.atomic():
        before = {"reviewed": room.results_reviewed}
        room.results_reviewed = timezone.now() if reviewed else None
        room.results_reviewed_by = actor if reviewed and getattr(actor, "pk", None) else None
        room.save(update_fields=["results_reviewed", "results_reviewed_by"])
        audit.record(
            "exams.room.review" if reviewed else "exams.room.unreview",
            room,
            actor=actor,
            before=before,
            after={"reviewed": room.results_reviewed},
        )
    return room


def set_result_policy(actor: Any, exam: Exam, *, show_answers: bool) -> Exam:
    with transaction.atomic():
        before = {"show_answers": exam.show_answers}
        exam.show_answers = show_answers
        exam.save(update_fields=["show_answers"])
        audit.record(
            "exams.exam.result_policy",
            exam,
            actor=actor,
            before=before,
            after={"show_answers": show_answers},
        )
    return exam


def publish_reviewed_results(actor: Any, exam: Exam, *, now: dt.datetime | None = None) -> Exam:
    """Publish once every room holding candidates has been reviewed."""
    waiting = list(
        Room.objects.filter(
            session__exam=exam, results_reviewed__isnull=True, candidates__isnull=False
        )
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
    if waiting:
        raise ValidationError(
            _("Chưa duyệt điểm các phòng: %(rooms)s.") % {"rooms": ", ".join(waiting)}
        )
    return publish_results(actor, exam, now=now)
