"""The append-only, hash-chained transparency log of signing and revocation events."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Certificate, LogEntry, LogHead, Signature

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, at: str, event: str, payload: dict[str, Any]) -> str:
    body = rfc8785.dumps({"seq": seq, "at": at, "event": event, "payload": payload})
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def _at(entry: LogEntry) -> str:
    return entry.at.astimezone(dt.UTC).isoformat()


def append(event: str, payload: dict[str, Any]) -> LogEntry:
    with transaction.atomic():
        head, _created = LogHead.objects.select_for_update().get_or_create(pk=1)
        seq = head.seq + 1
        at = timezone.now()
        entry = LogEntry(seq=seq, at=at, event=event, payload=payload, prev_hash=head.entry_hash)
        entry.entry_hash = entry_hash(head.entry_hash, seq, _at(entry), event, payload)
        entry.save()
        head.seq, head.entry_hash = seq, entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
    return entry


def check() -> list[str]:
    """Every problem found: altered, reordered or removed entries, in Vietnamese."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    for entry in LogEntry.objects.order_by("seq").iterator():
        if entry.seq != expected_seq:
            problems.append(
                _("Thiếu mục nhật ký #%(a)s đến #%(b)s (đã bị xoá).")
                % {"a": expected_seq, "b": entry.seq - 1}
                if entry.seq > expected_seq
                else _("Số thứ tự mục #%(seq)s bị lặp.") % {"seq": entry.seq}
            )
        if entry.prev_hash != prev:
            problems.append(
                _("Mục #%(seq)s không nối với mục trước (bị đổi thứ tự hoặc xoá).")
                % {"seq": entry.seq}
            )
        recomputed = entry_hash(entry.prev_hash, entry.seq, _at(entry), entry.event, entry.payload)
        if recomputed != entry.entry_hash:
            problems.append(_("Mục #%(seq)s đã bị sửa.") % {"seq": entry.seq})
        expected_seq, prev = entry.seq + 1, entry.entry_hash
    head = LogHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev:
        problems.append(
            _("Cuối nhật ký không khớp đầu chuỗi đã ghi (#%(seq)s): mục cuối đã bị xoá hoặc sửa.")
            % {"seq": head_seq}
        )
    problems.extend(_cross_check())
    return problems


def _cross_check() -> list[str]:
    """Each signature and revocation must still have its own log entry."""
    problems: list[str] = []
    entries = {e.seq: e for e in LogEntry.objects.filter(event__in=["sign", "revoke"])}
    for sig in Signature.objects.select_related("publication"):
        entry = entries.get(sig.log_seq)
        if entry is None or entry.payload.get("cms_sha256") != sig.cms_sha256:
            problems.append(
                _("Chữ ký của %(code)s không còn mục nhật ký #%(seq)s tương ứng.")
                % {"code": sig.publication.code, "seq": sig.log_seq}
            )
    revoked = {e.payload.get("certificate") for e in entries.values() if e.event == "revoke"}
    for cert in Certificate.objects.filter(revoked_at__isnull=False):
        if cert.fingerprint not in revoked:
            problems.append(
                _("Việc thu hồi chứng thư %(subject)s không có trong nhật ký.")
                % {"subject": cert.subject}
            )
    return problems
