"""Settings for cchc, read from the environment.

SQLite serves by default so that a fresh clone runs with nothing else installed;
`DATABASE_URL=postgres://…` switches to PostgreSQL. Debug is off and a secret key is
required unless `DEBUG=1`: a forgotten variable must not give a production server
insecure defaults.
"""

import sys
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cchc.lib.env import env_bool, env_date, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("CCHC_DATA_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("DEBUG", False)
# pytest-django reads these settings before any conftest could set variables.
TESTING = "pytest" in sys.modules
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=1 for a demo.")
    SECRET_KEY = "insecure-key-for-debug-and-tests-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver serves static files through WhiteNoise and the middleware below, as
    # production does, not through Django's handler, which skips every middleware and
    # so every security header.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Listed so that the API docs use ninja's bundled Swagger UI, not a CDN.
    "ninja",
    "csp",
    "cchc.accounts",
    "cchc.audit",
    "cchc.files",
    "cchc.ops",
    "cchc.agencies",
    "cchc.documents",
    "cchc.plans",
    "cchc.monitoring",
    "cchc.reminders",
    "cchc.dashboards",
    "cchc.register",
    "cchc.par",
    "cchc.jobs",
    "cchc.citizens",
    "cchc.official",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # The header middleware comes before WhiteNoise, which answers static files itself:
    # placed after it, they would never see a static response (docs/security.md).
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Vietnamese unless the user chose English with the switch; Accept-Language is ignored.
    "cchc.lib.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cchc.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL characters, oversized or unparsable bodies refused before any view; JSON errors
    # under /api/ (cchc/lib/edge.py). Before CSRF's process_view, which reads the body.
    "cchc.lib.edge.EdgeMiddleware",
]

