"""Database triggers that keep the audit log append-only, even against raw SQL.

Rows of core_auditevent can be inserted, never updated or deleted. Wiping a whole database
(`manage.py flush`, used between transactional tests) stays possible: PostgreSQL flushes with
TRUNCATE, which row triggers do not see; SQLite flushes with DELETE, so its trigger asks the
connection-level function `hoclieu_audit_purge()`, which only the flush command turns on.
Connections that lack the function (the sqlite3 shell) fail the DELETE, which is the point.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

TABLE = "core_auditevent"
MESSAGE = "audit events are append-only"

POSTGRESQL_CREATE = f"""
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""
POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS core_auditevent_append_only ON {TABLE};
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""
SQLITE_CREATE = [
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT hoclieu_audit_purge()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
]

_purge = threading.local()


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: gives each SQLite connection the purge switch."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "hoclieu_audit_purge", 0, lambda: int(getattr(_purge, "allowed", False))
        )


@contextlib.contextmanager
def purge_allowed() -> Iterator[None]:
    """Lets this thread empty the audit table: only for flushing a whole database."""
    _purge.allowed = True
    try:
        yield
    finally:
        _purge.allowed = False
