"""Every write of the sector app: roster runs, results runs, reconciliation, dead-letter retry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import api as core

from . import outbox
from .adapter import Roster, SectorAdapter, default_adapter
from .models import OutboxMessage, SchoolLink, SyncRun
from .oneroster_csv import read_bundle
from .roster_sync import RosterSync

enqueue_transcript = outbox.enqueue_transcript
retry_dead = outbox.retry_dead


def _school(code: str | None) -> Any:
    if not code:
        return None
    school = core.Organisation.objects.filter(code=code, kind=core.OrgKind.SCHOOL).first()
    if school is None:
        raise ValidationError(_("Không có trường mã “%(code)s”.") % {"code": code})
    return school


def _finish(run: SyncRun, report: dict[str, Any], actor: Any) -> dict[str, Any]:
    run.report = report
    run.finished = timezone.now()
    run.save()
    summary = {k: v for k, v in report.items() if not isinstance(v, list | dict)}
    core.audit.record(f"sector.{run.kind}.run", run, actor=actor, after=summary)
    return report


def sync_roster(
    actor: Any = None,
    *,
    school_code: str | None = None,
    adapter: SectorAdapter | None = None,
    roster: Roster | None = None,
) -> dict[str, Any]:
    """Pull the roster (of one school, or all) and apply it. Returns the change report."""
    # A school not here yet is looked up on the sector side by its code.
    school = core.Organisation.objects.filter(code=school_code).first() if school_code else None
    if roster is None:
        link = SchoolLink.objects.filter(school=school).first() if school else None
        remote_id = link.remote_id if link else school_code
        roster = (adapter or default_adapter()).fetch_roster(remote_id)
        if school_code and not roster.orgs:
            raise ValidationError(
                _("CSDL ngành không có trường mã “%(code)s”.") % {"code": school_code}
            )
    run = SyncRun.objects.create(kind=SyncRun.Kind.ROSTER, school=school)
    report = RosterSync(actor, core.current_school_year()).run(roster)
    return _finish(run, {**report, "delivered": 0, "failed": len(report["skipped"])}, actor)


def import_bundle(actor: Any, path: str | Path) -> dict[str, Any]:
    """Apply a OneRoster CSV bundle (zip) as if the sector had sent it."""
    data = read_bundle(path)
    roster = Roster(
        orgs=data["orgs"],
        classes=data["classes"],
        users=data["users"],
        enrollments=data["enrollments"],
        academic_sessions=data["academicSessions"],
    )
    return sync_roster(actor, roster=roster)


def deliver_results(
    actor: Any = None,
    *,
    school_code: str | None = None,
    adapter: SectorAdapter | None = None,
    concurrency: int = 8,
) -> dict[str, Any]:
    """One pass over the due transcripts of the outbox (all, or one school's)."""
    school = _school(school_code)
    ids = None
    if school is not None:
        ids = list(
            OutboxMessage.objects.filter(
                school=school,
                status=OutboxMessage.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            ).values_list("pk", flat=True)
        )
    run = SyncRun.objects.create(kind=SyncRun.Kind.RESULTS, school=school)
    counts = outbox.deliver(adapter, ids=ids, concurrency=concurrency, limit=100_000)
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD)
    if school is not None:
        pending, dead = pending.filter(school=school), dead.filter(school=school)
    report = {
        "created": 0,
        "updated": 0,
        "delivered": counts["delivered"],
        "failed": counts["failed"] + counts["retry"],
        "records": counts["records"],
        "retrying": pending.count(),
        "dead_letter": dead.count(),
    }
    return _finish(run, report, actor)


def reconcile(
    actor: Any = None, *, school_code: str | None = None, adapter: SectorAdapter | None = None
) -> dict[str, Any]:
    """Compare delivered transcripts with the remote; the report lists every difference."""
    school = _school(school_code)
    run = SyncRun.objects.create(kind=SyncRun.Kind.RECONCILE, school=school)
    differences = outbox.reconcile(adapter, school=school)
    return _finish(run, {"differences": len(differences), "items": differences}, actor)
