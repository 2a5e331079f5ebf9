"""The baseline (bare_settings) with the connection pool of pool_settings."""

from bench.cbt.pool_settings import *  # noqa: F403

ROOT_URLCONF = "bench.cbt.bare_urls"
