"""Settings for the crime-policy commitment tracker.

One module, driven by environment variables, with safe defaults for a laptop:
SQLite when ``DATABASE_URL`` is unset, Celery tasks run in-process when
``REDIS_URL`` is unset.  Production is the default (``DJANGO_DEBUG`` unset) and
needs ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and ``DJANGO_EMAIL_BACKEND``
or refuses to start; the laptop sets ``DJANGO_DEBUG=1`` (the Makefile does).  Every
variable read here is listed in ``.env.example`` (docker-compose.yml reads it).
"""

import os
import sys
from pathlib import Path
from typing import Any

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

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


# --- DEBUG, SECRET_KEY, ALLOWED_HOSTS, EMAIL: production unless told otherwise ---
# Production is the default and fails closed.  DEBUG is on only where DJANGO_DEBUG
# says so (``make run`` and the Makefile's other laptop targets set it) or in the test
# suite.  With it off, every entry point (manage.py, gunicorn, celery) refuses to start,
# naming the setting, without a strong secret key, named hosts and an email backend
# that really sends (tests/test_deploy.py).
TESTING = "pytest" in sys.modules or env_bool("DJANGO_TESTING", False)
DEBUG = env_bool("DJANGO_DEBUG", TESTING)
# mypy's Django plugin imports this module only to read it: never a server to refuse.
PRODUCTION = not DEBUG and not TESTING and "mypy" not in sys.modules

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105
_CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
# Backends that deliver nothing: a password-reset link would reach the log, not the user.
_UNDELIVERED_EMAIL = {
    _CONSOLE_EMAIL,
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
# Email: SMTP from the environment (Django's own setting names), or any real backend
# named in DJANGO_EMAIL_BACKEND; the console in development.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "" if PRODUCTION else _CONSOLE_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _production_refusals() -> list[str]:
    """What production lacks, one line per setting (Django's own W009 rules for the key)."""
    problems = []
    if not SECRET_KEY:
        problems.append("DJANGO_SECRET_KEY is not set.")
    elif SECRET_KEY == _DEV_SECRET:
        problems.append("DJANGO_SECRET_KEY is the public development key.")
    elif len(SECRET_KEY) < 50:
        problems.append("DJANGO_SECRET_KEY must be at least 50 characters long.")
    elif SECRET_KEY.startswith("django-insecure-"):
        problems.append("DJANGO_SECRET_KEY is a django-insecure- key from startproject.")
    elif len(set(SECRET_KEY)) < 5:
        problems.append("DJANGO_SECRET_KEY has fewer than 5 distinct characters.")
    if not ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS is not set (comma-separated host names).")
    elif "*" in ALLOWED_HOSTS:
        # Any Host header would then be believed, password-reset links included.
        problems.append("DJANGO_ALLOWED_HOSTS must name the hosts, not '*'.")
    if not EMAIL_BACKEND:
        problems.append(
            "DJANGO_EMAIL_BACKEND is not set (e.g. django.core.mail.backends.smtp.EmailBackend "
            "with EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS)."
        )
    elif EMAIL_BACKEND in _UNDELIVERED_EMAIL:
        problems.append(f"DJANGO_EMAIL_BACKEND is {EMAIL_BACKEND}, which delivers no mail.")
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        problems.append("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one.")
    return problems


if PRODUCTION and (_refusals := _production_refusals()):
    raise ImproperlyConfigured(
        "refusing to start with DJANGO_DEBUG off:\n"
        + "\n".join(f"  - {problem}" for problem in _refusals)
        + "\nSet them (see .env.example), or DJANGO_DEBUG=1 for development (`make run`)."
    )

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The address permalinks cite (tracker/siteurl.py): set it in production; unset,
# each request's own address is used (so ``make run PORT=8100`` cites port 8100).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    # --- Sign-in: Django's admin on the tracker's admin site, whose login is the
    # site's limited sign-in and which asks a verified second factor of users who
    # have one (policies/editorial/admin_site.py) ---
    "policies.editorial.admin_site.TrackerAdminConfig",
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
    # --- Sign-in: the optional second factor, TOTP (django-otp's own migrations) ---
    "django_otp",
    "django_otp.plugins.otp_totp",
    # --- Security/Logging: Content-Security-Policy (django-csp) and the request id
    # (django-guid); see "Security" and "Logging" below ---
    "csp",
    "django_guid",
    "tracker",
    "policies",
    "evidence",
]

