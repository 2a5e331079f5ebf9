"""Access rules: the room code, takeover, IP ranges, Safe Exam Browser; pause/extend arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEvent
from exams import access, services
from exams.models import Attempt, Candidate, Room
from exams.seeding import SeededExam, seed_exam


def _sign_in(seeded: SeededExam, index: int = 0) -> tuple[int, str]:
    c = seeded.candidates[index]
    s = services.sign_in_candidate("GK1", c.number, c.password)
    return s.attempt_id, s.token


def _room_of(attempt_id: int) -> Room:
    return Room.objects.get(candidates__attempt__pk=attempt_id)


def test_code_is_needed_released_current_and_of_the_own_room(db: None) -> None:
    seeded = seed_exam(
        candidates=4, room_size=2, questions=3, versions=2, code="GK1", release=False
    )
    attempt, token = _sign_in(seeded)
    with pytest.raises(services.ExamError) as e:
        services.start_attempt(attempt, token, access_code="000000")
    assert e.value.code == "not_released"
    room = _room_of(attempt)
    other = Room.objects.exclude(pk=room.pk).get()
    first = services.release_room(None, room)
    other_code = services.release_room(None, other)
    if other_code != first:
        with pytest.raises(services.ExamError) as e:
            services.start_attempt(attempt, token, access_code=other_code)
        assert e.value.code == "bad_code"
    second = services.release_room(None, room)  # a new release: the first code is void
    if second != first:
        with pytest.raises(services.ExamError) as e:
            services.start_attempt(attempt, token, access_code=first)
        assert e.value.code == "bad_code"
    started = services.start_attempt(attempt, token, access_code=second)
    assert started.state == "in_progress"
    # Re-entry after a crash needs no code.
    assert services.start_attempt(attempt, token, access_code="").state == "in_progress"


def test_five_wrong_codes_lock_until_the_proctor_unlocks(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    for _i in range(services.MAX_CODE_FAILURES):
        with pytest.raises(services.ExamError):
            services.start_attempt(attempt, token, access_code="x")
    code = seeded.candidates[0].access_code
    with pytest.raises(services.ExamError) as e:
        services.start_attempt(attempt, token, access_code=code)
    assert e.value.code == "too_many_codes"
    services.lock_attempt(None, Candidate.objects.get(attempt__pk=attempt), locked=False)
    assert services.start_attempt(attempt, token, access_code=code).state == "in_progress"


def test_code_refused_after_the_session_ends(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    late = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(services.ExamError) as e:
        services.start_attempt(
            attempt, token, access_code=seeded.candidates[0].access_code, now=late
        )
    assert e.value.code == "session_over"


def test_second_sign_in_takes_over_and_both_are_logged(seeded: SeededExam) -> None:
    attempt, first = _sign_in(seeded)
    services.start_attempt(attempt, first, access_code=seeded.candidates[0].access_code)
    services.save_answers(attempt, first, [{"position": 1, "response": "A", "seq": 1}])
    _again, second = _sign_in(seeded)
    with pytest.raises(services.ExamError) as e:
        services.save_answers(attempt, first, [{"position": 1, "response": "B", "seq": 2}])
    assert e.value.code == "taken_over"
    assert e.value.status == 409
    assert services.save_answers(attempt, second, [{"position": 1, "response": "B", "seq": 2}])
    actions = list(
        AuditEvent.objects.filter(object_type="exams.attempt", object_id=str(attempt)).values_list(
            "action", flat=True
        )
    )
    assert "exams.attempt.sign_in" in actions
    assert "exams.attempt.takeover" in actions


def test_ip_range_of_the_room(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    Room.objects.filter(pk=_room_of(attempt).pk).update(ip_subnets="10.1.2.0/24\n192.168.9.7/32")
    code = seeded.candidates[0].access_code
    with pytest.raises(services.ExamError) as e:
        services.start_attempt(attempt, token, access_code=code, ip="10.1.3.4")
    assert e.value.code == "ip_denied"
    assert services.start_attempt(attempt, token, access_code=code, ip="10.1.2.99").state == (
        "in_progress"
    )
    assert access.ip_allowed("192.168.9.7", "192.168.9.7/32")
    assert not access.ip_allowed(None, "10.0.0.0/8")


def test_safe_exam_browser_config_key(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    key = "a" * 64
    Room.objects.filter(pk=_room_of(attempt).pk).update(seb_config_key=key)
    url = "https://thi.example.vn/thi/vao-phong/"
    code = seeded.candidates[0].access_code
    with pytest.raises(services.ExamError) as e:
        services.start_attempt(attempt, token, access_code=code, url=url, seb_header=None)
    assert e.value.code == "seb_required"
    import hashlib

    header = hashlib.sha256((url + key).encode()).hexdigest()
    with pytest.raises(services.ExamError):
        services.start_attempt(attempt, token, access_code=code, url=url + "?x", seb_header=header)
    assert (
        services.start_attempt(
            attempt, token, access_code=code, url=url, seb_header=header.upper()
        ).state
        == "in_progress"
    )


def test_pause_resume_and_extend_arithmetic(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    t0 = timezone.now()
    services.start_attempt(attempt, token, access_code=seeded.candidates[0].access_code, now=t0)
    a = Attempt.objects.get(pk=attempt)
    assert a.deadline == t0 + dt.timedelta(minutes=60)
    candidate = a.candidate
    services.pause_attempt(None, candidate, now=t0 + dt.timedelta(minutes=10))
    with pytest.raises(services.ExamError) as e:
        services.save_answers(attempt, token, [{"position": 1, "response": "A", "seq": 1}])
    assert e.value.code == "paused"
    services.resume_attempt(None, candidate, now=t0 + dt.timedelta(minutes=17))
    a.refresh_from_db()
    assert a.deadline == t0 + dt.timedelta(minutes=67)
    services.extend_time(None, candidate, minutes=15)
    a.refresh_from_db()
    assert a.deadline == t0 + dt.timedelta(minutes=82)
    assert a.extra_seconds == 900
    # A room pause shifts everyone by the same time.
    room = candidate.room
    services.pause_room(None, room, now=t0 + dt.timedelta(minutes=20))
    services.resume_room(None, room, now=t0 + dt.timedelta(minutes=25))
    a.refresh_from_db()
    assert a.deadline == t0 + dt.timedelta(minutes=87)
    assert a.paused_at is None


def test_extra_time_before_the_start_counts_at_the_start(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    candidate = Candidate.objects.get(attempt__pk=attempt)
    services.extend_time(None, candidate, minutes=20)
    t0 = timezone.now()
    services.start_attempt(attempt, token, access_code=seeded.candidates[0].access_code, now=t0)
    assert Attempt.objects.get(pk=attempt).deadline == t0 + dt.timedelta(minutes=80)


def test_paused_attempts_are_not_auto_submitted(seeded: SeededExam) -> None:
    attempt, token = _sign_in(seeded)
    t0 = timezone.now() - dt.timedelta(hours=2)
    services.start_attempt(attempt, token, access_code=seeded.candidates[0].access_code)
    Attempt.objects.filter(pk=attempt).update(deadline=t0, paused_at=t0 - dt.timedelta(minutes=1))
    assert services.submit_expired() == 0
    assert Attempt.objects.get(pk=attempt).state == "in_progress"


def test_receipt_verification(seeded: SeededExam) -> None:
    from exams.models import Answer, Exam

    attempt, token = _sign_in(seeded)
    services.start_attempt(attempt, token, access_code=seeded.candidates[0].access_code)
    services.save_answers(
        attempt,
        token,
        [
            {"position": 1, "response": "Đúng", "seq": 1},
            {"position": 2, "response": None, "seq": 1},
        ],
    )
    done = services.submit_attempt(attempt, token=token)
    exam = Exam.objects.get(code="GK1")
    number = seeded.candidates[0].number
    ok = services.verify_receipt(None, exam, number, done.receipt.upper())
    assert ok.found
    assert ok.matches_issued
    assert ok.answers_intact
    wrong = services.verify_receipt(None, exam, number, "0" * 64)
    assert wrong.found
    assert not wrong.matches_issued
    # Tampering with a stored answer after submission shows.
    Answer.objects.filter(attempt_id=attempt, position=1).update(response="Sai")
    tampered = services.verify_receipt(None, exam, number, done.receipt)
    assert tampered.matches_issued
    assert not tampered.answers_intact
    assert not services.verify_receipt(None, exam, "999999", done.receipt).found
