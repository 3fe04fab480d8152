"""Settings for the medborgarlöfte follow-up service.

Everything that differs between machines comes from environment variables, documented in
docs/settings.md. Without DJANGO_DEBUG the service runs as production and refuses to start without
a secret key and allowed hosts.
"""

import base64
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_addresses(name: str) -> list[tuple[str, str]]:
    """(name, address) pairs from “Ada Admin <ada@example.se>, ops@example.se”."""
    from email.utils import getaddresses

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    pairs = []
    for person, address in getaddresses([env_str(name)]):
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of email addresses, not {env_str(name)!r}"
            ) from None
        pairs.append((person or address, address))
    return pairs


def database_from_url(url: str) -> dict:
    """DATABASES entry for a postgres:// or sqlite:/// URL."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DJANGO_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path) or ":memory:",
            # Writers queue for the lock at BEGIN instead of failing half-way through.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-used-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "lofte",
    "parties",
    "followup",
    "outcomes",
    "public",
]

MIDDLEWARE = [
    # First, so that every response carries them: static files, redirects to HTTPS, errors.
    "csp.middleware.CSPMiddleware",
    "lofte.security_headers.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Production serves collectstatic's files itself, before sessions or the database are
    # touched; under debug, runserver and the test client serve them from the source folders.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Ids and filters the database refuses (too big, not a number, NUL) answer 400.
    "lofte.bad_input.BadInputMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lofte.urls"
WSGI_APPLICATION = "lofte.wsgi.application"

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
            # Template tags live beside the feature they serve, not in an app-wide folder.
            "libraries": {
                "owner": "lofte.owner",
                "portal": "followup.portal.templatetags",
                "document_tags": "followup.document.templatetags",
            },
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTHENTICATION_BACKENDS = [
    # Throttles repeated failed logins before any other backend is asked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Seconds a one-time login link sent by email stays valid (lofte/accounts/login_links.py).
LOGIN_LINK_MAX_AGE = env_int("LOGIN_LINK_MAX_AGE", 15 * 60)
# Login links and password resets together (lofte/accounts/throttle.py): at most this many
# requests per email address, and per client, in a window of this many seconds; then 429.
MAIL_THROTTLE_PER_ADDRESS = env_int("DJANGO_MAIL_THROTTLE_PER_ADDRESS", 3)
MAIL_THROTTLE_PER_CLIENT = env_int("DJANGO_MAIL_THROTTLE_PER_CLIENT", 10)
MAIL_THROTTLE_WINDOW = env_int("DJANGO_MAIL_THROTTLE_WINDOW", 15 * 60)


def client_address_settings(proxies: int) -> dict:
    """How axes (through django-ipware) finds the client's address behind `proxies` reverse
    proxies, each adding the address it was reached from to X-Forwarded-For.

    The client is the entry that many places from the right; anything to its left was
    written by the client and is never believed. With no proxy, the connection's own address.
    """
    if proxies < 0:
        raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
    if not proxies:
        return {
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
            "AXES_IPWARE_PROXY_COUNT": None,
            "IPWARE_STRICT": True,
        }
    return {
        # The connection's address when the header is missing or shorter than the chain of
        # proxies (a request that did not come through them).
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        # ipware counts the proxies listed *after* the client in the header; the last proxy
        # is the connection itself and lists no one after it, hence one less.
        "AXES_IPWARE_PROXY_COUNT": proxies - 1,
        # At least that many entries, counted from the right: a forged prefix must not make
        # ipware give up on the header and take the proxy's own address instead.
        "IPWARE_STRICT": False,
    }


# The number of reverse proxies in front of the app servers (1 for compose.yaml's Caddy).
# The login lockout (axes) and the mail throttling (lofte/accounts/throttle.py) both take the
# client's address from axes with these settings.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
globals().update(client_address_settings(TRUSTED_PROXY_COUNT))

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out user may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A page in the site's language telling a locked-out user what to do, instead of axes' text.
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# A deployment's own files (its logo) from a folder outside the checkout.
if env_str("DJANGO_OWNER_STATIC_DIR"):
    STATICFILES_DIRS.append(Path(env_str("DJANGO_OWNER_STATIC_DIR")))
# `collectstatic` writes compressed copies with a hash in each name, which WhiteNoise serves
# with far-future caching; under debug the names stay plain and nothing needs collecting.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Slow and fallible work (publishing, email) runs on a task queue held in the database we
# already have, so N app servers and M workers (`manage.py db_worker`) share it.
# DJANGO_TASKS_BACKEND=immediate runs each task inline where it is queued (tests use it).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("DJANGO_TASKS_BACKEND", "database")
if _task_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_task_backend]}}
# /healthz fails when more tasks than this wait longer than a minute: the workers are behind.
TASKS_BACKLOG_LIMIT = env_int("DJANGO_TASKS_BACKLOG_LIMIT", 100)
# How often a failing email is tried before it is recorded as failed (lofte/mail.py).
EMAIL_MAX_ATTEMPTS = env_int("DJANGO_EMAIL_MAX_ATTEMPTS", 5)
# A follow-up "publishing" for longer than this (seconds) lost its worker (killed mid-render):
# admin shows it as failed, to be published again. A render of 3,000 sub-promises takes ~1 min.
PUBLISH_STALE_AFTER = env_int("DJANGO_PUBLISH_STALE_AFTER", 15 * 60)
# Background jobs (lofte/jobs.py): an attempt begun longer ago than this (seconds) lost its
# worker; the worker's recovery pass, run at its start and every JOB_RECOVERY_INTERVAL
# seconds, queues it again or marks it failed.
JOB_STALE_AFTER = env_int("DJANGO_JOB_STALE_AFTER", 10 * 60)
JOB_RECOVERY_INTERVAL = env_int("DJANGO_JOB_RECOVERY_INTERVAL", 60)
# A draft PDF preview still waiting after this many seconds is asked for again on the next click.
DRAFT_PDF_STALE_AFTER = env_int("DJANGO_DRAFT_PDF_STALE_AFTER", 10 * 60)
# Admin exports of more rows than this are prepared by a worker; the file is kept this long.
EXPORT_INLINE_MAX_ROWS = env_int("DJANGO_EXPORT_INLINE_MAX_ROWS", 2000)
EXPORT_FILE_MAX_AGE = env_int("DJANGO_EXPORT_FILE_MAX_AGE", 24 * 60 * 60)

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "medborgarloften@localhost")
# Who is mailed each server error (with debug off), and the sender of those mails.
ADMINS = env_addresses("DJANGO_ADMINS")
SERVER_EMAIL = env_str("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Links in emails (invitations, reminders) point here: the address people open the site at.
SITE_URL = env_str("DJANGO_SITE_URL", "http://localhost:8000").rstrip("/")

# The organisation that publishes the follow-ups (lofte/owner.py): in the header and footer
# of every public page and on the follow-up's cover. A site names its own; unnamed, it shows
# a placeholder that says what to set (and `manage.py check` warns with debug off), never
# another organisation's name. `make run` names the demo's (the Makefile).
OWNER_NAME_PLACEHOLDER = "Webbplatsens ägare (ange DJANGO_OWNER_NAME)"
OWNER_NAME = env_str("DJANGO_OWNER_NAME", OWNER_NAME_PLACEHOLDER)
OWNER_URL = env_str("DJANGO_OWNER_URL")
OWNER_EMAIL = env_str("DJANGO_OWNER_EMAIL", DEFAULT_FROM_EMAIL)
OWNER_ADDRESS = env_str("DJANGO_OWNER_ADDRESS")
OWNER_LOGO = env_str("DJANGO_OWNER_LOGO", "img/owner-logo.svg")
OWNER_LOGO_ALT = env_str("DJANGO_OWNER_LOGO_ALT")
if not OWNER_NAME.strip():
    raise ImproperlyConfigured("DJANGO_OWNER_NAME must not be empty.")
if OWNER_URL and urlsplit(OWNER_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"DJANGO_OWNER_URL must be an http(s) address, not {OWNER_URL!r}")
if OWNER_EMAIL and not re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+", OWNER_EMAIL):
    raise ImproperlyConfigured(f"DJANGO_OWNER_EMAIL must be an email address, not {OWNER_EMAIL!r}")

# Browsers talk to production over HTTPS only; a proxy in front terminates TLS.
# DJANGO_HTTPS=false is for servers reached over plain HTTP on loopback (the load test).
if not DEBUG and env_bool("DJANGO_HTTPS", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers ask over plain HTTP, from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def csp_hash(text: str) -> str:
    """A CSP source that allows exactly this inline text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# Every response says where a page may load anything from: this site only, no inline script