MIDDLEWARE = [
    # --- Security/Logging: outermost, so that every response (health probes, cached
    # pages, error pages) carries its request id and the Content-Security-Policy, and
    # every log line of the request names the id ---
    "django_guid.middleware.guid_middleware",
    "csp.middleware.CSPMiddleware",
    # Faults: /healthz and /readyz are answered first, before the host check, the
    # HTTPS redirect and the response cache (tracker/health.py).
    "tracker.health.HealthMiddleware",
    # Validation: NUL in a path (404), a query or a page's form field (400) is refused
    # before any view or query sees it (tracker/badinput.py).
    "tracker.badinput.BadInputMiddleware",
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
    # --- Sign-in: the session's verified second factor (django-otp), then what a
    # session may reach before its sign-in is complete (policies/editorial/signin.py) ---
    "django_otp.middleware.OTPMiddleware",
    "policies.editorial.signin.SignInStateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

if not DEBUG and not TESTING:
    # Production serves its own static files; runserver and the test live server do it in DEBUG.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

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
            # Django's RedisCache failing open (tracker/cachebackends.py): with Redis
            # down, throttles, sign-in counters and the response cache miss and forget
            # (logged) instead of answering 500.  Short socket timeouts: a Redis that
            # is unreachable costs at most a second, then is not tried for RETRY_AFTER s.
            "BACKEND": "tracker.cachebackends.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            "RETRY_AFTER": env_int("CACHE_RETRY_AFTER", 5),
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

# Email settings: at the top of this module (production requires a real backend).

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

# Content-Security-Policy on every response (django-csp 4; tests/test_csp.py and
# tests/browser/test_csp.py).  No inline script or style anywhere: pages load their
# scripts and styles from static/, charts draw with SVG presentation attributes, and
# the Swagger UI's init script is served from its own URL (tracker/api/urls.py).
# img-src allows data: for the images swagger-ui.css embeds as data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# --- CORS: anyone may read the API ------------------------------------------
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link", "X-Request-ID"]  # + Logging's id

# --- REST framework ---------------------------------------------------------
API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100
# --- Sign-in: the client's address (tracker/clientip.py) ---
# How many reverse proxies in front of the site append to X-Forwarded-For; the
# client is that many entries from the right.  0: the header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "policies.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Validation: bodies are JSON objects at most 32 deep, without NUL (tracker/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.JSONParser",
        "tracker.api.parsers.FormParser",
        "tracker.api.parsers.MultiPartParser",
    ],
    # Validation: an unknown query parameter or ordering is a 400 (tracker/api/filters.py).
    "DEFAULT_FILTER_BACKENDS": [
        "tracker.api.filters.KnownQueryParameters",
        "django_filters.rest_framework.DjangoFilterBackend",
        "tracker.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumberPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's throttles identifying clients by tracker.clientip.client_ip.
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttles.AnonRateThrottle",
        "tracker.api.throttles.UserRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/min"),
        "user": os.environ.get("API_USER_RATE", "600/min"),
        "writes": os.environ.get("API_WRITE_RATE", "60/min"),
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
# Faults: a broker that is down fails a publish in about half a second (a 503 to the
# user, tracker/faults.py) instead of retrying for long; a worker that loses the broker
# stops its acks_late tasks (they are redelivered) rather than finishing them unacked.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The visibility timeout (redelivery of a task whose worker died) is fitted to the
# longest task below, after the indicator settings it depends on.

# --- Tracker ----------------------------------------------------------------
# An editor may publish their own draft only where the team is one person.
TRACKER_ALLOW_SELF_PUBLISH = env_bool("TRACKER_ALLOW_SELF_PUBLISH", False)
# Author names appear publicly only when this is on; otherwise the role.
TRACKER_SHOW_AUTHOR_NAMES = env_bool("TRACKER_SHOW_AUTHOR_NAMES", False)
# Where readers report an error (the about page and every proposal page); production
# warns without it (tracker.checks, `make check-deploy`).
TRACKER_CONTACT_EMAIL = os.environ.get("TRACKER_CONTACT_EMAIL", "").strip()
TRACKER_DATA_LICENCE = os.environ.get(
    "TRACKER_DATA_LICENCE",
    "Data: Open Data Commons Attribution Licence (ODC-By 1.0). Proposal texts are quoted "
    "from Liberal Democrat policy papers 118 and 138 for reference.",
)