ROOT_URLCONF = "cchc.urls"
WSGI_APPLICATION = "cchc.wsgi.application"

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
                "cchc.reminders.context.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'cchc.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # Several writers (server workers, a management command) must wait, not fail. A
    # deferred transaction that reads and then writes cannot wait for the lock (SQLite
    # answers "database is locked" at once, seen in the load test with two workers), so
    # every transaction takes the write lock when it begins; WAL lets readers go on
    # while one writes.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL"}
    )
    # SQLite cannot hold the agency's unique (parent, name) with NULLs not distinct;
    # model validation (full_clean, which the services and the admin run) still refuses a
    # duplicate, and PostgreSQL enforces it in the database as well.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's price of a random page read, for cchc's own sessions. PostgreSQL's
    # default (4) is a spinning disk's: with it the plan-scoped pages hash every
    # province's assignments and submitted reports instead of going down from the plan
    # through the indexes, so a national installation's review queue cost 1.8× its
    # province's alone (docs/deploy.md, "Query plans at the national size"). 1.1 is the
    # usual SSD figure. Empty leaves the database's own setting (for a pooler such as
    # PgBouncer that refuses startup options: set it on the database instead).
    _page_cost = env_str("CCHC_PG_RANDOM_PAGE_COST", "1.1")
    if _page_cost:
        try:
            if float(_page_cost) <= 0:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                "CCHC_PG_RANDOM_PAGE_COST must be a positive number, or empty."
            ) from None
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c random_page_cost={float(_page_cost)}".strip()
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "CCHC_DB_POOL", True
):
    # psycopg's pool (Django 5.1+): each process keeps its connections open instead of
    # connecting for every request (a connection costs about as much as a report save).
    # A sync gunicorn worker uses one connection at a time; the spare ones serve a
    # threaded worker and the job heartbeat. Persistent connections (DB_CONN_MAX_AGE) are
    # the other way to the same end and Django refuses both at once.
    if DATABASES["default"].get("CONN_MAX_AGE"):
        raise ImproperlyConfigured(
            "DB_CONN_MAX_AGE and the pool exclude each other; set CCHC_DB_POOL=0 to use it."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("CCHC_DB_POOL_MIN", 1),
        "max_size": env_int("CCHC_DB_POOL_MAX", 4),
        # A request waits at most this long for a free connection, then fails.
        "timeout": env_int("CCHC_DB_POOL_TIMEOUT", 10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Backups: Django's JSON with timestamps to the microsecond (cchc/ops/serializer.py).
SERIALIZATION_MODULES = {"cchc-jsonl": "cchc.ops.serializer"}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's password check behind the login throttle (growing delay, no lock).
    "cchc.accounts.throttle.ThrottledModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
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

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "files"
# Evidence and job files in an S3-compatible object store (AWS S3, MinIO, Ceph, …) instead
# of the local disk, so that several app servers and workers share them (cchc/lib/storage.py,
# docs/deploy.md). Needs django-storages and boto3, which are installed with cchc.
CCHC_S3_BUCKET = env_str("CCHC_S3_BUCKET")
CCHC_OBJECT_STORE = bool(CCHC_S3_BUCKET)
if CCHC_OBJECT_STORE:
    _s3 = {
        "bucket_name": CCHC_S3_BUCKET,
        "endpoint_url": env_str("CCHC_S3_ENDPOINT_URL") or None,
        "access_key": env_str("CCHC_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("CCHC_S3_SECRET_ACCESS_KEY") or None,
        "region_name": env_str("CCHC_S3_REGION") or None,
        # Keys are SHA-256 hashes: the same key is the same bytes, so never rename one.
        "file_overwrite": True,
        "default_acl": None,
        "querystring_auth": True,
    }
    STORAGES["cchc_files"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": env_str("CCHC_S3_PREFIX", "cchc") + "/files"},
    }
    STORAGES["cchc_jobs"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": env_str("CCHC_S3_PREFIX", "cchc") + "/jobs"},
    }
# Production serves the collected files (collectstatic); runserver and tests read them
# where they lie, through the same middleware and so with the same headers.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG
if WHITENOISE_USE_FINDERS:
    # Without collectstatic there is no STATIC_ROOT, and nothing is missing: say nothing.
    warnings.filterwarnings("ignore", message=r"No directory at: .*static", category=UserWarning)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cchc@localhost")

# Browsers get the safe defaults; HTTPS-only settings follow SECURE_SSL, which a
# deployment behind TLS turns on.
SECURE_SSL = env_bool("SECURE_SSL", not (DEBUG or TESTING))
SECURE_SSL_REDIRECT = SECURE_SSL and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms (htmx posts included) send the hidden field and
# the API docs take the token from the page. Django notes this flag adds little; it is
# set so that no cookie of cchc is readable by script (docs/security.md).
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
LANGUAGE_COOKIE_SECURE = SECURE_SSL
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The language switch is remembered for a year, not only until the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# No inline script or style anywhere: every asset ships as a file (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The cache: a database table by default, so that every app server shares it (the login
# throttle counts there); `cchc migrate` creates the table. CCHC_REDIS_URL uses Redis
# instead (Django's backend; needs the `redis` package).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if (REDIS_URL := env_str("CCHC_REDIS_URL"))
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cchc_cache"}
    )
}

# Login throttling (cchc/accounts/throttle.py, docs/security.md): no lock, a delay. After
# CCHC_LOGIN_FREE_FAILURES failures for an account, from any address, each further
# attempt waits 1, 2, 4, … seconds, at most CCHC_LOGIN_MAX_DELAY_MINUTES; the same per
# address (for browsers the account does not know) after CCHC_LOGIN_ADDRESS_FREE_FAILURES.
# A count is forgotten after CCHC_LOGIN_FORGET_HOURS without a failure.
CCHC_LOGIN_CACHE = "default"
CCHC_LOGIN_FREE_FAILURES = env_int("CCHC_LOGIN_FREE_FAILURES", 5)
CCHC_LOGIN_ADDRESS_FREE_FAILURES = env_int("CCHC_LOGIN_ADDRESS_FREE_FAILURES", 30)
CCHC_LOGIN_MAX_DELAY_SECONDS = 60 * env_int("CCHC_LOGIN_MAX_DELAY_MINUTES", 15)
CCHC_LOGIN_FORGET_SECONDS = 3600 * env_int("CCHC_LOGIN_FORGET_HOURS", 24)
# Behind a trusted reverse proxy every request comes from the proxy: name the header it
# appends the client's address to (e.g. HTTP_X_FORWARDED_FOR); its last hop is used.
CCHC_LOGIN_CLIENT_IP_HEADER = env_str("CCHC_LOGIN_CLIENT_IP_HEADER")

# Public satisfaction surveys (cchc/citizens): submissions per client address, counted by
# django-ratelimit in CACHES (shared by every app server); the aggregation method of the
# index (cchc/citizens/index.py METHODS); the margin of error e of n = N / (1 + N·e²).
# (django_ratelimit is not an installed app: its system check wants memcached or
# django-redis and rejects the database cache, whose increment is not atomic, so a
# concurrent burst may pass a few more than the limit before it bites.)
CCHC_SURVEY_RATE = env_str("CCHC_SURVEY_RATE") or "20/m"
CCHC_SURVEY_METHOD = env_str("CCHC_SURVEY_METHOD") or "ty-le-hai-long"
CCHC_SURVEY_MARGIN = float(env_str("CCHC_SURVEY_MARGIN") or "0.05")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "cchc.accounts.throttle.client_address"

# API pages: a bare @paginate uses the class whose limit and offset have a ceiling.
NINJA_PAGINATION_CLASS = "cchc.api.pagination.BoundedLimitOffsetPagination"

# The business "today" (deadlines, overdue, reminders, current period, the public page),
# fixed for a demonstration whose data is of another year; unset, it is the real date in
# Vietnam. Record timestamps (created_at, submitted_at) stay real. See cchc.lib.calendar.
CCHC_TODAY = env_date("CCHC_TODAY", earliest=date(2000, 1, 1), latest=date(2100, 12, 31))

# Upload and import limits.
CCHC_ESCALATE_HEAD_DAYS = env_int("CCHC_ESCALATE_HEAD_DAYS", 3)
CCHC_ESCALATE_COORDINATOR_DAYS = env_int("CCHC_ESCALATE_COORDINATOR_DAYS", 10)
CCHC_MAX_UPLOAD_BYTES = env_int("CCHC_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
CCHC_MAX_IMPORT_BYTES = env_int("CCHC_MAX_IMPORT_BYTES", 10 * 1024 * 1024)

# Background jobs (`cchc.jobs`): Django's tasks API through the django-tasks backport, with
# the queue in the database itself, so no broker; `cchc worker` runs the queue. Tests run
# every task at once, in the test's own process and transaction.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# Job results (exports, backups) and uploaded import files, kept apart from the evidence
# store so that a backup never carries earlier backups.
CCHC_JOB_FILES_DIR = Path(env_str("CCHC_JOB_FILES_DIR", str(DATA_DIR / "jobs")))
CCHC_JOB_RESULT_DAYS = env_int("CCHC_JOB_RESULT_DAYS", 7)
# A running job whose worker on another machine has not signalled for this long is dead.
CCHC_JOB_STALE_SECONDS = env_int("CCHC_JOB_STALE_SECONDS", 300)
CCHC_JOB_HEARTBEAT_SECONDS = env_int("CCHC_JOB_HEARTBEAT_SECONDS", 5)
CCHC_JOB_PROGRESS_SECONDS = float(env_str("CCHC_JOB_PROGRESS_SECONDS", "0.5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
