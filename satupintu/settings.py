"""Project settings. Everything that differs between a laptop, CI and production comes from the
environment; the defaults give a working demo on SQLite with nothing else installed."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("SATUPINTU_REQUIRE_SECRET_KEY", False):
        raise RuntimeError("SECRET_KEY must be set in production")
    # A fixed development key keeps sessions valid across restarts of the demo; production sets
    # SECRET_KEY (and SATUPINTU_REQUIRE_SECRET_KEY=1 to refuse starting without it).
    SECRET_KEY = "satupintu-insecure-development-key-change-me-in-production"

# Key for personal data at rest (NIK, disability and health notes); falls back to SECRET_KEY.
PERSONAL_DATA_KEY = os.environ.get("PERSONAL_DATA_KEY", "")

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
    "satupintu.portal",
]

# Sessions, CSRF, session authentication, messages and htmx are skipped for JSON API requests
# that carry a bearer token (kiosks, counter consoles): core/middleware.py.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "var" / "static"
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
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Satu Pintu <noreply@satupintu.local>")

# A URL of this deployment as the public reaches it, printed in QR codes and notifications.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Rate limits of the public, anonymous endpoints (django-ratelimit syntax).
RATELIMIT_PUBLIC = os.environ.get("RATELIMIT_PUBLIC", "30/m")
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
SIGNING_PASSPHRASE = os.environ.get("SIGNING_PASSPHRASE", "satupintu-demo-signing")
# Create the demo CA and a missing agency certificate on first use (demo and tests only).
SIGNING_AUTO_INIT = env_bool("SIGNING_AUTO_INIT", DEBUG)
# Extra trust roots (PEM or DER certificate files) besides the demo CA, e.g. the BSrE root.
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS", "")
# Whether certificates issued by the demo CA count as trusted when verifying uploaded PDFs.
SIGNING_TRUST_DEMO_CA = env_bool("SIGNING_TRUST_DEMO_CA", True)

# --- core: notifications to applicants ---
# WhatsApp/SMS gateway: JSON POST {"to": "+62...", "message": "..."} with a bearer token.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "3"))
NOTIFY_RETRY_SECONDS = int(os.environ.get("NOTIFY_RETRY_SECONDS", "60"))
# An SMTP server that does not answer must not hold a notification task forever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# --- queueing ---
# How often one called ticket may be called again, and how long a no-show may come back.
QUEUE_MAX_RECALLS = int(os.environ.get("QUEUE_MAX_RECALLS", "3"))
QUEUE_NO_SHOW_RETURN_MINUTES = int(os.environ.get("QUEUE_NO_SHOW_RETURN_MINUTES", "30"))
# Estimated wait: mean service time of the last N finished tickets of the service today.
QUEUE_SERVICE_TIME_SAMPLE = int(os.environ.get("QUEUE_SERVICE_TIME_SAMPLE", "20"))
QUEUE_DEFAULT_SERVICE_MINUTES = int(os.environ.get("QUEUE_DEFAULT_SERVICE_MINUTES", "10"))

# --- queueing: live screens ---
# Redis keys of the event broker's streams (one per channel), and the SSE heartbeat interval.
EVENT_KEY_PREFIX = os.environ.get("EVENT_KEY_PREFIX", "satupintu:events")
SSE_HEARTBEAT_SECONDS = float(os.environ.get("SSE_HEARTBEAT_SECONDS", "15"))

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

# --- queueing: database connection pool ---
# Opt-in, PostgreSQL. Under ASGI the sync code of each request runs
# in a thread of its own, so persistent connections (CONN_MAX_AGE) pile up one per thread; a
# pool shares a few. DB_POOL_MAX_SIZE=20 turns it on (and persistent connections off).
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "0"))
if IS_POSTGRES and DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": 10,
    }
