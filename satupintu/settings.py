"""Project settings. Everything that differs between a laptop, CI and production comes from the
environment; the defaults give a working demo on SQLite with nothing else installed."""

import os
import secrets
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from satupintu import startup

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


DEBUG = env_bool("DEBUG", False)

# --- secrets ---
# None of them has a default: with DEBUG off the server refuses to start without them, naming
# each missing variable. `make demo`, the test settings, the browser suite and CI set their own.
# The key this repository once shipped as a fallback is refused outright.
PUBLISHED_SECRET_KEYS = {"satupintu-insecure-development-key-change-me-in-production"}
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()


def personal_data_keys() -> list[str]:
    """The keys of personal data at rest, newest first: `PERSONAL_DATA_KEYS`, or
    `PERSONAL_DATA_KEY` (one key, or the same comma-separated list). The first encrypts, every
    one decrypts, so a new key is put in front and the old ones stay until `satupintu
    personal_data_rotate` has re-encrypted the stored values."""
    plural, single = env_list("PERSONAL_DATA_KEYS", ""), env_list("PERSONAL_DATA_KEY", "")
    if plural and single and plural != single:
        raise ImproperlyConfigured(
            "Set PERSONAL_DATA_KEYS or PERSONAL_DATA_KEY, not both with different values."
        )
    return plural or single


# Old SECRET_KEYs still accepted for signatures made before a rotation (sessions, tokens of
# tickets), comma-separated; the new key goes into SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
PERSONAL_DATA_KEYS = personal_data_keys()
PERSONAL_DATA_KEY_MIN_LENGTH = 32


def secret_problems() -> list[str]:
    """Why the configured secrets are unusable: one line per variable."""
    problems = []
    if not SECRET_KEY:
        problems.append("SECRET_KEY is not set (e.g. SECRET_KEY=$(openssl rand -hex 32)).")
    elif SECRET_KEY in PUBLISHED_SECRET_KEYS:
        problems.append("SECRET_KEY is the key published in this repository: choose your own.")
    if not PERSONAL_DATA_KEYS:
        problems.append(
            "PERSONAL_DATA_KEY is not set: the key of NIKs and health notes at rest, separate "
            "from SECRET_KEY (e.g. PERSONAL_DATA_KEY=$(openssl rand -hex 32))."
        )
    for key in PERSONAL_DATA_KEYS:
        if key == SECRET_KEY or key in PUBLISHED_SECRET_KEYS:
            problems.append("PERSONAL_DATA_KEY must differ from SECRET_KEY.")
        elif len(key) < PERSONAL_DATA_KEY_MIN_LENGTH:
            problems.append(
                f"PERSONAL_DATA_KEY: each key needs at least {PERSONAL_DATA_KEY_MIN_LENGTH} "
                "characters."
            )
    return problems


# What is wrong with the secrets, for `check --deploy` (satupintu.core.checks).
SECRET_PROBLEMS = secret_problems()
if SECRET_PROBLEMS:
    if not DEBUG and not startup.secrets_optional:
        raise ImproperlyConfigured(
            "Satu Pintu refuses to start (DEBUG is off):\n  " + "\n  ".join(SECRET_PROBLEMS)
        )
    # A developer's DEBUG run, or a command that only looks at the code, gets throw-away keys:
    # sessions end and personal data written now becomes unreadable at the next start.
    if DEBUG:
        warnings.warn(
            "DEBUG without SECRET_KEY/PERSONAL_DATA_KEY: throw-away keys for this process",
            stacklevel=1,
        )
    if not SECRET_KEY or SECRET_KEY in PUBLISHED_SECRET_KEYS:
        SECRET_KEY = secrets.token_urlsafe(48)
    if (
        not PERSONAL_DATA_KEYS
        or any(len(k) < PERSONAL_DATA_KEY_MIN_LENGTH for k in PERSONAL_DATA_KEYS)
        or SECRET_KEY in PERSONAL_DATA_KEYS
    ):
        PERSONAL_DATA_KEYS = [secrets.token_urlsafe(48)]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "satupintu.core",
    "satupintu.accounts",
    "satupintu.catalog",
    "satupintu.queueing",
    "satupintu.dossiers",
    "satupintu.outreach",
    "satupintu.feedback",
    "satupintu.reports",
    "satupintu.planning",
    "satupintu.citizens",
    "satupintu.portal",
]