# or style, no plugins, and no framing (the widget alone replaces frame-ancestors, see
# public/views.py). Our templates hold no inline script, style or handler; the hashes allow
# the few that libraries' admin templates write, each one exactly (tests/test_security_headers.py
# holds them to the installed templates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": [
            "'self'",
            "'unsafe-hashes'",
            # django-import-export's export page: "Select all" fields.
            csp_hash("onSelectToggleChange(event)"),
        ],
        "style-src": [
            "'self'",
            "'unsafe-hashes'",
            # Django admin's change list without actions.
            csp_hash("\n      #changelist table thead th:first-child {width: inherit}\n    "),
            # django-simple-history's history page; django-import-export's export page.
            csp_hash("border-top: 0"),
            csp_hash("padding: 0;"),
            csp_hash("font-weight: bold;"),
        ],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Features no page of ours uses are turned off for it and anything it frames.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), "
    "browsing-topics=()"
)

# History is for reading: a revert would undo a review without going through it.
SIMPLE_HISTORY_REVERT_DISABLED = True

IMPORT_EXPORT_USE_TRANSACTIONS = True
# Only the formats the tests cover (others, such as "html", failed with a server error).
IMPORT_EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# An upload waits for its confirmation in the database, bound to its uploader
# (lofte/spreadsheets/imports.py), not in a temp folder that the confirmation form names a
# file in.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "lofte.spreadsheets.imports.DatabaseStorage"
# Refused before parsing: a larger file, or a spreadsheet that unpacks to more (bytes).
IMPORT_MAX_FILE_SIZE = env_int("DJANGO_IMPORT_MAX_FILE_SIZE", 5 * 1024 * 1024)
IMPORT_MAX_EXPANDED_SIZE = env_int("DJANGO_IMPORT_MAX_EXPANDED_SIZE", 25 * 1024 * 1024)
# Seconds an upload waits for its confirmation before it is removed.
IMPORT_UPLOAD_MAX_AGE = env_int("DJANGO_IMPORT_UPLOAD_MAX_AGE", 60 * 60)
# Cells a spreadsheet would run as formulas are escaped by our resources (a leading "'"
# that import removes again), not by the library, which would delete the "=".

# Every record is written once, by the root logger's console handler. Django's own logging
# gives the "django" logger a console handler of its own as well, which printed each request
# warning twice; here that logger keeps only the mail to ADMINS (errors, debug off) and
# passes its records up to the root. runserver's request lines ("django.server") keep
# Django's own handler.
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": LOG_LEVEL, "propagate": True},
    },
}
