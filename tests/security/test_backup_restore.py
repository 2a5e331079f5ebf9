"""The backup/restore check restores a real copy and compares it (SQLite here; PostgreSQL in
the PG leg of CI, where DATABASE_URL points at PostgreSQL)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import AuditEvent, User


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_scratch_database_with_every_row(world) -> None:
    out = StringIO()
    call_command("backup_restore_check", stdout=out)
    text = out.getvalue()
    assert "restore check OK" in text
    assert "transparency log intact" in text
    rows = int(text.split(" tables, ")[1].split(" rows")[0])
    assert rows >= User.objects.count() + AuditEvent.objects.count()
