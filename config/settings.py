"""Settings, read from the environment only (production differs from development by env vars).

DEBUG defaults to off: a server started without configuration is a production server and
refuses to start without SECRET_KEY. `make run` and `make test` set DEBUG=1.
"""

import os
import secrets
import sys
from decimal import Decimal
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

from config.base_url import base_url
from config.time_zone import shop_time_zone

# Lets classes like admin.ModelAdmin[Product] be subscripted at run time, as the stubs type them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Under pytest: pytest sets PYTEST_VERSION for its run, and the processes the run starts (xdist
# workers, the Celery workers and scripts some tests start) inherit it.
TESTING = "PYTEST_VERSION" in os.environ

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = "django-insecure-development-only-key-0123456789-abcdefghijklmnop"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "allauth",  # customer accounts (shop/accounts/): sign-up, sign-in, verification, resets
    "allauth.account",
    "shop",
    "kits",
    "promotions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # TRACE and methods no view serves: 405 on every path, static files included.
    "config.methods.RefuseUnservedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "config.middleware.RejectOversizedBodyMiddleware",
    "config.middleware.ApiTimesInUtcMiddleware",  # pages in SHOP_TIME_ZONE, the API in UTC
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: a locked login's 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "shop.cart.context_processors.shop",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # templates/admin/widgets/ overrides

# Database: DATABASE_URL (PostgreSQL via psycopg 3 in production and CI), else a SQLite file.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two checkouts
    # serialise instead of failing half-way with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL: parameters bound by the server, so psycopg prepares a statement once a
    # connection has run it five times (its default threshold) and PostgreSQL stops parsing and
    # planning it again: a checkout's ~20 statements cost the database about a quarter less CPU
    # (docs/BENCHMARKS.md, issue 20). Behind a pooler in transaction mode (PgBouncer without
    # max_prepared_statements) set DATABASE_PREPARED_STATEMENTS=0.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": (
            5 if os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0" else None
        ),
    }
    if os.environ.get("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: REDIS_URL set -> Redis for both; unset -> in-process tasks, local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Under pytest every Redis key (cache entries, throttle counters, Celery's queues) starts with
# `test:<run>:<xdist worker>:`: a test run may share REDIS_URL's database with the app, never
# its keys, and clears and purges only its own (tests/conftest.py). The run's id is handed down
# through the environment to the processes it starts, which so share their worker's keys.
REDIS_KEY_PREFIX = ""
if TESTING:
    _test_run = os.environ.setdefault("SHOP_TEST_RUN", secrets.token_hex(4))
    REDIS_KEY_PREFIX = f"test:{_test_run}:{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX + os.environ.get("CACHE_KEY_PREFIX", "shop"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 300}
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# The email outbox and giveaways: beat sweeps rows in the database, never far-future ETAs.
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {"task": "promotions.tasks.outbox_sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["giveaways-sweep"] = {
    "task": "promotions.tasks.giveaways_sweep",
    "schedule": 60.0,
}
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "60"))
OUTBOX_REDISPATCH_SECONDS = int(os.environ.get("OUTBOX_REDISPATCH_SECONDS", "600"))
OUTBOX_CHUNK_SIZE = int(os.environ.get("OUTBOX_CHUNK_SIZE", "100"))
# Promo codes: failed attempts allowed per client (IP) and per cart in each window (seconds).
PROMO_ATTEMPT_WINDOW = int(os.environ.get("PROMO_ATTEMPT_WINDOW", "900"))
PROMO_ATTEMPTS_PER_CLIENT = int(os.environ.get("PROMO_ATTEMPTS_PER_CLIENT", "30"))
PROMO_ATTEMPTS_PER_CART = int(os.environ.get("PROMO_ATTEMPTS_PER_CART", "10"))
PROMO_QUOTE_ATTEMPTS_PER_CLIENT = int(os.environ.get("PROMO_QUOTE_ATTEMPTS_PER_CLIENT", "100"))
# Who the client is, for every limit (config/client.py): the connection's address, or what the
# TRUSTED_PROXY_COUNT proxies in front appended to X-Forwarded-For (0: the header is ignored).
TRUSTED_PROXY_COUNT = max(0, int(os.environ.get("TRUSTED_PROXY_COUNT", "0")))
from config.login_settings import *  # noqa: E402, F403 (login limits, django-axes)

# Generating more codes than this answers 202 and runs as a Celery task with a progress row.
PROMO_CODES_SYNC_MAX = int(os.environ.get("PROMO_CODES_SYNC_MAX", "1000"))

