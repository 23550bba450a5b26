"""Settings for the crime-policy commitment tracker.

One module, driven by environment variables, with safe defaults for a laptop:
SQLite when ``DATABASE_URL`` is unset, Celery tasks run in-process when
``REDIS_URL`` is unset.  Production sets ``DJANGO_DEBUG=0``,
``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, ``DATABASE_URL`` and
``REDIS_URL`` (see docker-compose.yml).
"""

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("DJANGO_TESTING", False)

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG or TESTING else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The address permalinks cite (tracker/siteurl.py): set it in production; unset,
# each request's own address is used (so ``make run PORT=8100`` cites port 8100).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "tracker",
    "policies",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Anonymous public reads are answered here, before sessions, CSRF and views.
    "tracker.cache.ResponseCacheMiddleware",
    # The request's own address for permalinks when SITE_URL is unset.
    "tracker.siteurl.SiteURLMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

if not DEBUG and not TESTING:
    # Production serves its own static files; runserver and the test live server do it in DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "tracker.urls"

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
                "tracker.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Response cache (tracker/cache.py) and data revision (tracker/revision.py) ---
# Off in the test suite except where a test turns it on (tests/test_response_cache.py):
# test data made without the services does not move the revision.
RESPONSE_CACHE_ENABLED = env_bool("RESPONSE_CACHE_ENABLED", not TESTING)
# The shared level: the default cache when it is Redis; none in the embedded default.
RESPONSE_CACHE_ALIAS = "default" if REDIS_URL and not TESTING else None
RESPONSE_CACHE_LOCAL_BYTES = env_int("RESPONSE_CACHE_LOCAL_BYTES", 64 * 1024 * 1024)
RESPONSE_CACHE_MAX_BYTES = env_int("RESPONSE_CACHE_MAX_BYTES", 8 * 1024 * 1024)
RESPONSE_CACHE_SHARED_TIMEOUT = env_int("RESPONSE_CACHE_SHARED_TIMEOUT", 24 * 60 * 60)
RESPONSE_CACHE_MAX_AGE = env_int("RESPONSE_CACHE_MAX_AGE", 30)
RESPONSE_CACHE_S_MAXAGE = env_int("RESPONSE_CACHE_S_MAXAGE", 60)
RESPONSE_CACHE_STALE_WHILE_REVALIDATE = env_int("RESPONSE_CACHE_STALE_WHILE_REVALIDATE", 30)
# How long a process may use the revision it last read (seconds, at most 1).  The
# test suite reads it once per test (tests/conftest.py) so that query counts are exact.
DATA_REVISION_TTL = 3600.0 if TESTING else min(float(os.environ.get("DATA_REVISION_TTL", "1")), 1.0)


# --- Auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tracker@localhost")

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production when DEBUG is off) --------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the page's fetch() reads it for API writes
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- CORS: anyone may read the API ------------------------------------------
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link"]

# --- REST framework ---------------------------------------------------------
API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "policies.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumberPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/min"),
        "user": os.environ.get("API_USER_RATE", "600/min"),
        "writes": os.environ.get("API_WRITE_RATE", "60/min"),
        "login": os.environ.get("LOGIN_RATE", "10/min"),
    },
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Crime policy commitment tracker API",
    "DESCRIPTION": (
        "Read every proposal of Liberal Democrat Policy Papers 118 and 138, its delivery "
        "status over time and the evidence behind each judgement."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a nested ``Kind``: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ProposalKindEnum": "policies.models.Proposal.Kind",
        "ActingBodyKindEnum": "policies.models.ActingBody.Kind",
        "EvidenceKindEnum": "evidence.models.Evidence.Kind",
    },
}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Tests run tasks in-process; the worker integration test switches this off itself.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or TESTING
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TIMEZONE = TIME_ZONE

# --- Tracker ----------------------------------------------------------------
# An editor may publish their own draft only where the team is one person.
TRACKER_ALLOW_SELF_PUBLISH = env_bool("TRACKER_ALLOW_SELF_PUBLISH", False)
# Author names appear publicly only when this is on; otherwise the role.
TRACKER_SHOW_AUTHOR_NAMES = env_bool("TRACKER_SHOW_AUTHOR_NAMES", False)
TRACKER_DATA_LICENCE = os.environ.get(
    "TRACKER_DATA_LICENCE",
    "Data: Open Data Commons Attribution Licence (ODC-By 1.0). Proposal texts are quoted "
    "from Liberal Democrat policy papers 118 and 138 for reference.",
)

# --- Campaigners: accounts, review, import (policies.editorial_*) -----------
# Sign-in attempts per client address and per username (django-ratelimit syntax).
TRACKER_LOGIN_RATE = os.environ.get("LOGIN_RATE", "10/m")
# CSV imports: files above this many rows run as a background task with progress.
TRACKER_IMPORT_BACKGROUND_ROWS = env_int("TRACKER_IMPORT_BACKGROUND_ROWS", 200)
TRACKER_IMPORT_MAX_BYTES = env_int("TRACKER_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

# --- Indicators: sources and refresh schedule (evidence.*) -----------------
# Base URLs are configurable so tests and the worker integration test can point
# the clients at a local server.  data.police.uk allows 15 requests a second:
# each worker process paces itself to POLICE_API_MAX_RATE (keep the product of
# it and the worker concurrency under 15).
INDICATOR_SOURCES = {
    "police_api": os.environ.get("POLICE_API_BASE_URL", "https://data.police.uk/api/"),
    "govuk_content": os.environ.get(
        "GOVUK_CONTENT_API_BASE_URL", "https://www.gov.uk/api/content/"
    ),
}
POLICE_API_MAX_RATE = float(os.environ.get("POLICE_API_MAX_RATE", "5"))
INDICATOR_HTTP_TIMEOUT = env_int("INDICATOR_HTTP_TIMEOUT", 60)
INDICATOR_HTTP_RETRIES = env_int("INDICATOR_HTTP_RETRIES", 4)
INDICATOR_HTTP_BACKOFF = float(os.environ.get("INDICATOR_HTTP_BACKOFF", "1.0"))
INDICATOR_TASK_TIME_LIMIT = env_int("INDICATOR_TASK_TIME_LIMIT", 45 * 60)
# The beat schedule (one entry per indicator) is set in tracker/celery.py.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
