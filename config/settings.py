"""Settings, read from the environment once.

With nothing set, the project runs embedded: SQLite under ``var/``, debug on, Celery on
kombu's filesystem transport under ``var/`` (no broker to install), mail to the console.
Production differs only by environment variables: ``DATABASE_URL``, ``REDIS_URL``,
``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and ``DJANGO_DEBUG=0``; with
``DJANGO_DEBUG=0`` the process refuses to start on the embedded defaults (see "Fail safe"
at the end, and config/production.py).
"""

import tomllib
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config import production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A one-machine production install (SQLite and/or no Redis) must say so explicitly.
ALLOW_SINGLE_NODE = env.bool("DJANGO_ALLOW_SINGLE_NODE", default=False)


def _version() -> str:
    """The version is written once, in pyproject.toml; installing records it as metadata."""
    try:
        return version("socialwork-contracts")
    except PackageNotFoundError:  # running from a checkout that was never installed
        try:
            with open(BASE_DIR / "pyproject.toml", "rb") as file:
                return tomllib.load(file)["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


VERSION = _version()

# An embedded deployment gets a stable, obviously unsafe key; production must set one
# (refused below, and an error of `check --deploy`: config/checks.py).
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    production.DEVELOPMENT_SECRET_KEY if DEBUG else ""
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.ProjectConfig",
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "core",
    "accounts",
    "contracts",
    "payments",
    "evaluations",
    "imports",
    "portal",
]

MIDDLEWARE = [
    # /healthz/ and /readyz/ answer before the host check, the HTTPS redirect and the login.
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.SecurityAuditMiddleware",
    "accounts.middleware.LoginRequiredEverywhereMiddleware",
    "accounts.middleware.LoginStepsMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks, do not fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    # A file, not memory, for tests: the live server and Celery threads then use
    # connections of their own, as the web server and the worker do in production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a named cursor can outlive the server connection
    # it was opened on: QuerySet.iterator() then reads everything at once instead.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DJANGO_DB_TRANSACTION_POOLING", default=False
    )
    # jit=off and timezone=UTC are set on the role in its database by a migration
    # (accounts 0007), not as a connection option: PgBouncer refuses "-c jit=off".

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Security (等保 2.0 三级) ------------------------------------------------------------
# Passwords: at least 12 characters of three of the four kinds (upper, lower, digit,
# symbol), unlike the user's own details, not on Django's common-password list.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "full_name", "email", "phone"]},
    },
    {
        "NAME": "accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A password-reset link works once, for an hour.
PASSWORD_RESET_TIMEOUT = 3600
# An invitation's link (a provider's person sets a password) works once, for three days.
INVITATION_TIMEOUT = 3 * 24 * 3600

# Lock-out after repeated failures (django-axes, accounts/lockout.py): an account from
# one address after AXES_FAILURE_LIMIT failures, an address after AXES_ADDRESS_FAILURE_LIMIT
# failures over any accounts. A wrong TOTP code counts as a failure.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False
# Proxies in front of the application that append the client to X-Forwarded-For (0: the
# application is reached directly and REMOTE_ADDR is the client). Lock-outs and the
# security audit log use the address this gives.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Sessions end after SESSION_IDLE_TIMEOUT without a request, and 12 hours after the login
# whatever happens (accounts.middleware.SessionLimitsMiddleware). The stored session
# expires with the idle timeout too (plus the minute its last activity is rounded to).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("DJANGO_SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds()) + 60

# Headers of every response (accounts.middleware.SecurityHeadersMiddleware; Django 5.2 has
# no CSP of its own). Scripts, styles, fonts and images come from this site only; QR codes
# are data: images drawn on the server.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# The security audit log (accounts/audit.py) keeps entries this many days; the database
# refuses to delete younger ones than 180 whatever this says.
SECURITY_AUDIT_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=180)
# TOTP second factor (django-otp): the issuer shown in the authenticator app.
OTP_TOTP_ISSUER = "社工服务项目管理"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Attachments: local disk by default; S3-compatible object storage (MinIO, a cloud bucket)
# when STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set, so that every node sees every file.
S3_STORAGE_OPTIONS = production.s3_options(env)
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_STORAGE_OPTIONS}
        if S3_STORAGE_OPTIONS
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: the console in the embedded default, SMTP from the environment in production.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update({k: v for k, v in EMAIL_CONFIG.items() if v not in (None, "")})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="社工服务项目管理 <noreply@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Redis: REDIS_URL names the broker's database; the cache takes the next one (…/0 and …/1)
# unless CELERY_BROKER_URL / REDIS_CACHE_URL name their own. Never one database for both:
# clearing the cache would drop queued tasks.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_REDIS_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or (
    production.redis_database_after(REDIS_URL) if REDIS_URL else ""
)
if (
    BROKER_REDIS_URL
    and REDIS_CACHE_URL
    and production.same_redis_database(BROKER_REDIS_URL, REDIS_CACHE_URL)
):
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL and the broker (CELERY_BROKER_URL or REDIS_URL) name the same Redis "
        "database: give the cache a database of its own."
    )

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task is acknowledged after it ran (acks late): one whose worker died is handed to
# another worker once it has been unacknowledged this long. Longer than any task runs.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if BROKER_REDIS_URL:
    CELERY_BROKER_URL = BROKER_REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # kombu looks for such tasks every 10 x 10 s; at least ten times per timeout.
        "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 10)),
        "unacked_restore_throttle": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 60)),
    }
