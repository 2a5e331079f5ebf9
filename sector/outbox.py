"""Results out: transcripts into the outbox (in the lock transaction) and out to the sector.

Delivery is at-least-once; the remote upserts by sourcedId, so the effect is exactly once.
"""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import api as core

from . import identifiers, signing, summary, transcript
from .adapter import SectorAdapter, SectorError, TransientSectorError, default_adapter
from .models import OutboxMessage

PRIMARY_TESTED = {"TV", "TOAN", "NN1", "KH", "LSDL", "TINCN"}  # Circular 27 art. 7
LEASE = dt.timedelta(minutes=5)


def principal_of(school: Any, principal_id: int | None = None) -> Any:
    """Who signs for the school: the given user, else its first school administrator."""
    if principal_id is not None:
        return core.User.objects.get(pk=principal_id)
    membership = (
        core.Membership.objects.filter(organisation=school, role=core.Role.SCHOOL_ADMIN)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if membership is None:
        raise ValidationError(_("Trường chưa có hiệu trưởng/quản trị trường để ký học bạ."))
    return membership.user


def build_transcript(
    school_class: Any, subject: Any, semester: int, payload: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(line item, results, document) for one class, subject and semester. Validates all."""
    if semester not in (1, 2):
        raise ValidationError(_("Học kỳ phải là 1 hoặc 2."))
    entries = payload.get("entries") or []
    primary = school_class.grade <= 5
    enrolled = {
        e.student_id: e.student
        for e in core.Enrolment.objects.filter(school_class=school_class).select_related("student")
    }
    students = []
    for row, entry in enumerate(entries, start=1):
        student = enrolled.get(entry.get("student_id"))
        if student is None:
            raise ValidationError(
                _("Học sinh thứ %(n)s không thuộc lớp %(c)s.") % {"n": row, "c": school_class.name}
            )
        students.append(student)
    if primary:
        tested = subject.code in PRIMARY_TESTED
        computed = [
            transcript.primary_entry(e, tested=tested, row=i) for i, e in enumerate(entries, 1)
        ]
        circular = "27/2020/TT-BGDĐT"
    else:
        grade = core.SubjectGrade.objects.filter(subject=subject, grade=school_class.grade).first()
        if grade is None:
            raise ValidationError(
                _("Môn %(s)s không có trong chương trình khối %(g)s.")
                % {"s": subject.name, "g": school_class.grade}
            )
        computed = [
            transcript.secondary_entry(
                e,
                regular_count=grade.regular_score_count,
                comment_only=subject.comment_only,
                semester=semester,
                row=i,
            )
            for i, e in enumerate(entries, 1)
        ]
        circular = "22/2021/TT-BGDĐT"
    school = school_class.school
    ids = identifiers.user_ids(students)
    class_ref = {"sourcedId": identifiers.class_id(school_class)}
    school_ref = {"sourcedId": identifiers.org_id(school)}
    item_id = identifiers.line_item_id(
        class_ref["sourcedId"], subject, school_class.school_year, semester
    )
    session_ref = {"sourcedId": identifiers.session_id(school_class.school_year, semester)}
    document = {
        "type": "vn.hocba.subject",
        "circular": circular,
        "school": {
            "sourcedId": identifiers.org_id(school),
            "code": school.code,
            "name": school.name,
        },
        "class": {**class_ref, "name": school_class.name, "grade": school_class.grade},
        "schoolYear": school_class.school_year.name,
        "semester": semester,
        "subject": {
            "code": subject.code,
            "name": subject.name,
            "commentOnly": subject.comment_only,
        },
        "entries": [
            {
                "student": {
                    "sourcedId": ids[s.pk],
                    "nationalId": s.national_id or "",
                    "fullName": s.full_name,
                },
                **c,
            }
            for s, c in zip(students, computed, strict=True)
        ],
    }
    results = []
    for s, c in zip(students, computed, strict=True):
        score = c.get("yearAverage") or c.get("average") or c.get("score")
        results.append(
            {
                "sourcedId": f"{item_id}-{ids[s.pk]}",
                "status": "active",
                "lineItem": {"sourcedId": item_id},
                "student": {"sourcedId": ids[s.pk]},
                "class": class_ref,
                "scoreStatus": "fully graded",
                "score": float(score) if score is not None else None,
                "textScore": c.get("yearResult") or c.get("result") or c.get("levelText") or "",
                "metadata": {"vn.circular": circular, **c},
            }
        )
    line_item = {
        "sourcedId": item_id,
        "status": "active",
        "title": f"{subject.name} — {school_class.name} — HK{semester} {school_class.school_year}",
        "class": class_ref,
        "school": school_ref,
        "academicSession": session_ref,
        "category": {"sourcedId": "hoclieu-category-hocba"},
        "resultValueMin": 0.0,
        "resultValueMax": 10.0,
    }
    return line_item, results, document


@transaction.atomic
def enqueue_transcript(
    class_id: int, subject_id: int, semester: int, payload: dict[str, Any], actor: Any
) -> OutboxMessage:
    """Sign the locked grade book's transcript and put it in the outbox, atomically."""
    school_class = core.SchoolClass.objects.select_related("school", "school_year").get(pk=class_id)
    subject = core.Subject.objects.get(pk=subject_id)
    line_item, results, document = build_transcript(school_class, subject, semester, payload)
    homeroom = school_class.homeroom_teacher
    if homeroom is None:
        raise ValidationError(
            _("Lớp %(c)s chưa có giáo viên chủ nhiệm để ký học bạ.") % {"c": school_class.name}
        )
    principal = principal_of(school_class.school, payload.get("principal_id"))
    document["signers"] = [
        {"role": role, "username": p.username, "fullName": p.full_name}
        for role, p in (("homeroom_teacher", homeroom), ("principal", principal))
    ]
    signatures = signing.sign_document(
        document, [("homeroom_teacher", homeroom), ("principal", principal)]
    )
    line_item["metadata"] = {"vn.transcript": document, "vn.signatures": signatures}
    message, created = OutboxMessage.objects.update_or_create(
        key=line_item["sourcedId"],
        defaults={
            "school": school_class.school,
            "school_class_id": school_class.pk,
            "subject_id": subject.pk,
            "semester": semester,
            "payload": {"lineItem": line_item, "results": results},
            "record_count": len(results),
            "status": OutboxMessage.Status.PENDING,
            "attempts": 0,
            "next_attempt_at": timezone.now(),
            "lease_until": None,
            "last_error": "",
            "delivered_at": None,
        },
    )
    core.audit.record(
        "sector.transcript.enqueue" if created else "sector.transcript.reenqueue",
        message,
        actor=actor,
        after={"key": message.key, "records": len(results), "signers": document["signers"]},
    )
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk))
    # The last subject of the class locked for this semester: the learning-result levels too.
    summary.enqueue_summaries(
        school_class, semester, actor, [("homeroom_teacher", homeroom), ("principal", principal)]
    )
    return message


