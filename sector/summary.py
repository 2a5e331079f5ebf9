"""The student's learning-result level (Circular 22 art. 9) on the transcript.

Sent when the LAST subject grade book of a class for a semester is locked (every subject of
the class's grade has a locked book), inside that lock's transaction. The level comes from
`lms.api.learning_level`: the rules live in the grade book only.

OneRoster: one line item per class × semester (category "hoclieu-category-hocluc"), one result
per student (textScore = the semester level; semester II also carries the year level in its
metadata). Each student's result is its own outbox message, keyed by the result's sourcedId
(stable per student, class and semester); the line item, sent with each, carries the whole
class's levels signed by the homeroom teacher and the principal.

Primary classes (Circular 27) get no summary: lms offers no whole-student evaluation for them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from core import api as core
from lms import api as lms_api

from . import identifiers, signing
from .models import OutboxMessage

CIRCULAR = "22/2021/TT-BGDĐT"
CATEGORY = "hoclieu-category-hocluc"


def _level(results: list[Any]) -> dict[str, str]:
    code = lms_api.learning_level(results)
    with translation.override("vi"):  # the transcript's text does not follow the UI language
        return {"level": code, "levelText": str(lms_api.Level(code).label)}


def _result(code: str, comment_only: bool, value: Decimal | str | None) -> Any:
    if comment_only:
        return lms_api.SubjectResult(code, comment=str(value) if value is not None else None)
    return lms_api.SubjectResult(code, average=value if isinstance(value, Decimal) else None)


def levels(school_class: Any, semester: Any) -> dict[int, dict[str, str]] | None:
    """Per student id: the semester level (and after semester II the year level), or None while
    a subject of the class's grade has no locked book for the semester."""
    subject_ids = set(
        core.SubjectGrade.objects.filter(grade=school_class.grade).values_list(
            "subject_id", flat=True
        )
    )
    locked = set(
        lms_api.GradeBook.objects.filter(
            school_class_id=school_class.pk,
            semester=semester,
            status=lms_api.GradeBook.Status.LOCKED,
        ).values_list("subject_id", flat=True)
    )
    if not subject_ids or not subject_ids <= locked:
        return None
    reports = [
        lms_api.approved_grade_book(school_class.pk, subject_id, semester.pk)
        for subject_id in sorted(subject_ids)
    ]
    by_student: dict[int, list[Any]] = {}
    for report in reports:
        assert report is not None  # locked, checked above
        for row in report.students:
            value = row.comment_result if report.comment_only else row.average
            by_student.setdefault(row.student_id, []).append(
                _result(report.subject_code, report.comment_only, value)
            )
    out = {student: _level(results) for student, results in by_student.items()}
    if semester.number != 2:
        return out
    year: dict[int, list[Any]] = {}
    for report in reports:
        assert report is not None
        rows = lms_api.approved_year_results(school_class.pk, report.subject_id)
        if rows is None:
            return out  # a semester I book was reopened: the year waits for it
        for year_row in rows:
            year.setdefault(year_row.student_id, []).append(
                _result(report.subject_code, report.comment_only, year_row.year)
            )
    for student, results in year.items():
        if student in out:
            level = _level(results)
            out[student] |= {"yearLevel": level["level"], "yearLevelText": level["levelText"]}
    return out


def enqueue_summaries(
    school_class: Any, semester_number: int, actor: Any, signers: list[tuple[str, Any]]
) -> list[OutboxMessage]:
    """When the class's last subject book for the semester is locked: one outbox message per
    student with the learning-result level. Otherwise nothing."""
    if school_class.grade <= 5:
        return []
    semester = core.Semester.objects.filter(
        school_year_id=school_class.school_year_id, number=semester_number
    ).first()
    found = levels(school_class, semester) if semester is not None else None
    if not found:
        return []
    students = list(core.User.objects.filter(pk__in=found).order_by("pk"))
    ids = identifiers.user_ids(students)
    school = school_class.school
    class_ref = {"sourcedId": identifiers.class_id(school_class)}
    item_id = f"{class_ref['sourcedId']}-hocluc-{school_class.school_year.name}-hk{semester_number}"
    document = {
        "type": "vn.hocba.learningResult",
        "circular": CIRCULAR,
        "school": {"sourcedId": identifiers.org_id(school), "code": school.code},
        "class": {**class_ref, "name": school_class.name, "grade": school_class.grade},
        "schoolYear": school_class.school_year.name,
        "semester": semester_number,
        "entries": [
            {
                "student": {
                    "sourcedId": ids[s.pk],
                    "nationalId": s.national_id or "",
                    "fullName": s.full_name,
                },
                **found[s.pk],
            }
            for s in students
        ],
        "signers": [
            {"role": role, "username": p.username, "fullName": p.full_name} for role, p in signers
        ],
    }
    line_item = {
        "sourcedId": item_id,
        "status": "active",
        "title": f"Kết quả học tập — {school_class.name} — HK{semester_number} "
        f"{school_class.school_year}",
        "class": class_ref,
        "school": {"sourcedId": identifiers.org_id(school)},
        "academicSession": {
            "sourcedId": identifiers.session_id(school_class.school_year, semester_number)
        },
        "category": {"sourcedId": CATEGORY},
        "resultValueMin": 0.0,
        "resultValueMax": 0.0,
        "metadata": {
            "vn.transcript": document,
            "vn.signatures": signing.sign_document(document, signers),
        },
    }
    messages = []
    for s in students:
        result = {
            "sourcedId": f"{item_id}-{ids[s.pk]}",
            "status": "active",
            "lineItem": {"sourcedId": item_id},
            "student": {"sourcedId": ids[s.pk]},
            "class": class_ref,
            "scoreStatus": "fully graded",
            "score": None,
            "textScore": found[s.pk]["levelText"],
            "metadata": {"vn.circular": CIRCULAR, **found[s.pk]},
        }
        message, _created = OutboxMessage.objects.update_or_create(
            key=result["sourcedId"],
            defaults={
                "school": school,
                "school_class_id": school_class.pk,
                "subject_id": None,
                "semester": semester_number,
                "payload": {"lineItem": line_item, "results": [result]},
                "record_count": 1,
                "status": OutboxMessage.Status.PENDING,
                "attempts": 0,
                "next_attempt_at": timezone.now(),
                "lease_until": None,
                "last_error": "",
                "delivered_at": None,
            },
        )
        messages.append(message)
    core.audit.record(
        "sector.summary.enqueue",
        object_type="sector.outboxmessage",
        object_repr=f"{school_class} HK{semester_number}",
        actor=actor,
        after={"lineItem": item_id, "keys": [m.key for m in messages]},
    )
    from .tasks import deliver_messages

    pks = [m.pk for m in messages]
    transaction.on_commit(lambda: deliver_messages.delay(pks))
    return messages