# Sessions, CSRF, session authentication, messages and htmx are skipped for JSON API requests
# that carry a bearer token (kiosks, counter consoles): core/middleware.py.
MIDDLEWARE = [
    "satupintu.core.middleware.api_errors_as_json",
    "satupintu.core.public_url.public_base_url_middleware",
    "satupintu.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "satupintu.core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "satupintu.core.middleware.CsrfViewMiddleware",
    "satupintu.core.middleware.AuthenticationMiddleware",
    "satupintu.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "satupintu.core.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "satupintu.core.middleware.NotFoundAs404Middleware",
]

ROOT_URLCONF = "satupintu.urls"
ASGI_APPLICATION = "satupintu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: a SQLite file by default (the demo), PostgreSQL in production and CI.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'satupintu.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the start of
    # a transaction so that the web server and the task worker queue up instead of failing with
    # "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "satupintu"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live events to screens: in-process broker by default, Redis pub/sub when REDIS_URL is set.
EVENT_BROKER = os.environ.get("EVENT_BROKER", "redis" if REDIS_URL else "memory")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.backend.DatabaseBackend"),
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Citizens' optional single sign-on; answers nobody while no provider is configured.
    "satupintu.citizens.oidc.CitizenOidcBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:staff-home"
LOGOUT_REDIRECT_URL = "portal:home"

