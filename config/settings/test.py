"""Settings for the test suite: the embedded default unless DATABASE_URL/REDIS_URL say otherwise."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REDIS_URL

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(
    os.environ.get("TEST_MEDIA_ROOT", "/tmp/hoclieu-test-media")  # noqa: S108
)
if REDIS_URL:
    # Each xdist worker gets its own prefix so parallel runs do not see each other's keys.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    CACHES["default"]["KEY_PREFIX"] = f"test-{worker}"
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"test-{worker}"  # type: ignore[index]
    CELERY_TASK_ALWAYS_EAGER = True
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
