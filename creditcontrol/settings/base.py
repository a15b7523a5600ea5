"""Settings shared by every environment; everything variable comes from the environment."""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from creditcontrol.api_sections import TAG_LIST

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

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
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Bottom to top, as the layers in pyproject.toml (docs/architecture.md).
    "creditcontrol",
    "customers",
    "ledger",
    "interactions",
    "aging",
    "messaging",
    "chasing",
    "audit",
    "workspace",
    "project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "creditcontrol.headers.SecurityHeadersMiddleware",  # below whitenoise: static files keep their caching
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "creditcontrol.tenancy.TenantMiddleware",
    "creditcontrol.pages.DomainErrorMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "creditcontrol.wsgi.application"

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
                "creditcontrol.tenancy.tenant_context_processor",
                "aging.context.work_date_context",
            ],
            # |money, |number, |day and |moment: the one format of amounts and dates on every page.
            "builtins": ["creditcontrol.templatetags.formats"],
        },
    },
]

# DATABASE_URL and REDIS_URL are always set by the time settings load: by the operator, by CI,
# or by creditcontrol.launch, which starts the embedded servers when they are missing.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/creditcontrol")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Row-level security (creditcontrol.rowsecurity): DATABASE_URL names the tables' owner, which migrates;
# the application itself connects as DATABASE_APP_USER, which owns nothing and is held by the tenant
# policies. An empty DATABASE_APP_USER runs everything as the owner, without the second wall.
DATABASE_APP_USER = env("DATABASE_APP_USER", default="creditcontrol_app")
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", default="")
DATABASES["default"]["OWNER_USER"] = DATABASES["default"]["USER"]
DATABASES["default"]["OWNER_PASSWORD"] = DATABASES["default"]["PASSWORD"]
if DATABASE_APP_USER:
    DATABASES["default"]["USER"] = DATABASE_APP_USER
    DATABASES["default"]["PASSWORD"] = DATABASE_APP_PASSWORD
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def celery_redis_url(url: str) -> str:
    """Kombu names a unix-socket Redis `redis+socket://`; redis-py and Django say `unix://`."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="cc"),
        # A Redis that stops answering must not hang a request (sign-in falls back without it).
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The product's e-mail (invitations, creditcontrol/members.py) goes out through the server EMAIL_URL names,
# e.g. smtp+tls://user:password@smtp.example.com:587. `make run` without it starts a local SMTP server
# (creditcontrol/mailserver.py) that keeps every message in LOCAL_MAILBOX_DIR, shown on Setup > Sent mail;
# with neither, the e-mail is written to the log (console). The tests send through a real local server.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
LOCAL_MAILBOX_DIR = env("LOCAL_MAILBOX_DIR", default="")
# Text messages to customers (messaging/channels.py): a class with send(number, text); the default writes
# them to the log.
SMS_BACKEND = env("SMS_BACKEND", default="messaging.channels.LogSmsBackend")
# messaging.channels.HttpSmsBackend posts {"to", "from", "text"} as JSON to SMS_URL with
# `Authorization: Bearer SMS_TOKEN`, from SMS_SENDER (a number or an alphanumeric sender name).
SMS_URL = env("SMS_URL", default="")
SMS_TOKEN = env("SMS_TOKEN", default="")
SMS_SENDER = env("SMS_SENDER", default="")
# How many Celery tasks make one batch's messages side by side (about the workers' processes).
MESSAGING_BATCH_RUNNERS = env.int("MESSAGING_BATCH_RUNNERS", default=2)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="credit-control@localhost")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (creditcontrol.auth, docs/operations.md "Sign-in"). Per account: the first
# LOGIN_MAX_FAILURES wrong passwords are free; each further one makes the account wait LOGIN_DELAY_SECONDS,
# doubling, at most LOGIN_DELAY_MAX_SECONDS; failures are remembered LOGIN_FAILURE_MEMORY_SECONDS.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_DELAY_SECONDS = env.int("LOGIN_DELAY_SECONDS", default=2)
LOGIN_DELAY_MAX_SECONDS = env.int("LOGIN_DELAY_MAX_SECONDS", default=60)
LOGIN_FAILURE_MEMORY_SECONDS = env.int("LOGIN_FAILURE_MEMORY_SECONDS", default=24 * 3600)
# Per address (an IPv6 /64): this many wrong passwords in a window refuse it until the window ends.
LOGIN_ADDRESS_MAX_FAILURES = env.int("LOGIN_ADDRESS_MAX_FAILURES", default=100)
LOGIN_ADDRESS_WINDOW_SECONDS = env.int("LOGIN_ADDRESS_WINDOW_SECONDS", default=900)
# Reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the client; none: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR") from error

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy of every response (creditcontrol.headers; docs/operations.md says why each source
# is there). Scripts only from our own static files: no inline <script>, no onclick=, no eval (base.html's
# htmx-config turns htmx's off). Styles: our stylesheet, plus `style=` attributes (a few templates size an
# element with one, and the import progress bar its width) but never an injected <style> element.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}
# The API docs pages are drf-spectacular's templates: Swagger UI's start-up script is inline (it carries the
# CSRF token, so no hash fits it) and both UIs write <style> elements; Redoc's page links Google's fonts, shows
# its logo from its CDN and searches in a blob: worker. Looser on those two paths only: they show no tenant data.
SECURE_CSP_PATH_OVERRIDES = {
    "/api/docs/": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
    },
    "/api/redoc/": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'", "https://fonts.googleapis.com"],
        "font-src": ["'self'", "https://fonts.gstatic.com"],
        "img-src": ["'self'", "data:", "https://cdn.redoc.ly"],
        "worker-src": ["'self'", "blob:"],
    },
}

LANGUAGE_CODE = "en-gb"
# Amounts and dates on pages follow the tenant's locale (Tenant.language, creditcontrol.formats), not
# the active language: the pages' words are English for every tenant.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "creditcontrol" / "static"]
MEDIA_ROOT = VAR_DIR / "media"

# The empty choice of every filter's select says what it means, not "---------".
FILTERS_EMPTY_CHOICE_LABEL = "Any"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal API tokens (cc_…) first, so an unauthenticated call answers 401 with WWW-Authenticate:
        # Bearer; then DRF's authtoken keys (deprecated, kept for existing integrations), then the session.
        "creditcontrol.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "creditcontrol.parsers.JSONParser",  # junk JSON is a 400, however it is junk
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "creditcontrol.api.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "creditcontrol.schema.TenantAutoSchema",
    "EXCEPTION_HANDLER": "creditcontrol.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Credit control API",
    # Markdown: the path in backticks, or the docs page would read <tenant slug> as an HTML tag.
    "DESCRIPTION": (
        "Tenant-scoped API: every path starts with `/api/t/{tenant_slug}/`, where `{tenant_slug}` is the "
        "tenant's slug (the `alpha` of `/api/t/alpha/customers/`). Sign in with an API token "
        "(`Authorization: Bearer cc_…`) or a browser session; the tenant comes from the path, never "
        "from a request body."
    ),
    "TAGS": TAG_LIST,
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Database connections a Recalculate All works on at once (each an UPDATE over its share of the
# customers, in its own PostgreSQL process): about the cores the database server can give it.
RECALCULATE_ALL_CONNECTIONS = env.int("RECALCULATE_ALL_CONNECTIONS", default=2)
# Seconds from a posting to the Recalculate Entries it schedules (postings in between ride along).
RECALCULATE_ENTRIES_DELAY_SECONDS = env.float("RECALCULATE_ENTRIES_DELAY_SECONDS", default=1.0)

CELERY_BROKER_URL = celery_redis_url(env("CELERY_BROKER_URL", default=REDIS_URL))
CELERY_RESULT_BACKEND = celery_redis_url(env("CELERY_RESULT_BACKEND", default=REDIS_URL))
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=4 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=4 * 3600 - 60)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOG_FORMAT = env("LOG_FORMAT", default="console")  # "json" for structured production logs
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "creditcontrol.logs.JsonFormatter"},
        "console": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step of each document at INFO (seven lines a statement), fontTools its
        # font subsetting: only their warnings are worth a line.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