else:
    CELERY_QUEUE_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
        # kombu's default is "control" in the working directory, i.e. the checkout.
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }

# Group robots (群机器人) the reminders may post to, beside 企业微信's and 钉钉's
# (payments/webhooks.py); networks trusted although private (an intranet relay); a CA
# file for robots whose certificates an intranet CA signs.
REMINDER_WEBHOOK_HOSTS = env.list("REMINDER_WEBHOOK_HOSTS", default=[])
REMINDER_WEBHOOK_TRUSTED_NETWORKS = env.list("REMINDER_WEBHOOK_TRUSTED_NETWORKS", default=[])
REMINDER_WEBHOOK_CA_FILE = env.str("REMINDER_WEBHOOK_CA_FILE", default="")

# Seconds a reminder delivery waits between claiming a notice's e-mails and sending them.
# Zero in use; the crash-safety test sets it to kill a worker at that point.
REMINDER_DELIVERY_PAUSE = env.float("REMINDER_DELIVERY_PAUSE", default=0)

CACHES = {
    "default": (
        {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        # Embedded: files under var/, shared by the web server and the Celery worker, so
        # a reminder run's changes reach the pages at once.
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.str("DJANGO_CACHE_DIR", default=str(VAR_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    )
}

# Sessions live in the database and are read through the cache (Redis in production).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# Logs go to standard error (journald, docker); one JSON object a line with
# DJANGO_LOG_FORMAT=json, for a log collector.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own loggers through the same handler, once (not also through its default
        # console handler, in debug).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        **(
            {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}}
            if LOG_FORMAT == "json"
            else {}
        ),
    },
}
if LOG_FORMAT == "json":
    # Celery's worker would replace these handlers with its own plain-text ones.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors to a Sentry server (sentry.io or one on the intranet) when SENTRY_DSN is set.
# No personal data: no cookies, no user names, no request bodies, and no local variables of
# the stack frames (they held the password of a failed login: tests/config/test_logging.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        release=VERSION,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Beat runs a heartbeat task every BEAT_HEARTBEAT_SECONDS; /readyz/ turns red when the last
# one is older than two periods (config/health.py).
BEAT_HEARTBEAT_SECONDS = env.int("BEAT_HEARTBEAT_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        "task": "config.beat_heartbeat",
        "schedule": BEAT_HEARTBEAT_SECONDS,
        # A heartbeat that waited in the queue longer than a period tells nothing
        # (django-celery-beat's name for celery's "expires").
        "options": {"expire_seconds": BEAT_HEARTBEAT_SECONDS},
    }
}

# --- Fail safe -------------------------------------------------------------------------
# With DJANGO_DEBUG=0 the process stops here, naming each variable, rather than run on a
# development key, a per-machine file cache and broker, or SQLite.
production.refuse_to_start(
    production.refusals(
        debug=DEBUG,
        single_node=ALLOW_SINGLE_NODE,
        secret_key=SECRET_KEY,
        redis_url=BROKER_REDIS_URL and REDIS_CACHE_URL,
        database_engine=DATABASES["default"]["ENGINE"],
    )
)
