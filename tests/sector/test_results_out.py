"""Results out, end to end against the simulator process: content, signatures, delivery."""

from __future__ import annotations

from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEvent, User
from sector import api, outbox
from sector.models import OutboxMessage

from .helpers import grade_book

pytestmark = pytest.mark.django_db

KEY = "hoclieu-class-{pk}-TOAN-2026-2027-hk1"


def _enqueue(book, semester=1, entries=None):
    return api.enqueue_transcript(
        book.school_class.pk,
        book.subject.pk,
        semester,
        {"entries": entries or book.entries()},
        book.homeroom,
    )


def _remote_results(simulator, message):
    return {
        r["sourcedId"]: r
        for r in (
            simulator.admin("GET", f"records/results/{rid}").json()
            for rid in (x["sourcedId"] for x in message.payload["results"])
        )
    }


def test_secondary_transcript_reaches_remote_with_exact_content(simulator, adapter):
    book = grade_book()
    message = _enqueue(book)
    assert message.key == KEY.format(pk=book.school_class.pk)
    assert outbox.deliver(adapter) == {"delivered": 1, "retry": 0, "failed": 0, "records": 3}

    remote = _remote_results(simulator, message)
    first = remote[f"{message.key}-hoclieu-user-079210000001"]
    assert first["score"] == 7.7
    assert first["metadata"] == {
        "vn.circular": "22/2021/TT-BGDĐT",
        "regular": ["7.0", "8.0", "9.0", "6.5"],
        "midterm": "7.5",
        "endterm": "8.0",
        "average": "7.7",
    }
    assert [r["score"] for r in remote.values()] == [7.7, 6.2, 9.3]
    item = simulator.admin("GET", f"records/lineItems/{message.key}").json()
    document = item["metadata"]["vn.transcript"]
    assert document["circular"] == "22/2021/TT-BGDĐT"
    assert document["subject"] == {"code": "TOAN", "name": "Toán", "commentOnly": False}
    assert [e["student"]["fullName"] for e in document["entries"]] == [
        "Nguyễn Văn An",
        "Phạm Thu Dung",
        "Đỗ Minh Đức",
    ]
    assert document["signers"] == [
        {"role": "homeroom_teacher", "username": "gvcn01", "fullName": "Trần Thị Bình"},
        {"role": "principal", "username": "hieutruong", "fullName": "Lê Văn Hiệu"},
    ]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    actions = list(
        AuditEvent.objects.filter(object_type="sector.outboxmessage", object_id=str(message.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["sector.transcript.enqueue"]
    delivered = AuditEvent.objects.get(action="sector.transcript.delivered")
    assert delivered.after == {"keys": [message.key], "records": 3}


def test_signatures_travel_and_verify_on_the_remote_side(simulator, adapter):
    book = grade_book()
    message = _enqueue(book)
    outbox.deliver(adapter)
    checks = simulator.admin("GET", f"verify/{message.key}").json()["signatures"]
    assert [(c["role"], c["valid"]) for c in checks] == [
        ("homeroom_teacher", True),
        ("principal", True),
    ]
    assert "CN=Trần Thị Bình" in checks[0]["subject"]
    assert "CN=Lê Văn Hiệu" in checks[1]["subject"]
    assert "O=Sở GDĐT" in checks[0]["issuer"]  # the department CA, through provenance
    assert simulator.stats()["unverifiedLineItems"] == 0
    # Tamper with one score in the stored document: the remote now rejects both signatures.
    item = simulator.admin("GET", f"records/lineItems/{message.key}").json()
    item["metadata"]["vn.transcript"]["entries"][0]["average"] = "9.9"
    simulator.admin("PUT", f"records/lineItems/{message.key}", json=item)
    checks = simulator.admin("GET", f"verify/{message.key}").json()["signatures"]
    assert [(c["valid"], c["reason"]) for c in checks] == [
        (False, "digest mismatch"),
        (False, "digest mismatch"),
    ]


def test_comment_only_and_primary_transcripts(simulator, adapter):
    book = grade_book(grade=4, subject_code="TOAN")
    entries = [
        {"student_id": book.students[0].pk, "level": "T", "score": 10},
        {"student_id": book.students[1].pk, "level": "H", "score": 7, "comment": "Tiến bộ"},
        {"student_id": book.students[2].pk, "level": "C", "score": 4},
    ]
    message = _enqueue(book, entries=entries)
    outbox.deliver(adapter)
    remote = list(_remote_results(simulator, message).values())
    assert [(r["score"], r["textScore"]) for r in remote] == [
        (10.0, "Hoàn thành tốt"),
        (7.0, "Hoàn thành"),
        (4.0, "Chưa hoàn thành"),
    ]
    assert remote[1]["metadata"] == {
        "vn.circular": "27/2020/TT-BGDĐT",
        "level": "H",
        "levelText": "Hoàn thành",
        "score": 7,
        "comment": "Tiến bộ",
    }


def test_comment_only_secondary_subject(simulator, adapter):
    book = grade_book()
    book.subject.comment_only = True
    book.subject.save()
    entries = [
        {"student_id": s.pk, "regular": r, "midterm": "Đạt", "endterm": e}
        for s, r, e in zip(
            book.students,
            [["Đạt"] * 4, ["Chưa đạt", "Đạt", "Đạt", "Đạt"], ["Đạt"] * 4],
            ["Đạt", "Đạt", "Chưa đạt"],
            strict=True,
        )
    ]
    message = _enqueue(book, entries=entries)
    outbox.deliver(adapter)
    remote = list(_remote_results(simulator, message).values())
    # Circular 22 art. 9.1: Đạt only when every assessment is Đạt.
    assert [(r["score"], r["textScore"]) for r in remote] == [
        (None, "Đạt"),
        (None, "Chưa đạt"),
        (None, "Chưa đạt"),
    ]


def test_bad_grade_book_stores_nothing():
    book = grade_book()
    entries = book.entries()
    entries[1]["regular"] = [7, 8]
    with pytest.raises(ValidationError) as caught:
        _enqueue(book, entries=entries)
    assert caught.value.messages == [
        "Học sinh thứ 2: cần đúng 4 điểm đánh giá thường xuyên, nhận 2."
    ]
    assert OutboxMessage.objects.count() == 0


def test_simulator_down_then_everything_delivered(simulator, adapter, settings):
    settings.SECTOR_BACKOFF_SECONDS = 60
    book = grade_book()
    message = _enqueue(book)
    simulator.stop()
    assert outbox.deliver(adapter) == {"delivered": 0, "retry": 1, "failed": 0, "records": 0}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "ConnectError" in message.last_error
    assert 30 <= (message.next_attempt_at - timezone.now()).total_seconds() <= 60
    # Not due yet: a sweep leaves it alone.
    assert outbox.deliver(adapter)["retry"] == 0
    simulator.start()  # same port, same data file; its tokens are gone (fresh OAuth needed)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver(adapter) == {"delivered": 1, "retry": 0, "failed": 0, "records": 3}
    stats = simulator.stats()
    assert stats["collections"]["results"]["count"] == 3
    assert stats["duplicateResults"] == 0


def test_replaying_deliveries_changes_nothing_remotely(simulator, adapter):
    book = grade_book()
    _enqueue(book)
    outbox.deliver(adapter)
    before = simulator.stats()["collections"]
    # A response lost after the remote applied it, a proxy replaying requests, a replay.
    simulator.admin("POST", "faults", json={"drop_rate": 1.0, "duplicate_rate": 1.0})
    OutboxMessage.objects.update(status=OutboxMessage.Status.PENDING)
    assert outbox.deliver(adapter)["retry"] == 1
    simulator.admin("POST", "faults", json={"drop_rate": 0.0})
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver(adapter)["delivered"] == 1
    OutboxMessage.objects.update(status=OutboxMessage.Status.PENDING)  # an operator replay
    assert outbox.deliver(adapter)["delivered"] == 1
    after = simulator.stats()["collections"]
    for collection in ("lineItems", "results"):
        assert after[collection]["count"] == before[collection]["count"]
        assert after[collection]["changes"] == before[collection]["changes"]
        assert after[collection]["writes"] > before[collection]["writes"]
    assert simulator.stats()["duplicateResults"] == 0


def test_reconciliation_reports_a_difference_planted_on_the_remote(simulator, adapter):
    book = grade_book()
    message = _enqueue(book)
    outbox.deliver(adapter)
    assert outbox.reconcile(adapter) == []
    result_id = f"{message.key}-hoclieu-user-079210000002"
    planted = simulator.admin("GET", f"records/results/{result_id}").json()
    planted["score"] = 9.0
    simulator.admin("PUT", f"records/results/{result_id}", json=planted)
    assert outbox.reconcile(adapter) == [
        {
            "key": message.key,
            "result": result_id,
            "problem": "different",
            "field": "score",
            "local": 6.2,
            "remote": 9.0,
        }
    ]


def test_dead_letter_after_max_attempts_and_admin_retry(simulator, adapter, settings, client):
    settings.SECTOR_MAX_ATTEMPTS = 2
    settings.SECTOR_BACKOFF_SECONDS = 0
    book = grade_book()
    message = _enqueue(book)
    simulator.admin("POST", "faults", json={"error_rate": 1.0})
    assert outbox.deliver(adapter)["retry"] == 1
    assert outbox.deliver(adapter) == {"delivered": 0, "retry": 0, "failed": 1, "records": 0}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert (
        message.last_error == f"HTTP 500 at /ims/oneroster/gradebook/v1p2/lineItems/{message.key}"
    )

    from tests import factories

    admin = cast(User, factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    client.force_login(admin)
    page = client.get("/django-admin/sector/outboxmessage/?status__exact=dead")
    assert page.status_code == 200
    assert message.key in page.content.decode()
    simulator.admin("POST", "faults", json={"error_rate": 0.0})
    response = client.post(
        "/django-admin/sector/outboxmessage/",
        {"action": "retry", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 0)
    assert (
        AuditEvent.objects.filter(action="sector.transcript.requeue", actor_id=admin.pk).count()
        == 1
    )
    assert outbox.deliver(adapter)["delivered"] == 1


def test_cli_contract_results_json(simulator, sector_settings):
    import json
    from io import StringIO

    from django.core.management import call_command

    book = grade_book()
    _enqueue(book)
    out = StringIO()
    call_command("sector_sync", "results", "--school", "THPT-LL", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 0,
        "updated": 0,
        "delivered": 1,
        "failed": 0,
        "records": 3,
        "retrying": 0,
        "dead_letter": 0,
    }
    assert simulator.stats()["collections"]["results"]["count"] == 3