# Lock-out after repeated failed logins, per user name and address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "satupintu.accounts.views.locked_out"
# The lock-out counts failures per address as the rate limits see it, never from a raw header.
AXES_CLIENT_IP_CALLABLE = "satupintu.core.client_address.client_ip"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` puts the files that nginx serves under /static/ (deploy/nginx).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Where the file-based e-mail backend (used by `make demo`) writes each message.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(PROJECT_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Satu Pintu <noreply@satupintu.local>")

# A URL of this deployment as the public reaches it, printed in QR codes and notifications. Not
# configured (a demo): the address each request came in on, else this machine on PORT
# (`core.public_url`).
PUBLIC_BASE_URL_CONFIGURED = bool(os.environ.get("PUBLIC_BASE_URL", "").strip())
PUBLIC_BASE_URL = (
    os.environ.get("PUBLIC_BASE_URL", "").strip()
    or f"http://127.0.0.1:{os.environ.get('PORT', '').strip() or '8000'}"
)

# Rate limits of the public, anonymous endpoints (django-ratelimit syntax), per client address.
RATELIMIT_PUBLIC = os.environ.get("RATELIMIT_PUBLIC", "30/m")
# Sign-in attempts (login page and POST /api/v1/auth/token) per client address, whatever the
# user name: stops a password spray that the per-user lock-out (django-axes) does not see.
RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "30/10m")
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# The client address (satupintu.core.client_address): the reverse proxies whose
# FORWARDED_FOR_HEADER is believed (addresses or CIDR blocks, comma-separated; default: none,
# the peer of the connection is the client), and which header they set: "x-forwarded-for" or
# "forwarded" (RFC 7239).
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "")
FORWARDED_FOR_HEADER = os.environ.get("FORWARDED_FOR_HEADER", "x-forwarded-for").strip().lower()
if FORWARDED_FOR_HEADER not in {"x-forwarded-for", "forwarded"}:
    raise RuntimeError("FORWARDED_FOR_HEADER must be 'x-forwarded-for' or 'forwarded'")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Staff sign in on shared counter PCs: a session lasts one working day from sign-in and its
# cookie is not kept when the browser closes.
SESSION_COOKIE_AGE = round(float(os.environ.get("SESSION_HOURS", "10")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS=1 behind TLS (the proxy sets X-Forwarded-Proto): secure cookies, a redirect of plain
# HTTP to HTTPS and HSTS. The probes and the metrics scraper talk plain HTTP to the server
# itself, so those paths are not redirected.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Entering the browsers' preload list is a decision for the owner of the whole domain (often a
# city's .go.id domain), not for this application; HSTS_PRELOAD=1 asks for it.
# security.W003 looks for Django's CSRF middleware by its dotted path; ours is the same class
# wrapped so that bearer-token API requests skip it (core/middleware.py), and
# core/tests/test_http_access.py proves that cookie requests are still checked.
SILENCED_SYSTEM_CHECKS = ["security.W021", "security.W003"]

# Content-Security-Policy (django-csp): scripts only from this site or with the response's
# nonce, nothing framed, no plugins. Styles allow inline attributes: the report tables shade
# cells with a computed colour, and styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Request bodies larger than this are refused with 413 before they are read
# (satupintu.core.asgi.RequestSizeLimit); a document upload may be up to 20 MB.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_MB", 25) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- dossiers: signing of results (PAdES) ---
# Where `satupintu signing_init` keeps the demo CA and each agency's PKCS#12 file
# (<mall-slug>/<agency-slug>.p12). In production an agency's own PKCS#12 file is placed there.
SIGNING_DIR = Path(os.environ.get("SIGNING_DIR", PROJECT_DIR / "var" / "signing"))
# The passphrase of those files: no default (`make demo` and the tests set their own).
SIGNING_PASSPHRASE = os.environ.get("SIGNING_PASSPHRASE", "")
# Create the demo CA and a missing agency certificate on first use (demo and tests only).
SIGNING_AUTO_INIT = env_bool("SIGNING_AUTO_INIT", DEBUG)
# Extra trust roots (PEM or DER certificate files) besides the demo CA, e.g. the BSrE root.
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS", "")
# Whether certificates issued by the demo CA count as trusted when verifying uploaded PDFs.
SIGNING_TRUST_DEMO_CA = env_bool("SIGNING_TRUST_DEMO_CA", False)

# --- core: notifications to applicants ---
# WhatsApp/SMS gateway: JSON POST {"to": "+62...", "message": "..."} with a bearer token.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
# --- core: the outbox (everything sent outside: e-mail, WhatsApp/SMS, SP4N-LAPOR!) ---
# A failed delivery is tried again after OUTBOX_RETRY_SECONDS x 2^(attempts-1) (at most
# OUTBOX_RETRY_MAX_SECONDS) and given up ("dead") after OUTBOX_MAX_ATTEMPTS attempts. A worker
# holds a message for OUTBOX_LEASE_SECONDS (longer than any send's timeout); if it dies, the
# message is taken again after that. NOTIFY_* are the names of earlier versions.
OUTBOX_MAX_ATTEMPTS = int(
    os.environ.get("OUTBOX_MAX_ATTEMPTS", os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))
)
OUTBOX_RETRY_SECONDS = int(
    os.environ.get("OUTBOX_RETRY_SECONDS", os.environ.get("NOTIFY_RETRY_SECONDS", "60"))
)
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "50"))

# --- core: the scheduler (`satupintu scheduler`, core/scheduler.py) ---
# Cron schedules are read in this zone (default TIME_ZONE, the mall's); a job that could not
# start within the grace time (the scheduler was down) runs once when it can, or waits for its
# next time after that. Roll-ups look back ROLLUP_DAYS_BACK days for days without one.
SCHEDULER_TIME_ZONE = os.environ.get("SCHEDULER_TIME_ZONE", "")
SCHEDULER_HEARTBEAT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", "30"))
SCHEDULER_MISFIRE_GRACE_SECONDS = int(os.environ.get("SCHEDULER_MISFIRE_GRACE_SECONDS", "3600"))
ROLLUP_DAYS_BACK = int(os.environ.get("ROLLUP_DAYS_BACK", "14"))


def scheduler_cron_overrides() -> dict[str, str]:
    """`SCHEDULER_CRON_OVERRIDES="tickets-expire=0 1 * * *;rollups-nightly=30 2 * * *"`: an
    operator (or the deploy test) moves a job's schedule without a code change. Separated by
    ';' because a cron field may hold commas."""
    overrides = {}
    for item in os.environ.get("SCHEDULER_CRON_OVERRIDES", "").split(";"):
        if not item.strip():
            continue
        name, sep, cron = item.partition("=")
        if not sep or not name.strip() or len(cron.split()) != 5:
            raise ImproperlyConfigured(
                f"SCHEDULER_CRON_OVERRIDES: {item.strip()!r} is not 'job-name=<five cron fields>'."
            )
        overrides[name.strip()] = " ".join(cron.split())
    return overrides


SCHEDULER_CRON_OVERRIDES = scheduler_cron_overrides()
SCHEDULER_KEEP_RUNS_DAYS = int(os.environ.get("SCHEDULER_KEEP_RUNS_DAYS", "14"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "90"))
# An SMTP server that does not answer must not hold a notification task forever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# --- queueing ---
# How often one called ticket may be called again, and how long a no-show may come back.
QUEUE_MAX_RECALLS = int(os.environ.get("QUEUE_MAX_RECALLS", "3"))
QUEUE_NO_SHOW_RETURN_MINUTES = int(os.environ.get("QUEUE_NO_SHOW_RETURN_MINUTES", "30"))
# Estimated wait: mean service time of the last N finished tickets of the service today.
QUEUE_SERVICE_TIME_SAMPLE = int(os.environ.get("QUEUE_SERVICE_TIME_SAMPLE", "20"))
QUEUE_DEFAULT_SERVICE_MINUTES = int(os.environ.get("QUEUE_DEFAULT_SERVICE_MINUTES", "10"))
# PostgreSQL: the queue's hot operations (issue, call, start, finish, ...) are prepared
# statements, once per connection (queueing/hotpath.py). Off (0) behind a connection pooler in
# transaction mode that does not keep prepared statements (PgBouncer before 1.21).
QUEUE_PREPARED_STATEMENTS = env_bool("QUEUE_PREPARED_STATEMENTS", True)

# --- queueing: live screens ---
# Redis keys of the event broker's streams (one per channel), and the SSE heartbeat interval.
EVENT_KEY_PREFIX = os.environ.get("EVENT_KEY_PREFIX", "satupintu:events")
SSE_HEARTBEAT_SECONDS = float(os.environ.get("SSE_HEARTBEAT_SECONDS", "15"))
# A board that reconnects announces again only the calls made less than this long ago and still
# waiting for their visitor (the latest of each counter, newest first).
DISPLAY_REPLAY_SECONDS = float(os.environ.get("DISPLAY_REPLAY_SECONDS", "180"))

# --- feedback ---
# SP4N-LAPOR! exchange: the national complaint channel's endpoint, our bearer token for it, and
# the shared secret it signs forwarded complaints with (HMAC-SHA256 of the body).
LAPOR_BASE_URL = os.environ.get("LAPOR_BASE_URL", "")
LAPOR_TOKEN = os.environ.get("LAPOR_TOKEN", "")
LAPOR_WEBHOOK_SECRET = os.environ.get("LAPOR_WEBHOOK_SECRET", "")
LAPOR_TIMEOUT_SECONDS = float(os.environ.get("LAPOR_TIMEOUT_SECONDS", "10"))
# The mall that receives LAPOR complaints that do not name one.
LAPOR_DEFAULT_MALL = os.environ.get("LAPOR_DEFAULT_MALL", "")
COMPLAINT_FIRST_RESPONSE_WORKING_DAYS = int(
    os.environ.get("COMPLAINT_FIRST_RESPONSE_WORKING_DAYS", "3")
)

# --- dossiers ---
# The shared secret of the payment gateway's signed callbacks (HMAC-SHA256 of the raw body).
PAYMENT_CALLBACK_SECRET = os.environ.get("PAYMENT_CALLBACK_SECRET", "")

# --- database connection pool (PostgreSQL) ---
# On by default. Under ASGI the sync code of each request runs in a thread of its own, so
# persistent connections would pile up one per thread until PostgreSQL answers "too many
# clients"; a pool per process shares a bounded number. Every process that loads these settings
# (each web process, the task worker, the scheduler) has a pool of its own, so the budget
# DB_MAX_CONNECTIONS - DB_RESERVED_CONNECTIONS is split over WEB_CONCURRENCY web processes plus
# those two: max_size = (DB_MAX_CONNECTIONS - DB_RESERVED_CONNECTIONS) // (WEB_CONCURRENCY + 2).
# With PostgreSQL's default 100 and 4 web processes: 15 per process, 90 at most in all.
# DB_POOL_MAX_SIZE sets the size directly; DB_POOL_MAX_SIZE=0 turns the pool off.
WEB_CONCURRENCY = max(1, env_int("WEB_CONCURRENCY", 1))
DB_MAX_CONNECTIONS = env_int("DB_MAX_CONNECTIONS", 100)
DB_RESERVED_CONNECTIONS = env_int("DB_RESERVED_CONNECTIONS", 10)
DB_POOL_MAX_SIZE = env_int(
    "DB_POOL_MAX_SIZE",
    max(2, (DB_MAX_CONNECTIONS - DB_RESERVED_CONNECTIONS) // (WEB_CONCURRENCY + 2)),
)
# How long a request waits for a free connection before failing.
DB_POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", "30"))
if IS_POSTGRES and DB_POOL_MAX_SIZE > 0:
    # CONN_HEALTH_CHECKS (on) makes the pool check a connection before handing it out, so a
    # restart of PostgreSQL costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,
    }

# --- accounts: API tokens ---
# Tokens expire after this many days (0: never); device accounts (kiosks, boards) get the
# longer lifetime.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
API_TOKEN_DEVICE_DAYS = env_int("API_TOKEN_DEVICE_DAYS", 365)

# --- core: idempotency keys ---
# How long the first answer to a request with an `Idempotency-Key` is kept for its retries.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)

# --- citizens: the citizen's own account ---
# One-time codes (sign-in, claiming an application): minutes valid, wrong tries before a code
# dies, codes asked per address (django-ratelimit syntax), claims asked per account.
CITIZEN_CODE_MINUTES = env_int("CITIZEN_CODE_MINUTES", 10)
CITIZEN_CODE_MAX_ATTEMPTS = env_int("CITIZEN_CODE_MAX_ATTEMPTS", 5)
CITIZEN_CODE_RATE = os.environ.get("CITIZEN_CODE_RATE", "3/10m")
CITIZEN_CLAIM_RATE = os.environ.get("CITIZEN_CLAIM_RATE", "10/h")
# Lifetime of the bearer token a citizen's app gets for a code.
CITIZEN_TOKEN_HOURS = env_int("CITIZEN_TOKEN_HOURS", 168)
# "Almost your turn": a message when this many people are ahead (a service's queue-from-home
# setting may say otherwise), for remote tickets and walk-ins who left a phone number.
CITIZEN_NOTIFY_AHEAD = env_int("CITIZEN_NOTIFY_AHEAD", 2)
# Optional single sign-on for citizens: an OpenID Connect provider (mozilla-django-oidc). Off
# while OIDC_OP_AUTHORIZATION_ENDPOINT is empty.
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email phone")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "SSO")
OIDC_AUTHENTICATION_CALLBACK_URL = "citizens:oidc-callback"
OIDC_TIMEOUT = 10

# --- core: health and metrics ---
# `/readyz` wants a fresh heartbeat from each of these background processes.
READYZ_HEARTBEATS = env_list("READYZ_HEARTBEATS", "worker,scheduler")
HEARTBEAT_DEFAULT_STALE_SECONDS = 120.0
HEARTBEAT_STALE_SECONDS = {
    "worker": float(os.environ.get("HEARTBEAT_WORKER_STALE_SECONDS", "120")),
    "scheduler": float(os.environ.get("HEARTBEAT_SCHEDULER_STALE_SECONDS", "180")),
}
# `/metrics` answers the addresses listed here, or a request with this bearer token.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# prometheus-client switches to multiprocess mode when the variable merely exists; an empty one
# would scatter its files in the working directory.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip():
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

# --- core: object storage ---
# Uploaded documents and result PDFs go to an S3-compatible bucket when S3_BUCKET is set,
# else to MEDIA_ROOT on the local disk.


def object_storage(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The S3 storage backend (django-storages) that `environ` asks for, or None."""
    bucket = environ.get("S3_BUCKET", "")
    if not bucket:
        return None
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("S3_ENDPOINT_URL") or None,
            "region_name": environ.get("S3_REGION") or None,
            "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": environ.get("S3_PREFIX", ""),
            # Private objects, handed out only through the application's own views; a new
            # upload never replaces an object of the same name.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


S3_STORAGE = object_storage(os.environ)
if S3_STORAGE:
    STORAGES["default"] = S3_STORAGE
