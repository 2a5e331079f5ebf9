"""The append-only audit log. Every service function that changes data calls `record`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from . import context
from .asyncdb import ops_connection
from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The stored values of `obj` (or just `fields`), as JSON, for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password", "key_hash", "content"}:
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    ctx = context.current()
    row = event(
        action,
        obj,
        actor=actor,
        before=before,
        after=after,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        ip=ctx.ip,
        request_id=ctx.request_id,
    )
    row.save(force_insert=True)
    return row


def event(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    ip: str | None = None,
    request_id: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """The unsaved row `record` writes; the event-loop routes insert it with `insert_sql`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    row = AuditEvent(
        actor=actor_obj,
        actor_label=(str(actor_obj.username) if actor_obj else "system")[:160],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=ip,
        request_id=request_id,
    )
    if at is not None:
        row.at = at
    return row


def insert_sql(row: AuditEvent, *, after: str = "") -> tuple[str, list[Any]]:
    """An INSERT of `row` with its parameters, for a raw (async) PostgreSQL connection.

    With `after`, the name of a common table expression of the same statement, the row is
    inserted once for each of its rows: `WITH changed AS (UPDATE … RETURNING id) INSERT …`
    writes the change and its audit row in one statement, and no audit row when nothing
    changed."""
    connection = ops_connection()
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    if not after:
        marks = ", ".join(["%s"] * len(fields))
        return f"INSERT INTO {table} ({columns}) VALUES ({marks})", params  # noqa: S608
    # In a SELECT list a parameter's type is not taken from the column it goes into: cast.
    typed = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
    source = connection.ops.quote_name(after)
    return f"INSERT INTO {table} ({columns}) SELECT {typed} FROM {source}", params  # noqa: S608
