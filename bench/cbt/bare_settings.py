"""The production settings with one extra URL: a bare view that does one upsert (baseline).

Used only by bench/cbt/run.py, which starts a second server with
DJANGO_SETTINGS_MODULE=bench.cbt.bare_settings to measure what one committed INSERT ... ON
CONFLICT costs through the same middleware, workers and database, and prints our ratio to it.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.cbt.bare_urls"
