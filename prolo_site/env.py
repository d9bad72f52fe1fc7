"""Reading settings from the environment, and deriving the settings that follow from them.

Each rule is a small function of plain arguments, unit-tested in
tests/test_prolo_site_env.py, so prolo_site/settings.py stays a list of declarations.
"""

import contextlib
import hashlib
import ipaddress
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


class MissingSetting(ImproperlyConfigured):
    """A required environment variable is absent; manage.py and wsgi.py print it plainly."""


class BadSetting(ImproperlyConfigured):
    """An environment variable's value cannot be used; printed as plainly as a missing one."""


# --- Reading variables --------------------------------------------------------------------------


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def parse_bool(text, *, name, default):
    """A yes/no variable. Anything but those words stops the site: a typo in
    DJANGO_SECURE_COOKIES must not quietly mean False."""
    value = text.strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise BadSetting(f"{name}={text.strip()!r} is not a yes/no value: use true or false.")


def env_bool(name, default):
    return parse_bool(os.environ.get(name, ""), name=name, default=default)


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def parse_int(text, *, name, default, minimum=None, maximum=None):
    """A whole-number variable, within bounds when given; otherwise one clear line."""
    value = text.strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadSetting(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise BadSetting(f"{name}={number} is too small: use {minimum} or more.")
    if maximum is not None and number > maximum:
        raise BadSetting(f"{name}={number} is too large: use {maximum} or less.")
    return number


def env_int(name, default, *, minimum=None, maximum=None):
    return parse_int(os.environ.get(name, ""), name=name, default=default, minimum=minimum, maximum=maximum)


# --- Deriving settings --------------------------------------------------------------------------

LOCAL_SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105 (debug only)
LOCAL_ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


def secret_key_and_hosts(*, debug, secret_key, allowed_hosts):
    """(SECRET_KEY, ALLOWED_HOSTS): local stand-ins with debug on; with it off both must be
    given, and MissingSetting says in one line which are not."""
    if debug:
        return secret_key or LOCAL_SECRET_KEY, allowed_hosts or LOCAL_ALLOWED_HOSTS
    missing = [
        name
        for name, value in (("DJANGO_SECRET_KEY", secret_key), ("DJANGO_ALLOWED_HOSTS", allowed_hosts))
        if not value
    ]
    if missing:
        raise MissingSetting(
            f"{' and '.join(missing)} must be set when DJANGO_DEBUG is off. "
            "Set them in the environment (see README.md, 'Configuration'), "
            "or use `make run` for a local site."
        )
    return secret_key, allowed_hosts


# Many gunicorn workers write at once: WAL lets readers and a writer work together,
# IMMEDIATE takes the write lock up front (no mid-transaction "database is locked"),
# the timeout waits for it, and synchronous=FULL makes a committed request survive a
# power cut.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
}


def database_settings(url, *, conn_max_age, sqlite_test_name):
    """DATABASES["default"] for a DATABASE_URL; SQLite gets the options above and a test
    database in a file (not memory), so live-server tests use real connections and pragmas."""
    try:
        database = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError:
        # Never the URL itself in the message: it carries the database password.
        scheme = url.partition("://")[0] if "://" in url else ""
        raise BadSetting(
            f"DATABASE_URL is not a database URL this site can use (scheme {scheme!r}): "
            "use postgres://user:password@host:5432/name or sqlite:////path/to/db.sqlite3."
        ) from None
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = dict(SQLITE_OPTIONS)
        database["TEST"] = {"NAME": sqlite_test_name}
    return database


def user_cache_home(environ):
    """Where this user's caches belong: systemd's CacheDirectory= ($CACHE_DIRECTORY), else
    $XDG_CACHE_HOME, else ~/.cache. Never the shared temp folder, where anyone could
    create the folder first and plant entries the cache would unpickle."""
    folder = environ.get("CACHE_DIRECTORY", "").split(":")[0] or environ.get("XDG_CACHE_HOME", "")
    if folder:
        return Path(folder)
    try:
        return Path.home() / ".cache"
    except RuntimeError:  # no home folder for this user
        raise MissingSetting("DJANGO_CACHE_DIR must be set: this user has no home folder.") from None


def file_cache_dir(database, cache_home):
    """The file cache's folder when DJANGO_CACHE_DIR is unset: one per database, so two
    sites on one machine never share pages."""
    database_id = "|".join(str(database.get(part)) for part in ("NAME", "HOST", "PORT"))
    return str(Path(cache_home) / f"prolo-cache-{hashlib.sha256(database_id.encode()).hexdigest()[:12]}")