# Reminders (promotions/reminders/): rows swept every minute; marketing is held to quiet
# hours on the recipient's clock and to one email per MARKETING_CAP_HOURS per recipient.
CELERY_BEAT_SCHEDULE["reminders-sweep"] = {
    "task": "promotions.tasks.reminders_sweep",
    "schedule": 60.0,
}
MARKETING_CAP_HOURS = float(os.environ.get("MARKETING_CAP_HOURS", "16"))
MARKETING_QUIET_HOURS = os.environ.get("MARKETING_QUIET_HOURS", "21:30-08:00")
REMINDER_DEFAULT_TIMEZONE = os.environ.get("REMINDER_DEFAULT_TIMEZONE", "UTC")
REMINDER_CONFIRM_RESEND_MINUTES = int(os.environ.get("REMINDER_CONFIRM_RESEND_MINUTES", "15"))
REMINDER_MANAGE_LINK_DAYS = int(os.environ.get("REMINDER_MANAGE_LINK_DAYS", "90"))
REMINDER_ROUTINE_MAX_LATE_MINUTES = int(os.environ.get("REMINDER_ROUTINE_MAX_LATE_MINUTES", "360"))
REMINDER_SWEEP_BATCH = int(os.environ.get("REMINDER_SWEEP_BATCH", "500"))
REMINDER_SWEEP_LIMIT = int(os.environ.get("REMINDER_SWEEP_LIMIT", "20000"))
REPLENISH_LEAD_DAYS = int(os.environ.get("REPLENISH_LEAD_DAYS", "7"))
REPLENISH_GROUP_DAYS = int(os.environ.get("REPLENISH_GROUP_DAYS", "3"))
REPLENISH_SWEEP_MINUTES = int(os.environ.get("REPLENISH_SWEEP_MINUTES", "15"))
REPLENISH_SWEEP_BATCH = int(os.environ.get("REPLENISH_SWEEP_BATCH", "500"))
REPLENISH_CATCH_UP_DAYS = int(os.environ.get("REPLENISH_CATCH_UP_DAYS", "3"))
# Paid orders are scheduled for replenishment by checkout's beat entries, not at payment
# (shop/checkout/replenishment.py): every minute over the last REPLENISH_SWEEP_MINUTES, and
# every hour over the last REPLENISH_CATCH_UP_DAYS for what a longer outage left.
CELERY_BEAT_SCHEDULE["replenishment-sweep"] = {
    "task": "shop.checkout.tasks.replenishment_sweep",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["replenishment-catch-up"] = {
    "task": "shop.checkout.tasks.replenishment_catch_up",
    "schedule": 3600.0,
}
from config.checkout_settings import *  # noqa: E402, F403 (reservations: expiry and waits)

CELERY_BEAT_SCHEDULE.update(CHECKOUT_BEAT_SCHEDULE)  # noqa: F405
from config.catalog_settings import *  # noqa: E402, F403 (quote snapshot size, import expiry)

CELERY_BEAT_SCHEDULE.update(CATALOG_BEAT_SCHEDULE)  # noqa: F405
GIVEAWAY_NEWS_HOURS_BEFORE = int(os.environ.get("GIVEAWAY_NEWS_HOURS_BEFORE", "24"))

# Health (config/health.py): /healthz reads heartbeats from the cache, never the broker. Workers
# write theirs every 2 s; beat queues one every HEALTH_BEAT_INTERVAL s that a worker runs.
HEALTH_WORKER_STALE_SECONDS = float(os.environ.get("HEALTH_WORKER_STALE_SECONDS", "30"))
HEALTH_BEAT_INTERVAL = float(os.environ.get("HEALTH_BEAT_INTERVAL", "30"))
HEALTH_BEAT_STALE_SECONDS = float(
    os.environ.get("HEALTH_BEAT_STALE_SECONDS", str(3 * HEALTH_BEAT_INTERVAL + 30))
)
CELERY_BEAT_SCHEDULE["health-heartbeat"] = {
    "task": "config.health.beat_heartbeat",
    "schedule": HEALTH_BEAT_INTERVAL,
    "options": {"expires": HEALTH_BEAT_STALE_SECONDS},
}

if TESTING:
    # The tests create hundreds of users; the default hasher spends ~0.4 s a password by design.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = shop_time_zone(os.environ)  # pages, emails, admin (config/time_zone.py)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console in development, SMTP in production unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Refined Pores <hello@example.com>")

# The shop.
SHOP_NAME = os.environ.get("SHOP_NAME", "Refined Pores")
SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "USD")
SHOP_SHIPPING = Decimal(os.environ.get("SHOP_SHIPPING", "5.00"))
SHOP_FREE_SHIPPING_OVER = Decimal(os.environ.get("SHOP_FREE_SHIPPING_OVER", "50.00"))
# Links in emails: SHOP_BASE_URL, else the address runserver was started on (config/base_url.py).
SHOP_BASE_URL = base_url(os.environ, sys.argv)
# Payment methods checkout accepts (shop/checkout/payments.py); `test` takes the tokens
# tok_ok/tok_decline. With DEBUG=0 none unless named (`check --deploy` warns about `test`).
SHOP_PAYMENT_METHODS = env_list("SHOP_PAYMENT_METHODS", "test" if DEBUG else "")

# REST API: problem+json errors, staff writes, paginated lists.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous write then gets 401 with WWW-Authenticate, not a bare 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.IsStaffOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.api.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "300/min"),
        "user": os.environ.get("THROTTLE_USER", "600/min"),
        "token": os.environ.get("THROTTLE_TOKEN", "10/min"),
        "giveaway_entry": os.environ.get("THROTTLE_GIVEAWAY_ENTRY", "10/hour"),
        "reminder_subscribe": os.environ.get("THROTTLE_REMINDER_SUBSCRIBE", "10/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Every view: anonymous clients by address, signed-in users by account (config/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": ["config.throttles.AnonThrottle", "config.throttles.UserThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]

from config.schema_settings import *  # noqa: E402, F403 (drf-spectacular: the OpenAPI schema)

# Security: with DEBUG=0 everything is on; the HTTPS-only parts can be turned off for a server
# on loopback or behind a proxy that terminates TLS.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4; docs/OPERATIONS.md, "Content-Security-Policy"): every
# script, style, image, font and fetch from this origin only; no inline script or style (the
# templates keep theirs in static files), no plugins, no <base> elsewhere, forms post here
# only, and no framing by anyone. Views that need more widen it for themselves (csp_update):
# the API docs (Swagger UI) and the admin's email preview.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives `django` a console handler of its own, so each line
        # printed twice: there and through the root's. Only the root's prints now, in one
        # format for all (runserver's request lines, `django.server`, included).
        "django": {"handlers": []},
        "django.db.backends": {"level": "INFO"},
    },
}
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
