"""Production: PostgreSQL, Redis and optionally Elasticsearch, all from environment variables.

See .env.example for every variable and docs/deploy.md for the processes.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, REDIS_URL, SECRET_KEY, env_bool

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 32 characters in production."
    )
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (cache, broker, channels).")

# Under ASGI every request runs its sync code in a fresh thread, so persistent connections
# (CONN_MAX_AGE) open one PostgreSQL connection per request and exhaust max_connections at
# exam load; psycopg's pool bounds them per worker process instead (Django docs, "pool").
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
    "min_size": 2,
    "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
    "timeout": 10,
}
# Django requests in flight per ASGI worker (core/admission.py): twice the pooled connections, so
# a burst waits on the event loop instead of in hundreds of threads timing out for a connection,
# while a request finishing its response overlaps with the next one's queries.
_POOL_SIZE = DATABASES["default"]["OPTIONS"]["pool"]["max_size"]  # noqa: F405
ASGI_DJANGO_CONCURRENCY = int(os.environ.get("ASGI_DJANGO_CONCURRENCY", 2 * _POOL_SIZE))
# Sessions read from Redis and written through to the database: no session query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