def private_folder(path, *, name):
    """`path`, made if missing, after checking that only this user can write to it: the
    file cache unpickles what it finds there, so a folder others can write is refused."""
    folder = Path(path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # checked below, whoever made it
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise BadSetting(f"{name}: {folder} is not a folder (a link or a file is refused).")
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise BadSetting(
            f"{name}: {folder} must belong to this user and be writable by no one else "
            f"(it is owned by uid {info.st_uid}, mode {stat.filemode(info.st_mode)}); "
            "remove it or choose another folder."
        )
    return str(folder)


REDIS_TIMEOUT_SECONDS = 1


def cache_settings(cache_url, *, file_cache_dir):
    """CACHES: Redis at CACHE_URL, shared by every host; else files in `file_cache_dir`
    (checked by private_folder), shared by every gunicorn worker on this machine; either
    way gone with nothing lost if deleted, and wrapped so the site serves without it."""
    if cache_url:
        default = {
            "WRAPPED_BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
            # A Redis that stops answering must not hold a request for long.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    else:
        default = {
            "WRAPPED_BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": private_folder(file_cache_dir, name="DJANGO_CACHE_DIR"),
        }
    # prolo_site.cache.ResilientCache: with the cache down, the site serves without it.
    return {"default": {"BACKEND": "prolo_site.cache.ResilientCache", **default, "KEY_PREFIX": "prolo"}}


RATE_UNITS = {"s": 1, "m": 60, "h": 3600}


def rate_limit(text, *, name):
    """'5/10m' -> (5, 600): at most 5 in 10 minutes (units s, m or h; '5/m' is 5 a minute).
    'off' -> None: no limit, for load tests. Anything else stops the site, naming `name`."""
    text = text.strip().lower()
    if text in {"off", "none", "0"}:
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(\d*)\s*([smh])", text)
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ImproperlyConfigured(
            f"{name}={text!r} is not a rate: use for example 5/10m (5 per 10 minutes; s, m or h), or off."
        )
    return int(match[1]), int(match[2] or 1) * RATE_UNITS[match[3]]


def env_rate_limit(name, default):
    return rate_limit(os.environ.get(name, "").strip() or default, name=name)


OPEN_RETENTION_DAYS = 730


def open_retention_days(text, *, name, retention_days):
    """Days a request left New, Contacted or Scheduled is kept (default 730, or
    `retention_days` if that is longer): never shorter than a finished request's
    APPOINTMENTS_RETENTION_DAYS, or a request still being worked could lose the patient's
    details before a closed one does."""
    days = parse_int(text, name=name, default=max(OPEN_RETENTION_DAYS, retention_days), minimum=0)
    if days < retention_days:
        raise BadSetting(
            f"{name}={days} is shorter than APPOINTMENTS_RETENTION_DAYS={retention_days}: "
            "requests still open must be kept at least as long as closed ones."
        )
    return days


def media_storage(text):
    """DJANGO_MEDIA_STORAGE: 'local' (the default) or 's3'."""
    storage = text.strip().lower() or "local"
    if storage not in {"local", "s3"}:
        raise ImproperlyConfigured(f"DJANGO_MEDIA_STORAGE={storage!r}: use local (the default) or s3.")
    return storage


def s3_media_origins(*, bucket, endpoint_url=None, region=None, custom_domain=None):
    """The origins the bucket's image URLs are served from, for the CSP's img-src."""
    if custom_domain:
        return [f"https://{custom_domain}"]
    if endpoint_url:
        endpoint = urlsplit(endpoint_url)
        return [f"{endpoint.scheme}://{endpoint.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


def trusted_proxies(text, *, name):
    """'10.0.0.5, 10.1.0.0/16' -> the same as strings, each checked to be an address
    or a network; a typo is one clear line at start-up (manage.py, wsgi.py)."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise BadSetting(
                f"{name}: {entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)."
            ) from None
    return entries


def admin_url(text):
    """DJANGO_ADMIN_URL as a URL prefix: 'staff' and '/staff/' both give 'staff/'."""
    return (text.strip().strip("/") or "admin") + "/"


# --- Starting up --------------------------------------------------------------------------------


def load_settings_or_exit():
    """Load settings now, so a missing variable is one clear line, not a traceback."""
    import sys

    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018  (touching it loads the module)
    except ImproperlyConfigured as error:  # raised by settings.py: a variable to fix, not a bug
        sys.exit(f"Configuration error: {error}")
