"""The production settings with psycopg's connection pool: the fix this benchmark suggests.

Under ASGI each request runs its sync view in a thread of its own, so `conn_max_age=60`
(config/settings/base.py) opens a new PostgreSQL connection for every request and keeps it
until garbage collection: the database's max_connections runs out within seconds at exam load
(Django's docs: disable persistent connections under ASGI and use the backend's pool).
`run.py --settings bench.cbt.pool_settings` (needs psycopg-pool) measures the difference.
"""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": 2,
    "max_size": int(os.environ.get("CBT_POOL_SIZE", "8")),
    "timeout": 10,
}
