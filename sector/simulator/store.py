"""The simulator's own persistence: one SQLite file, one row per OneRoster object."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    sourced_id TEXT NOT NULL,
    data TEXT NOT NULL,
    writes INTEGER NOT NULL DEFAULT 1,
    changes INTEGER NOT NULL DEFAULT 1,
    verified INTEGER,
    PRIMARY KEY (collection, sourced_id)
);
"""


class Store:
    """Upserts keyed by sourcedId: writing the same object twice changes nothing."""

    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def upsert_many(
        self, collection: str, items: list[dict[str, Any]], verified: bool | None = None
    ) -> int:
        """Store each item; return how many actually changed (new or different)."""
        changed = 0
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for item in items:
                    data = json.dumps(item, ensure_ascii=False, sort_keys=True)
                    row = self.db.execute(
                        "SELECT data FROM records WHERE collection=? AND sourced_id=?",
                        (collection, item["sourcedId"]),
                    ).fetchone()
                    if row is None:
                        self.db.execute(
                            "INSERT INTO records (collection, sourced_id, data, verified) "
                            "VALUES (?, ?, ?, ?)",
                            (collection, item["sourcedId"], data, verified),
                        )
                        changed += 1
                    elif row[0] == data:
                        self.db.execute(
                            "UPDATE records SET writes = writes + 1 "
                            "WHERE collection=? AND sourced_id=?",
                            (collection, item["sourcedId"]),
                        )
                    else:
                        self.db.execute(
                            "UPDATE records SET data=?, writes=writes+1, changes=changes+1, "
                            "verified=? WHERE collection=? AND sourced_id=?",
                            (data, verified, collection, item["sourcedId"]),
                        )
                        changed += 1
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return changed

    def get(self, collection: str, sourced_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT data FROM records WHERE collection=? AND sourced_id=?",
                (collection, sourced_id),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, collection: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT data FROM records WHERE collection=? ORDER BY sourced_id", (collection,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def verified(self, collection: str, sourced_id: str) -> bool | None:
        with self.lock:
            row = self.db.execute(
                "SELECT verified FROM records WHERE collection=? AND sourced_id=?",
                (collection, sourced_id),
            ).fetchone()
        return None if row is None or row[0] is None else bool(row[0])

    def stats(self) -> dict[str, Any]:
        with self.lock:
            per = {
                c: {"count": n, "writes": w, "changes": ch}
                for c, n, w, ch in self.db.execute(
                    "SELECT collection, COUNT(*), SUM(writes), SUM(changes) "
                    "FROM records GROUP BY collection"
                )
            }
            # Two results for one student on one line item would be a double-applied delivery.
            duplicates = self.db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE collection='results' "
                "GROUP BY json_extract(data, '$.lineItem.sourcedId'), "
                "json_extract(data, '$.student.sourcedId') HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            unverified = self.db.execute(
                "SELECT COUNT(*) FROM records WHERE collection='lineItems' AND verified=0"
            ).fetchone()[0]
        return {
            "collections": per,
            "duplicateResults": duplicates,
            "unverifiedLineItems": unverified,
        }