def backoff(attempts: int) -> dt.timedelta:
    """Exponential with jitter: base·2^(n-1), capped, times 0.5-1.0."""
    base = float(getattr(settings, "SECTOR_BACKOFF_SECONDS", 5.0))
    delay = min(base * 2 ** max(attempts - 1, 0), 3600.0)
    return dt.timedelta(seconds=delay * random.uniform(0.5, 1.0))


def _claim(ids: list[int] | None, limit: int, now: dt.datetime) -> list[OutboxMessage]:
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        due = due.filter(pk__in=ids) if ids is not None else due.filter(next_attempt_at__lte=now)
        due = due.exclude(lease_until__gt=now).order_by("next_attempt_at", "id")
        claimed = list(due.select_for_update(skip_locked=True)[:limit])
        OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(lease_until=now + LEASE)
    return claimed


def _attempt(adapter: SectorAdapter, message: OutboxMessage) -> tuple[str, str]:
    try:
        adapter.put_transcript(message.payload)
    except TransientSectorError as exc:
        return "retry", str(exc)
    except SectorError as exc:
        return "dead", str(exc)
    return "ok", ""


def deliver(
    adapter: SectorAdapter | None = None,
    *,
    ids: list[int] | None = None,
    limit: int = 500,
    concurrency: int = 8,
) -> dict[str, int]:
    """Deliver what is due (or the given messages). Returns counts delivered/retry/failed."""
    adapter = adapter or default_adapter()
    now = timezone.now()
    messages = _claim(ids, limit, now)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(messages) or 1))) as pool:
        outcomes = list(pool.map(lambda m: _attempt(adapter, m), messages))
    counts = {"delivered": 0, "retry": 0, "failed": 0, "records": 0}
    max_attempts = int(getattr(settings, "SECTOR_MAX_ATTEMPTS", 10))
    delivered: list[str] = []
    finished = timezone.now()
    with transaction.atomic():
        for message, (outcome, error) in zip(messages, outcomes, strict=True):
            message.attempts += 1
            message.lease_until = None
            message.last_error = error[:2000]
            if outcome == "ok":
                message.status = OutboxMessage.Status.DELIVERED
                message.delivered_at = finished
                counts["delivered"] += 1
                counts["records"] += message.record_count
                delivered.append(message.key)
                continue
            if outcome == "retry" and message.attempts < max_attempts:
                message.next_attempt_at = finished + backoff(message.attempts)
                counts["retry"] += 1
                action = "sector.transcript.retry"
            else:
                message.status = OutboxMessage.Status.DEAD
                counts["failed"] += 1
                action = "sector.transcript.dead"
            core.audit.record(
                action, message, after={"attempt": message.attempts, "error": message.last_error}
            )
        OutboxMessage.objects.bulk_update(
            messages,
            ["attempts", "lease_until", "status", "delivered_at", "last_error", "next_attempt_at"],
            batch_size=500,
        )
        if delivered:
            # One event per sweep names every delivered transcript (thousands per sweep).
            core.audit.record(
                "sector.transcript.delivered",
                object_type="sector.outboxmessage",
                object_repr=f"{len(delivered)} transcripts",
                after={"keys": delivered, "records": counts["records"]},
            )
    return counts


