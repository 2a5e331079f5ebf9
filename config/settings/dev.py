"""The embedded default: a laptop, no services, demo data."""

from .base import *  # noqa: F403
from .base import SECRET_KEY

DEBUG = True
# Development only; production refuses to start without its own key.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"
ALLOWED_HOSTS = ["*"]
