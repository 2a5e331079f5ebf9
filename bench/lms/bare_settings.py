"""Production settings with one extra URL, for the course-page benchmark's baseline."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.lms.bare_urls"
