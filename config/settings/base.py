"""Settings shared by every environment.

Every external service is chosen by one environment variable and falls back to an embedded
default, so the platform runs on a bare machine (SQLite, in-memory channel layer, eager tasks,
database search) and in production (PostgreSQL, Redis, optional Elasticsearch) from one codebase.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "channels",
    "taggit",
    "modelcluster",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "content",
    "lms",
    "question_bank",
    "assessment",
    "sector",
    "provenance",
    "exams",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every platform page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # TOTP second factor: marks verified sessions, then holds back those that owe a code.
    "django_otp.middleware.OTPMiddleware",
    "core.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "core.ratelimit.RateLimitMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            "OPTIONS": {
                # WAL and a busy timeout let the ASGI server, tasks and shell share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, Channels layer ----------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "hoclieu"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNELS_PREFIX", "hoclieu-asgi"),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# --- Search -------------------------------------------------------------------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
WAGTAILSEARCH_BACKENDS: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "wagtail.search.backends.database"}
}
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": [ELASTICSEARCH_URL],
        "INDEX": os.environ.get("ELASTICSEARCH_INDEX", "hoclieu"),
        "OPTIONS": {},
        "INDEX_SETTINGS": {},
    }

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in with the sector identity provider / VNeID (OpenID Connect, core/oidc.py,
# docs/identity.md).
# Off unless OIDC_RP_CLIENT_ID is set; local password sign-in always stays.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
# The claim carrying the 12-digit national identifier (VNeID may send it as "sub").
OIDC_NATIONAL_ID_CLAIM = os.environ.get("OIDC_NATIONAL_ID_CLAIM", "national_id")
OIDC_CREATE_USER = False  # accounts come from the roster only
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATE_CLASS = "core.oidc.AuthenticateView"
OIDC_CALLBACK_CLASS = "core.oidc.CallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/oidc/refused/"
AUTHENTICATION_BACKENDS.append("core.oidc.RosterOIDCBackend")

# Second factor (TOTP, core/twofactor.py): required once a person enrols, and for every
# department/school admin and exam coordinator when this is on.
OTP_REQUIRED_FOR_ADMIN_ROLES = env_bool("OTP_REQUIRED_FOR_ADMIN_ROLES", False)
OTP_TOTP_ISSUER = "Học liệu số"

# Personal-data retention (Law 91/2025, docs/privacy.md); purged nightly by core.tasks.
PRIVACY_VIEW_LOG_RETENTION_DAYS = int(os.environ.get("PRIVACY_VIEW_LOG_RETENTION_DAYS", "730"))
PRIVACY_DEPARTED_RETENTION_DAYS = int(os.environ.get("PRIVACY_DEPARTED_RETENTION_DAYS", "365"))

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# (name, method, path regex, per "ip"/"user", requests, seconds): core/ratelimit.py. Sign-in is
# limited per address on top of the per-account lockout; answer saving is generous because a
# candidate's page saves on every change.
# Django requests in flight per ASGI worker; 0: no limit (production sets one, core/admission.py).
ASGI_DJANGO_CONCURRENCY = int(os.environ.get("ASGI_DJANGO_CONCURRENCY", "0"))
# Exam answer saves, starts and submits served from the event loop on PostgreSQL
# (exams/fastpath.py), with a pool of their own per web worker process.
EXAMS_FAST_ANSWERS = env_bool("EXAMS_FAST_ANSWERS", True)
EXAMS_FAST_ANSWERS_POOL_SIZE = int(os.environ.get("EXAMS_FAST_ANSWERS_POOL_SIZE", "8"))
# Save transactions under way at once per worker; saves arriving meanwhile go together in the
# next one (exams/fastpath.py, core/batching.py). One gave the largest batches and the most
# saves/s in bench/cbt (2,670/s against 1,670/s with two).
EXAMS_FAST_ANSWERS_BATCHES = int(os.environ.get("EXAMS_FAST_ANSWERS_BATCHES", "1"))
# The course page of signed-in, enrolled learners served from the event loop on PostgreSQL with
# the Redis cache and cache-backed sessions (lms/fastpage.py); any doubt goes to Django.
LMS_FAST_COURSE_PAGE = env_bool("LMS_FAST_COURSE_PAGE", True)

RATE_LIMITS: list[tuple[str, str, str, str, int, int]] = [
    ("login", "POST", r"^/accounts/login/$", "ip", 30, 300),
    ("answers", "PUT", r"^/api/v1/(assessment|exams)/attempts/\d+/answers$", "path", 300, 60),
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own bundle, no inline
# code, no eval (Alpine is the CSP build). Wagtail's and Django's admins use inline code and have
# their own protection; packages under /content/run/ are served on the play origin with their own
# policy (content/views.py), and the platform's player frames them from there.
_PLAY_ORIGIN = os.environ.get("CONTENT_PLAY_ORIGIN", "").rstrip("/")
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ("/cms/", "/django-admin/", "/content/run/"),
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'", *([_PLAY_ORIGIN] if _PLAY_ORIGIN else [])],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Học liệu số"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Content review: the subject-head task authorises publishing (content/workflow.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "content.workflow.publish_approved"
# Every document upload is checked by content, not by extension (content/document_forms.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "content.document_forms.CheckedDocumentForm"
# E-learning packages run on their own origin (docs/content-packages.md), e.g.
# CONTENT_PLAY_ORIGIN=https://play.hoclieu.example CONTENT_PLATFORM_ORIGINS=https://hoclieu.example
CONTENT_PLAY_ORIGIN = os.environ.get("CONTENT_PLAY_ORIGIN", "")
CONTENT_PLATFORM_ORIGINS = [
    o for o in os.environ.get("CONTENT_PLATFORM_ORIGINS", "").split(",") if o.strip()
]
# LibreOffice's soffice, to show PPTX slides as PDF (content/slides.py); found on PATH if unset.
SOFFICE_PATH = os.environ.get("SOFFICE_PATH", "")

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hoclieu@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# Reverse proxies in front of the app whose X-Forwarded-For entries are trusted for the
# client address (audit log, lockouts); 0 means none.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Domain settings --------------------------------------------------------------------------
ROSTER_IMPORT_MAX_BYTES = 20 * 1024 * 1024
ROSTER_IMPORT_MAX_ROWS = 20_000

# Sector integration platform (OneRoster 1.2 REST); `./dev demo` points it at the simulator.
SECTOR_API_URL = os.environ.get("SECTOR_API_URL", "http://127.0.0.1:8765")
SECTOR_CLIENT_ID = os.environ.get("SECTOR_CLIENT_ID", "hoclieu")
SECTOR_CLIENT_SECRET = os.environ.get("SECTOR_CLIENT_SECRET", "hoclieu-dev-secret")
SECTOR_TIMEOUT = float(os.environ.get("SECTOR_TIMEOUT", "10"))
SECTOR_MAX_ATTEMPTS = int(os.environ.get("SECTOR_MAX_ATTEMPTS", "10"))
CELERY_BEAT_SCHEDULE["sector-roster"] = {"task": "sector.tasks.sync_roster", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["sector-deliver"] = {"task": "sector.tasks.deliver_due", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["sector-reconcile"] = {"task": "sector.tasks.reconcile", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["core-privacy-purge"] = {
    "task": "core.tasks.purge_expired_personal_data",
    "schedule": 86400.0,
}
CELERY_BEAT_SCHEDULE["exams-submit-expired"] = {
    "task": "exams.tasks.submit_expired",
    "schedule": 5.0,
}
CELERY_BEAT_SCHEDULE["lms-activity-notices"] = {
    "task": "lms.tasks.send_activity_notices",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["lms-closed-tests"] = {
    "task": "lms.tasks.feed_closed_tests",
    "schedule": 300.0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
