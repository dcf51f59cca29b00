"""Settings come from the environment; the defaults give a working local install."""

import os
import secrets
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from crm.version import VERSION

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    """A development key kept in an ignored file, so sessions survive restarts."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
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
    "django_tables2",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The layers (README, "Layout"): the core, the domain apps on it, the feature apps above.
    "crm",
    "sponsors",
    "partners",
    "dashboards",
    "spreadsheets",
    "privacy",
    "demodata",
    "quicklog",
    "invoicing",
    "mail",
    "api",
    "portal",
    "renewals",
    "duplicates",
    "publicpages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "api.middleware.TwoFactorMiddleware",  # after sign-in: the second factor, where one is due
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.context_processors.navigation",
                "crm.context_processors.version",
            ],
        },
    },
]

# SQLite by default (one command starts it anywhere); DATABASE_URL=postgres://... for a
# shared installation. WAL, a busy timeout and IMMEDIATE write transactions keep
# concurrent SQLite writers from failing with "database is locked".
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,  # a kept connection (CONN_MAX_AGE > 0) is tested before reuse: survives a DB restart
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in for a lock-out before Django's own backend runs.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm:home"
#: Where the home page sends every role: the pipeline dashboard.
HOME_URL_NAME = "dashboards:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm (package-lock.json) and are served locally.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    # plotly's pip package carries its browser bundle: charts render offline.
    ("vendor/plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "crm.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Files a browser asks for at the site's root (favicon.ico), served before the login wall.
# scripts/make_icons.py draws them.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "crm@localhost")

DJANGO_TABLES2_TEMPLATE = "django_tables2/stacked.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

# Production hardening: HTTPS=1 (set in production, see docs) turns on the
# redirect, secure cookies and HSTS, so `check --deploy` is clean there while a
# local http://127.0.0.1:8000 still works.
HTTPS = env_bool("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A shared office machine: a session lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE") or 12 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Failed sign-ins (django-axes): five wrong passwords for one username from one
# address lock that pair out for 15 minutes; a successful sign-in clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "crm.views.auth.client_ip"  # the real address behind nginx
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): only the app's own files run or style the
# page, no inline script or style ('unsafe-inline' nowhere). plotly.js creates two
# <style> elements itself: an empty one it then fills through the CSSOM (allowed by
# CSP), and MapLibre's fixed stylesheet text. Only those exact contents are allowed,
# by hash, for <style> elements; style="" attributes stay blocked. The hashes change
# only with a plotly upgrade, and tests/crm/test_security.py recomputes them from
# the bundle (see docs/security.md).
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty <style id="plotly.js-style-global">
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # MapLibre CSS bundled in plotly.js 4.1.1
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF, *PLOTLY_STYLE_HASHES],
        "style-src-attr": [NONE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Request paths may hold secrets (the sponsor portal's and the calendar feed's tokens): the loggers
# that write paths redact them (crm/logredact.py); gunicorn's access log uses its logger class.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "crm.logredact.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        "django.security.DisallowedHost": {"filters": ["redact_secrets"]},
        "django.server": {"filters": ["redact_secrets"], "handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Imports: the largest file the wizard and import_csv accept (bytes).
CRM_IMPORT_MAX_BYTES = int(os.environ.get("CRM_IMPORT_MAX_BYTES") or 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CRM_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- The sponsor portal (portal/) ------------------------------------------------------------
#: A sponsor's personal link works for this many days (inviting again revokes the older link).
PORTAL_LINK_DAYS = int(os.environ.get("PORTAL_LINK_DAYS") or 60)
#: Guests' details are due for deletion this many days after the event (the retention report).
PORTAL_GUEST_RETENTION_DAYS = int(os.environ.get("PORTAL_GUEST_RETENTION_DAYS") or 90)
#: Requests to portal pages per client address and per link (429 with Retry-After beyond).
PORTAL_RATE_PER_IP = os.environ.get("PORTAL_RATE_PER_IP", "120/minute")
PORTAL_RATE_PER_TOKEN = os.environ.get("PORTAL_RATE_PER_TOKEN", "60/minute")

# --- Cache --------------------------------------------------------------------------------------
# The rate limits of the pages open to everyone (crm/ratelimit.py) count in the cache, so every
# gunicorn worker must share it or each counts alone (four workers: four times the limit).
# CACHE_URL: redis://host:6379/1 (Django's Redis cache; pip install ".[rq]"), file:///var/cache/crm
# (a folder the workers share on one host), or unset: this process's memory (development, tests).
# `manage.py check --deploy` warns when a production server has no shared cache (crm.W010).
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("file://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": CACHE_URL[7:]}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must start with redis://, rediss://, unix:// or file://, not {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email in the contact history (mail/) and background tasks -----------------------------
# Tasks (django-tasks): the database backend by default, run by `manage.py db_worker`
# (`make run` starts one beside the server). TASKS_BACKEND=rq runs the same tasks on RQ and
# Redis (pip install ".[rq]", REDIS_URL, `manage.py rqworker --job-class django_tasks_rq.Job`);
# TASKS_BACKEND=immediate runs them inline (no worker; for a quick try-out). See docs/deploy.md.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # RQ stops a job after DEFAULT_TIMEOUT seconds (its own default: 180): an import of 100,000 rows
    # or a merge to 500 takes longer on a busy server, so an hour unless RQ_JOB_TIMEOUT says otherwise.
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": int(os.environ.get("RQ_JOB_TIMEOUT") or 3600),
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Uploaded files (email attachments) live under MEDIA_ROOT and are only ever served through
# permission-checked views: nothing maps MEDIA_URL to the folder.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"
# Attachments larger than this are recorded (name, size) but not stored.
MAIL_ATTACHMENT_MAX_BYTES = int(os.environ.get("MAIL_ATTACHMENT_MAX_BYTES") or 10 * 1024 * 1024)
# The mailbox fetch_mail reads: imap[s]://user:password@host:port/FOLDER, and where read mail goes.
MAIL_IMAP_URL = os.environ.get("MAIL_IMAP_URL", "")
MAIL_IMAP_PROCESSED_FOLDER = os.environ.get("MAIL_IMAP_PROCESSED_FOLDER", "Processed")
# Mail merges: a merge queued or sending with no progress for this long has lost its worker (its page
# and My follow-ups say so); a mail server answering 4xx (try later) is retried this many times, waiting
# MAIL_MERGE_RETRY_SECONDS, then twice as long each time.
MAIL_MERGE_STALLED_SECONDS = int(os.environ.get("MAIL_MERGE_STALLED_SECONDS") or 300)
MAIL_MERGE_MAX_RETRIES = int(os.environ.get("MAIL_MERGE_MAX_RETRIES") or 6)
MAIL_MERGE_RETRY_SECONDS = float(os.environ.get("MAIL_MERGE_RETRY_SECONDS") or 60)
# One message sent from the CRM and still "being sent" after this long lost its process mid-send: it is
# shown as interrupted (on its page and in My follow-ups) and never sent again by itself.
MAIL_SEND_STALLED_SECONDS = int(os.environ.get("MAIL_SEND_STALLED_SECONDS") or 120)
MAIL_FETCH_INTERVAL = int(os.environ.get("MAIL_FETCH_INTERVAL") or 60)  # seconds between polls with --watch
# Outbound mail over SMTP when EMAIL_HOST is set (otherwise the console backend above).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or 30)
if os.environ.get("EMAIL_HOST") and "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Uploads of saved messages on organisation and contact pages (bytes per request).
MAIL_UPLOAD_MAX_BYTES = int(os.environ.get("MAIL_UPLOAD_MAX_BYTES") or 50 * 1024 * 1024)

# --- REST API, tokens and webhooks (api/) ---------------------------------------------------
REST_FRAMEWORK = {
    # Bearer tokens first, so an anonymous request gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.RoleModelPermissions"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": os.environ.get("API_TOKEN_RATE", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sponsorship CRM API",
    "DESCRIPTION": "Organisations, contacts, interactions, follow-ups, events, tiers, pledges, "
    "in-kind contributions, favours, invoices, credit notes, payments and emails. See docs/api.md.",
    "VERSION": VERSION,  # the project's, from pyproject.toml (crm/version.py)
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {"StageEnum": "sponsors.models.Stage"},
}
#: The largest page a client may ask for with ?page_size=.
API_MAX_PAGE_SIZE = int(os.environ.get("API_MAX_PAGE_SIZE", "200"))
#: Webhook targets on loopback, link-local or private addresses are refused unless allowed.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS")
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "5"))
# The wait before a failed delivery's second attempt; each later wait is four times the one before.
WEBHOOK_RETRY_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SECONDS", "30"))

# --- Two-factor sign-in (django-otp) --------------------------------------------------------
#: Roles that must enrol a second factor before using the site (off by default).
OTP_REQUIRED_FOR_ROLES = env_list("OTP_REQUIRED_FOR_ROLES", "")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Sponsorship CRM")

# --- Background imports and exports (spreadsheets/) ------------------------------------------
#: An import's commit or an export of more rows than this runs as a background task with a
#: progress page (spreadsheets.services); smaller files keep the synchronous path.
SPREADSHEET_BACKGROUND_ROWS = int(os.environ.get("SPREADSHEET_BACKGROUND_ROWS", "2000"))
#: Export files (in MEDIA_ROOT/spreadsheets/jobs, served only through a permission-checked view)
#: are deleted after this many days, when a new job starts or by `manage.py clean_spreadsheet_jobs`.
SPREADSHEET_JOB_FILES_DAYS = float(os.environ.get("SPREADSHEET_JOB_FILES_DAYS", "3"))
#: A running job with no progress for this long is shown as probably stopped (worker restarted).
SPREADSHEET_JOB_STALL_MINUTES = float(os.environ.get("SPREADSHEET_JOB_STALL_MINUTES", "30"))

# --- duplicates (duplicates/) ------------------------------------------------------------------
# "Find now" over more records than this runs on the tasks worker instead of in the request.
DUPLICATES_BACKGROUND_RECORDS = int(os.environ.get("DUPLICATES_BACKGROUND_RECORDS") or 20_000)
