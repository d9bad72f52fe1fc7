"""Django settings for the clinic site, read from the environment (12-factor).

Local defaults are safe: SQLite in the project folder, console email, DEBUG off
unless DJANGO_DEBUG is set. With DEBUG off the site refuses to start without
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS. README.md lists every variable.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import holidays
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from prolo_site.env import (
    BadSetting,
    admin_url,
    cache_settings,
    database_settings,
    env_bool,
    env_int,
    env_list,
    env_rate_limit,
    file_cache_dir,
    media_storage,
    open_retention_days,
    s3_media_origins,
    secret_key_and_hosts,
    trusted_proxies,
    user_cache_home,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", False)

# Required with debug off; local stand-ins with it on.
SECRET_KEY, ALLOWED_HOSTS = secret_key_and_hosts(
    debug=DEBUG,
    secret_key=os.environ.get("DJANGO_SECRET_KEY", ""),
    allowed_hosts=env_list("DJANGO_ALLOWED_HOSTS"),
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "simple_history",
    "phonenumber_field",
    "django_tasks",  # the task queue: appointment emails leave the request
    "django_tasks_db",
    "prolo_site",
    "articles",
    "appointments",
]

MIDDLEWARE = [
    "prolo_site.client_ip.ForwardedHeadersMiddleware",  # first: before anything reads them
    "django.middleware.security.SecurityMiddleware",
    "prolo_site.middleware.SecurityHeadersMiddleware",
    # Outside WhiteNoise, so static files and every 304 carry the CSP and frame headers too.
    "prolo_site.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, the header built once
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag and 304s, cached pages included
    # The address decides the language (/es/... is Spanish); before the page cache, which
    # keys and resolves pages in that language.
    "prolo_site.middleware.LanguageFromPathMiddleware",
    "prolo_site.page_cache.PageCacheMiddleware",  # before anything that reads the session
    "django.contrib.sessions.middleware.SessionMiddleware",
    "prolo_site.sessions.SessionIdleTimeoutMiddleware",  # below: its changes are saved above
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prolo_site.urls"
WSGI_APPLICATION = "prolo_site.wsgi.application"

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
                "prolo_site.context_processors.clinic",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise
# (PostgreSQL in production: postgres://user:password@host:5432/name). SQLite is
# tuned for many writers at once (see prolo_site/env.py).
DATABASES = {
    "default": database_settings(
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60, minimum=0),
        sqlite_test_name=str(Path(tempfile.gettempdir()) / f"prolo-test-{os.getpid()}.sqlite3"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis at CACHE_URL (shared by every host), else files in DJANGO_CACHE_DIR (every worker on
# this host), by default in this user's own cache folder, one per database; wrapped by
# prolo_site.cache.ResilientCache, so the site serves without it when it is down.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
CACHES = cache_settings(
    CACHE_URL,
    file_cache_dir=os.environ.get("DJANGO_CACHE_DIR", "").strip()
    or file_cache_dir(DATABASES["default"], user_cache_home(os.environ)),
)

# Whole public pages (home, guide, articles, about pages) are kept for readers
# without a session for at most this many seconds, and dropped whenever an
# editor saves content. 0 switches the page cache off.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 600, minimum=0)

# The guide: whether a revision needs a clinician's sign-off before it goes live,
# and how long a sign-off lasts before the article is due for review again.
PUBLISH_NEEDS_SIGN_OFF = env_bool("DJANGO_PUBLISH_NEEDS_SIGN_OFF", False)
ARTICLE_REVIEW_MONTHS = env_int("DJANGO_ARTICLE_REVIEW_MONTHS", 12, minimum=1, maximum=60)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English without a prefix, Spanish under /es/ (prolo_site/urls.py): the patient's side in both,
# the staff's pages in English. The catalogue is prolo_site/locale/ (README "Languages").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "prolo_site" / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# Static files: hashed, compressed, served by WhiteNoise with far-future caching.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded images are served by the proxy (or object storage) in production;
# `make run` has no proxy, so Django serves them itself there.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60  # un-hashed files; hashed ones are cached for ever

# The public address of the site, for links in emails (no request to read it from).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Security: on by default; plain-HTTP localhost turns off only what it must.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    # __Host- cookies must be Secure, host-only and Path=/; browsers enforce it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
# A session (a staff login) ends this long after its last use (prolo_site/sessions.py
# pushes the expiry back at most once every SESSION_REFRESH_SECONDS); `clearsessions`
# (deploy/systemd/, or cron) deletes the expired rows.
SESSION_IDLE_MINUTES = env_int("DJANGO_SESSION_IDLE_MINUTES", 60, minimum=5)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_FAILURE_VIEW = "prolo_site.csrf.csrf_failure"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Admin login lockout: 5 failures for one username from one address locks that
# pair out for an hour; a successful login clears the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 60, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin_lockout.html"
AXES_CLIENT_IP_CALLABLE = "prolo_site.client_ip.client_ip"  # the same client as the rate limit
AXES_ALLOWED_CORS_ORIGINS = SITE_URL  # only used for JSON lockout answers

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

# Media storage: local files in MEDIA_ROOT unless DJANGO_MEDIA_STORAGE=s3, which puts
# uploads in an S3-compatible bucket (django-storages) that every app server shares.
# Names are django-storages' own; it reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
# from the environment itself (or uses the host's role when they are unset).
MEDIA_STORAGE = media_storage(os.environ.get("DJANGO_MEDIA_STORAGE", ""))
if MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("DJANGO_MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None  # None: Amazon S3 itself
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None  # e.g. a CDN in front
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "media")
    # The guide's images are public and pages may be cached: plain URLs, not ones that expire.
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", False)
    AWS_S3_FILE_OVERWRITE = False  # as on disk: a new upload never replaces another's file
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}
    if AWS_S3_ENDPOINT_URL and not AWS_S3_CUSTOM_DOMAIN:
        AWS_S3_ADDRESSING_STYLE = "path"  # endpoint/bucket/key: one known origin for the CSP
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    SERVE_MEDIA = False
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [
        SELF,
        *s3_media_origins(
            bucket=AWS_STORAGE_BUCKET_NAME,
            endpoint_url=AWS_S3_ENDPOINT_URL,
            region=AWS_S3_REGION_NAME,
            custom_domain=AWS_S3_CUSTOM_DOMAIN,
        ),
    ]

# Backups: django-dbbackup (`manage.py dbbackup`, `mediabackup`, `dbrestore`, `mediarestore`;
# README "Backups"). SQLite through its online backup API, each copy checked with PRAGMA
# integrity_check (prolo_site/backups.py); PostgreSQL with pg_dump --format=custom.
INSTALLED_APPS += ["dbbackup"]
BACKUP_DIR = Path(os.environ.get("DJANGO_BACKUP_DIR", BASE_DIR / "backups"))
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(BACKUP_DIR)},
}
DBBACKUP_CONNECTOR_MAPPING = {"django.db.backends.sqlite3": "prolo_site.backups.CheckedSqliteBackupConnector"}
# How many database backups, and media backups, `--clean` keeps (the newest).
DBBACKUP_CLEANUP_KEEP = DBBACKUP_CLEANUP_KEEP_MEDIA = env_int("DJANGO_BACKUP_KEEP", 30, minimum=1)

# Email: console locally; SMTP in production (EMAIL_HOST and friends).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# EMAIL_TIMEOUT bounds each read from the mail server; this bounds a whole send
# (seconds), so a server that answers a byte at a time cannot hold the worker.
EMAIL_SEND_DEADLINE = env_int("EMAIL_SEND_DEADLINE", 60, minimum=1)
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_BACKEND = "prolo_site.mail.EmailBackend"  # the same SMTP backend, with that deadline
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where the admin lives; a less guessable path deters drive-by login attempts.
ADMIN_URL = admin_url(os.environ.get("DJANGO_ADMIN_URL", "admin/"))

# Appointments
# The clinic's inboxes for new appointment requests (comma-separated).
APPOINTMENTS_NOTIFY_EMAILS = env_list("APPOINTMENTS_NOTIFY_EMAILS")

# New requests one client may send: (count, seconds), or None for no limit; counted in the
# database as requests are stored (appointments/rate_limit.py), never in the cache.
APPOINTMENTS_RATE_LIMIT = env_rate_limit("APPOINTMENTS_RATE_LIMIT", "5/10m")
# Seconds before the first retry of an appointment email that failed (doubled after each try).
APPOINTMENTS_EMAIL_RETRY_SECONDS = env_int("APPOINTMENTS_EMAIL_RETRY_SECONDS", 60, minimum=1)
# Days a Closed or Spam request is kept before `purge_appointment_requests` anonymises it.
APPOINTMENTS_RETENTION_DAYS = env_int("APPOINTMENTS_RETENTION_DAYS", 365, minimum=0)
# Days a request left New, Contacted or Scheduled is kept after its last status change
# before the same command anonymises it (never shorter than the above).
APPOINTMENTS_OPEN_RETENTION_DAYS = open_retention_days(
    os.environ.get("APPOINTMENTS_OPEN_RETENTION_DAYS", ""),
    name="APPOINTMENTS_OPEN_RETENTION_DAYS",
    retention_days=APPOINTMENTS_RETENTION_DAYS,
)

# The state whose public holidays (with the US federal ones, from the `holidays` library)
# are not working days when a request becomes overdue; closure days are entered in the admin.
APPOINTMENTS_HOLIDAY_STATE = os.environ.get("APPOINTMENTS_HOLIDAY_STATE", "VA").strip().upper() or None
if APPOINTMENTS_HOLIDAY_STATE and APPOINTMENTS_HOLIDAY_STATE not in holidays.US.subdivisions:
    raise BadSetting(
        f"APPOINTMENTS_HOLIDAY_STATE={APPOINTMENTS_HOLIDAY_STATE!r} is not a US state or territory "
        "code (such as VA); leave it empty for federal holidays only."
    )

# --- Reverse proxy (deploy/nginx/) ---------------------------------------------
# X-Forwarded-For and X-Forwarded-Proto count only when the peer is one of these
# addresses or networks (comma-separated); from anyone else they are dropped
# (prolo_site.client_ip). gunicorn's forwarded_allow_ips reads the same variable.
TRUSTED_PROXIES = trusted_proxies(os.environ.get("DJANGO_TRUSTED_PROXIES", ""), name="DJANGO_TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if env_bool("DJANGO_BEHIND_PROXY", False):  # the old switch: say what replaced it
    raise BadSetting(
        "DJANGO_BEHIND_PROXY is replaced by DJANGO_TRUSTED_PROXIES: set it to your proxy's "
        "address (e.g. 127.0.0.1 for nginx on this host) and unset DJANGO_BEHIND_PROXY."
    )
# ---------------------------------------------------------------------------------

# Task queue: the appointment emails are tasks in the database (the same one, so a
# request and its task commit together), run by `manage.py db_worker` (see the Procfile).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONENUMBER_DEFAULT_REGION", "US")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request URLs never carry patient data, but bodies might: never log them.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