# --- Campaigners: accounts, review, import (policies.editorial_*) -----------
# --- Sign-in (policies/editorial/signin.py): one limiter for the site and the admin.
# Failed attempts (a wrong password or code) per username: at the limit that
# username is refused (429) until its window ends; other accounts are not.  Failed
# attempts per client address, across usernames, far above it: one member's
# mistakes do not lock out a team behind one address (django-ratelimit syntax).
TRACKER_LOGIN_RATE = os.environ.get("LOGIN_RATE", "10/15m")
TRACKER_LOGIN_IP_RATE = os.environ.get("LOGIN_IP_RATE", "100/15m")
# django-ratelimit's "ip" key is the same client address (tracker/clientip.py).
RATELIMIT_IP_META_KEY = "tracker.clientip.client_ip"
# The second factor (TOTP, django-otp): compulsory for editors and admins when on;
# the issuer name authenticator apps show.
TRACKER_REQUIRE_2FA_FOR_EDITORS = env_bool("TRACKER_REQUIRE_2FA_FOR_EDITORS", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Crime policy tracker")
# Admins may remove a user's lost device in the admin, never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end Sign-in ---
# CSV imports: files above this many rows run as a background task with progress.
TRACKER_IMPORT_BACKGROUND_ROWS = env_int("TRACKER_IMPORT_BACKGROUND_ROWS", 200)
TRACKER_IMPORT_MAX_BYTES = env_int("TRACKER_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Validation: an import claims its file's hash while it runs (policies/imports/claims.py);
# a claim older than this (its process died) is taken over.  Longer than any import runs:
# the task's hard time limit (CELERY_TASK_TIME_LIMIT, 30 min) plus a wait in the queue.
TRACKER_IMPORT_CLAIM_TIMEOUT = env_int("TRACKER_IMPORT_CLAIM_TIMEOUT", 2 * 60 * 60)
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

# --- Indicators: incremental data.police.uk refresh (evidence.sources.police_api) ---
# A refresh fetches the months not held yet, plus this many newest months again
# (recent months may be revised), instead of every month of every force.
POLICE_API_REVISION_MONTHS = env_int("POLICE_API_REVISION_MONTHS", 3)

# --- Watch: evidence links that never rot (evidence.linkhealth, evidence.linkclient) ---
# Beat runs the link check on this crontab; each run checks at most
# LINK_CHECK_MAX_PER_RUN addresses not checked for LINK_CHECK_EVERY_HOURS, at most one
# request per host every LINK_CHECK_HOST_INTERVAL seconds, and stops starting new
# checks after LINK_CHECK_RUN_SECONDS.  404, 410 and a name that does not resolve are
# broken at once; other failures (5xx, timeouts, refused connections) after
# LINK_CHECK_FAILURES_BEFORE_BROKEN checks in a row.
LINK_CHECK_SCHEDULE = os.environ.get("LINK_CHECK_SCHEDULE", "23 * * * *")
LINK_CHECK_MAX_PER_RUN = env_int("LINK_CHECK_MAX_PER_RUN", 100)
LINK_CHECK_EVERY_HOURS = env_int("LINK_CHECK_EVERY_HOURS", 24)
LINK_CHECK_HOST_INTERVAL = float(os.environ.get("LINK_CHECK_HOST_INTERVAL", "5"))
LINK_CHECK_TIMEOUT = float(os.environ.get("LINK_CHECK_TIMEOUT", "15"))
LINK_CHECK_RUN_SECONDS = env_int("LINK_CHECK_RUN_SECONDS", 15 * 60)
LINK_CHECK_FAILURES_BEFORE_BROKEN = env_int("LINK_CHECK_FAILURES_BEFORE_BROKEN", 3)
# The checker says who it is and where to ask about it (its User-Agent).
LINK_CHECK_CONTACT_URL = os.environ.get(
    "LINK_CHECK_CONTACT_URL", f"{SITE_URL}/methodology/" if SITE_URL else ""
)
# Addresses on loopback, private or link-local networks are not fetched (a source
# typed by a campaigner must not make the worker probe the internal network);
# the tests, whose server is on 127.0.0.1, allow them.
LINK_CHECK_ALLOW_PRIVATE = env_bool("LINK_CHECK_ALLOW_PRIVATE", False)
# The web archive: its availability API (the Wayback Machine's JSON shape) and the
# address that asks it to save a page (the page's URL is appended).
EVIDENCE_ARCHIVE_API_URL = os.environ.get(
    "EVIDENCE_ARCHIVE_API_URL", "https://archive.org/wayback/available"
)
EVIDENCE_ARCHIVE_SAVE_URL = os.environ.get(
    "EVIDENCE_ARCHIVE_SAVE_URL", "https://web.archive.org/save/"
)

# --- Faults: redelivery, the run reaper, health (tracker/faults.py, tracker/health.py) ---
# A task whose worker died (acks_late + reject_on_worker_lost) is redelivered by the
# Redis broker once it has been unacknowledged this long: longer than the longest
# task may run (its hard time limit), so a task still running is never redelivered.
CELERY_REDELIVERY_MARGIN = env_int("CELERY_REDELIVERY_MARGIN", 60)
LONGEST_TASK_SECONDS = max(CELERY_TASK_TIME_LIMIT, INDICATOR_TASK_TIME_LIMIT)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": LONGEST_TASK_SECONDS + CELERY_REDELIVERY_MARGIN,
    # Look for such tasks every N seconds (kombu's default scans every 100 s).
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,
    "socket_timeout": 30,
}
# A refresh run still "running" this long after it started is abandoned (its worker
# was killed, or the hard time limit stopped it): past the redelivery of its task and
# one restore sweep.  evidence.tasks.reap_abandoned_runs, scheduled by beat every
# RUN_REAPER_INTERVAL seconds, marks it failed and queues the refresh again unless a
# later run of the same indicator has started (the broker redelivered it).
RUN_ABANDONED_AFTER = (
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    + CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"]
    + CELERY_REDELIVERY_MARGIN
)
RUN_REAPER_INTERVAL = env_int("RUN_REAPER_INTERVAL", 5 * 60)
# /readyz: a worker heartbeat (written every HEALTH_WORKER_HEARTBEAT_INTERVAL s by each
# worker) and the beat-scheduled reaper's last run must be younger than these.
HEALTH_WORKER_HEARTBEAT_INTERVAL = env_int("HEALTH_WORKER_HEARTBEAT_INTERVAL", 15)
HEALTH_WORKER_MAX_AGE = env_int("HEALTH_WORKER_MAX_AGE", 60)
HEALTH_BEAT_MAX_AGE = env_int("HEALTH_BEAT_MAX_AGE", 2 * RUN_REAPER_INTERVAL + 60)
# A database that does not answer fails a request (a 503) after this many seconds
# instead of the system's TCP timeout of minutes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )

# --- Logging: one line per record on stderr, each naming its request id ----------------
# The id (django-guid) is the request's X-Request-ID when that is a valid UUID, else a
# new UUID; the response carries it back, and tasks a request enqueues log it too
# (the Celery integration passes it on; a task beat started gets its own).  LOG_FORMAT
# json (production's default): one JSON object a line (python-json-logger) with
# timestamp, level, logger, message and request_id; text in development and tests.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "UUID_FORMAT": "string",
    "RETURN_HEADER": True,
    # CORS_EXPOSE_HEADERS names it: django-guid's own would replace that list.
    "EXPOSE_HEADER": False,
    # Only with a real worker: a task run in-process (eager) would replace, then clear,
    # the id of the request that runs it.
    "INTEGRATIONS": (
        [] if CELERY_TASK_ALWAYS_EAGER else [CeleryIntegration(use_django_logging=True)]
    ),
}
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {
            "format": "{asctime} {levelname} {name} [request_id={request_id}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (console in DEBUG, mail_admins) replaced by the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Its lines come before the request's id is set (one per request at INFO).
        "django_guid": {"level": "ERROR"},
        # gunicorn's error and access lines in the same shape (deploy/gunicorn.conf.py).
        "gunicorn.error": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
