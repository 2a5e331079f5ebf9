"""Back up the database, restore the copy into a scratch database and check it.

    manage.py backup_restore_check [--keep DIR]

PostgreSQL: `pg_dump -Fc` of the live database, `pg_restore` into a new scratch database
(`<name>_restorecheck`), then compare. SQLite: the sqlite3 online backup API into a scratch file.
Checks on the restored copy: every migration applied, the same row count in every table, and the
provenance transparency log's hash chain intact. The scratch database is dropped afterwards; the
dump is kept only with --keep. Exit status 1 and a list of problems when anything differs.
docs/operations.md describes the full procedure.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Run inside the restored copy: unapplied migrations and transparency-log problems, as JSON.
_CHECK_RESTORED = """
import json, django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from provenance.api import check_log
executor = MigrationExecutor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
print(json.dumps({"unapplied": [f"{m.app_label}.{m.name}" for m, _ in plan], "log": check_log()}))
"""


def _counts(cursor: Any, tables: list[str], quote_name: Any) -> dict[str, int]:
    out = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")  # noqa: S608 (our own names)
        out[table] = cursor.fetchone()[0]
    return out


class Command(BaseCommand):
    help = "Dump the database, restore it into a scratch database and check the copy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--keep", help="directory to keep the dump in")

    def handle(self, *args: Any, **options: Any) -> None:
        tables = sorted(connection.introspection.table_names())
        with connection.cursor() as cursor:
            source = _counts(cursor, tables, connection.ops.quote_name)
        keep = Path(options["keep"]) if options.get("keep") else None
        with tempfile.TemporaryDirectory() as tmp:
            work = keep or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            if connection.vendor == "postgresql":
                restored, env = self._postgres(work, tables)
            elif connection.vendor == "sqlite":
                restored, env = self._sqlite(work, tables)
            else:
                raise CommandError(f"unsupported database: {connection.vendor}")
            try:
                checked = self._check_restored(env)
            finally:
                if connection.vendor == "postgresql":
                    self._drop_scratch()
        problems = [
            f"{t}: {source[t]} rows in the database, {restored.get(t)} in the restored copy"
            for t in tables
            if source[t] != restored.get(t)
        ]
        problems += [f"migration not applied in the copy: {m}" for m in checked["unapplied"]]
        problems += [f"transparency log: {p}" for p in checked["log"]]
        total = sum(source.values())
        if problems:
            raise CommandError("restore check FAILED:\n" + "\n".join(problems))
        self.stdout.write(
            f"restore check OK: {len(tables)} tables, {total} rows, migrations applied, "
            "transparency log intact"
        )

    # --- PostgreSQL ---------------------------------------------------------------------------
    def _pg(self) -> tuple[dict[str, str], list[str], str]:
        s = connection.settings_dict
        env = {**os.environ}
        if s.get("PASSWORD"):
            env["PGPASSWORD"] = s["PASSWORD"]
        args = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432)]
        if s.get("USER"):
            args += ["-U", s["USER"]]
        return env, args, s["NAME"]

    def _scratch_name(self) -> str:
        return f"{connection.settings_dict['NAME']}_restorecheck"[:63]

    def _postgres(self, work: Path, tables: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        env, args, name = self._pg()
        dump = work / f"{name}.dump"
        scratch = self._scratch_name()
        run: dict[str, Any] = {"env": env, "check": True, "capture_output": True}
        subprocess.run(["pg_dump", *args, "-Fc", "-f", str(dump), name], **run)  # noqa: S603,S607
        self._drop_scratch()
        subprocess.run(["createdb", *args, scratch], **run)  # noqa: S603,S607
        subprocess.run(  # noqa: S603
            ["pg_restore", *args, "--no-owner", "-d", scratch, str(dump)],  # noqa: S607
            **run,
        )
        import psycopg

        s = connection.settings_dict
        with (
            psycopg.connect(
                host=s.get("HOST") or "127.0.0.1",
                port=s.get("PORT") or 5432,
                user=s.get("USER") or None,
                password=s.get("PASSWORD") or None,
                dbname=scratch,
            ) as copy,
            copy.cursor() as cursor,
        ):
            counts = _counts(cursor, tables, connection.ops.quote_name)
        user = quote(s.get("USER") or "", safe="")
        password = quote(s.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        url = f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{scratch}"
        return counts, {"DATABASE_URL": url}

    def _drop_scratch(self) -> None:
        env, args, _name = self._pg()
        subprocess.run(  # noqa: S603
            ["dropdb", *args, "--if-exists", self._scratch_name()],  # noqa: S607
            env=env,
            check=True,
            capture_output=True,
        )

    # --- SQLite -------------------------------------------------------------------------------
    def _sqlite(self, work: Path, tables: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        copy_path = work / "restorecheck.sqlite3"
        copy_path.unlink(missing_ok=True)
        connection.ensure_connection()
        target = sqlite3.connect(copy_path)
        try:
            connection.connection.backup(target)  # the online backup API: a consistent copy
            counts = _counts(target.cursor(), tables, connection.ops.quote_name)
        finally:
            target.close()
        return counts, {"DATABASE_URL": "", "SQLITE_PATH": str(copy_path)}

    def _check_restored(self, extra_env: dict[str, str]) -> dict[str, list[str]]:
        env = {**os.environ, **extra_env}
        env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", _CHECK_RESTORED],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError("checking the restored copy failed:\n" + result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])