def retry_dead(message: OutboxMessage, actor: Any) -> None:
    """Put a dead-lettered transcript back in the queue (the admin page's action)."""
    if message.status != OutboxMessage.Status.DEAD:
        raise ValidationError(_("Chỉ gửi lại được bản ghi đang ở danh sách lỗi."))
    before = {"status": message.status, "attempts": message.attempts, "error": message.last_error}
    message.status = OutboxMessage.Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    core.audit.record("sector.transcript.requeue", message, actor=actor, before=before)
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk))


RESULT_FIELDS = ("status", "score", "textScore", "student", "lineItem", "metadata")


def reconcile(adapter: SectorAdapter | None = None, *, school: Any = None) -> list[dict[str, Any]]:
    """Compare every delivered transcript with what the remote holds; list the differences."""
    adapter = adapter or default_adapter()
    delivered = OutboxMessage.objects.filter(status=OutboxMessage.Status.DELIVERED)
    if school is not None:
        delivered = delivered.filter(school=school)
    differences: list[dict[str, Any]] = []
    # A learning-result line item is shared by one message per student: fetch it once, and
    # count as unexpected only the remote results that no local message of it holds.
    by_item: dict[str, list[OutboxMessage]] = {}
    for message in delivered.iterator():
        by_item.setdefault(message.payload["lineItem"]["sourcedId"], []).append(message)
    for item_id, messages in by_item.items():
        remote_item, remote_results = adapter.fetch_transcript(item_id)
        if remote_item is None:
            differences.append({"key": messages[0].key, "problem": "missing_line_item"})
            continue
        if remote_item.get("metadata") != messages[0].payload["lineItem"].get("metadata"):
            differences.append({"key": messages[0].key, "problem": "line_item_changed"})
        remote_by_id = {r["sourcedId"]: r for r in remote_results}
        for message in messages:
            differences.extend(_differences(message, remote_by_id))
        if remote_by_id:  # a student's message still pending may already be there
            for payload in OutboxMessage.objects.filter(
                payload__lineItem__sourcedId=item_id
            ).values_list("payload", flat=True):
                for result in payload["results"]:
                    remote_by_id.pop(result["sourcedId"], None)
        differences.extend(
            {"key": messages[0].key, "result": extra, "problem": "unexpected"}
            for extra in sorted(remote_by_id)
        )
    return differences


def _differences(message: OutboxMessage, remote_by_id: dict[str, Any]) -> list[dict[str, Any]]:
    """One message's result differences; pops the results it holds from `remote_by_id`."""
    differences: list[dict[str, Any]] = []
    for result in message.payload["results"]:
        remote = remote_by_id.pop(result["sourcedId"], None)
        if remote is None:
            differences.append(
                {"key": message.key, "result": result["sourcedId"], "problem": "missing"}
            )
            continue
        for name in RESULT_FIELDS:
            if remote.get(name) != result.get(name):
                differences.append(
                    {
                        "key": message.key,
                        "result": result["sourcedId"],
                        "problem": "different",
                        "field": name,
                        "local": result.get(name),
                        "remote": remote.get(name),
                    }
                )
    return differences
