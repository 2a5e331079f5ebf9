"""The transparency log: every kind of tampering is caught by check_provenance_log."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from provenance.models import LogEntry, LogHead

from .conftest import Signed


def check() -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("check_provenance_log", "--json", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), json.loads(out.getvalue())["problems"]
    return 0, json.loads(out.getvalue())["problems"]


def test_signing_and_revocation_are_logged_and_the_chain_is_intact(signed: Signed):
    entries = list(LogEntry.objects.order_by("seq"))
    assert [(e.seq, e.event, e.payload["role"]) for e in entries] == [
        (1, "sign", "author"),
        (2, "sign", "approver"),
        (3, "sign", "seal"),
    ]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].entry_hash
    assert check() == (0, [])


def test_an_edited_entry_is_caught(signed: Signed):
    entry = LogEntry.objects.get(seq=2)
    payload = entry.payload | {"certificate": "0" * 64}
    LogEntry.objects.filter(pk=entry.pk).update(payload=payload)
    code, problems = check()
    assert code == 1
    assert "Mục #2 đã bị sửa." in problems


def test_reordered_entries_are_caught(signed: Signed):
    first, second = LogEntry.objects.get(seq=1), LogEntry.objects.get(seq=2)
    LogEntry.objects.filter(pk=first.pk).update(seq=-1)
    LogEntry.objects.filter(pk=second.pk).update(seq=1)
    LogEntry.objects.filter(pk=first.pk).update(seq=2)
    code, problems = check()
    assert code == 1
    assert "Mục #1 không nối với mục trước (bị đổi thứ tự hoặc xoá)." in problems
    assert "Mục #2 không nối với mục trước (bị đổi thứ tự hoặc xoá)." in problems


def test_a_removed_middle_entry_is_caught(signed: Signed):
    LogEntry.objects.filter(seq=2)._raw_delete(LogEntry.objects.db)
    code, problems = check()
    assert code == 1
    assert "Thiếu mục nhật ký #2 đến #2 (đã bị xoá)." in problems


def test_a_removed_last_entry_is_caught(signed: Signed):
    LogEntry.objects.filter(seq=3)._raw_delete(LogEntry.objects.db)
    code, problems = check()
    assert code == 1
    assert any(p.startswith("Cuối nhật ký không khớp") for p in problems)
    assert any("không còn mục nhật ký #3" in p for p in problems)


def test_a_rewritten_tail_with_the_head_moved_back_is_still_caught(signed: Signed):
    LogEntry.objects.filter(seq=3)._raw_delete(LogEntry.objects.db)
    last = LogEntry.objects.get(seq=2)
    LogHead.objects.filter(pk=1).update(seq=2, entry_hash=last.entry_hash)
    code, problems = check()
    assert code == 1
    assert problems == ["Chữ ký của HL-TOAN10-001 không còn mục nhật ký #3 tương ứng."]


def test_log_entries_refuse_update_and_delete_through_the_orm(signed: Signed):
    entry = LogEntry.objects.get(seq=1)
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
