"""Scratch PostgreSQL databases for the benchmarks: created when missing, never a shared one."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


def ensure_database(url: str, prefix: str) -> None:
    """CREATE DATABASE if it is missing; refuse names without the bench's prefix, so a
    mistyped DATABASE_URL can never point a benchmark at real data."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith(prefix):
        sys.exit(f"refusing database {name!r}: this benchmark only uses databases named {prefix}*")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
