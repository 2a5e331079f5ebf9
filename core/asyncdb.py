"""PostgreSQL from the event loop, for the few hot routes served outside Django's request cycle
(exams' answer saves, start and submit; the LMS course page)."""

from __future__ import annotations

import asyncio
import functools
import weakref
from typing import Any

from django.db import connections


@functools.cache
def ops_connection() -> Any:
    """A connection object of the default database for its vendor, quoting and value
    preparation only (it never connects). On the event loop each request runs in a context of
    its own, where `connections["default"]` would build a new one every time."""
    return connections.create_connection("default")


def default_is_postgresql() -> bool:
    return bool(ops_connection().vendor == "postgresql")


def conninfo() -> str:
    """Django's default database as a psycopg connection string."""
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
        # As Django's connections: datetimes come back in UTC, so values read here print as
        # the Django views print them.
        "options": "-c TimeZone=UTC",
    }
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


class LoopPools:
    """One autocommit psycopg pool per event loop (one per worker process in production),
    opened once: a burst of first requests all await the same opening task."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any]] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self) -> Any:
        loop = asyncio.get_running_loop()
        opening = self._pools.get(loop)
        if opening is None:
            opening = self._pools[loop] = loop.create_task(self._open())
        return await opening

    async def _open(self) -> Any:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            conninfo(),
            min_size=1,
            max_size=self.size,
            kwargs={"autocommit": True},
            open=False,
            name=self.name,
        )
        await pool.open()
        return pool

    async def aclose(self) -> None:
        """Close this loop's pool (tests; a worker's pool goes with its process)."""
        opening = self._pools.pop(asyncio.get_running_loop(), None)
        if opening is not None:
            await (await opening).close()
