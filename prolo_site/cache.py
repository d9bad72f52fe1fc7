"""The site's cache backend: the configured one (Redis or files), made to degrade instead of fail.

Nothing the site keeps in the cache is needed to serve a patient (pages, rendered
articles: all can be made again; sessions, lockouts and the rate limit live in the
database). So when the cache stops answering (Redis down, the cache's disk full
or unwritable) ResilientCache behaves as an empty cache that keeps nothing: a
read misses, a write is dropped. It logs once when the cache goes and once when
it is back, leaves the cache alone for RETRY_SECONDS after a failure (so a dead
Redis costs one failed connection per few seconds, not one per call), and
afterwards drops the keys whose writes it missed (a new page-cache version, an
entry that should have been deleted), so nothing stale outlives the outage.
cache_health() is the /healthz line.

settings.CACHES["default"] = {"BACKEND": "prolo_site.cache.ResilientCache",
"WRAPPED_BACKEND": "<the real backend>", "LOCATION": ..., "OPTIONS": ...}; every
other key is the wrapped backend's (prolo_site/env.py builds it).
"""

import logging
import threading
import time
import uuid

from django.core.cache import cache as default_cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.module_loading import import_string

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is in requirements.txt
    RedisError = OSError

logger = logging.getLogger(__name__)

# What a cache that is down raises: Redis's errors (refused, timed out, out of memory,
# read-only replica) and the file cache's (disk full, folder gone or not writable).
CACHE_ERRORS = (RedisError, OSError)
RETRY_SECONDS = 5
# Keys whose writes were missed, dropped once the cache is back; beyond this many the
# rest simply expire (every page-cache entry has a timeout).
MAX_MISSED_KEYS = 10_000
PROBE_KEY = "prolo-cache:probe"


class _Outage:
    """One backend's state, shared by every thread of the process (Django gives each
    thread its own backend instance)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since = None  # time.monotonic() of the first failure, None while answering
        self.retry_at = 0.0
        self.error = ""
        self.missed_keys = set()


_outages = {}
_outages_lock = threading.Lock()


def _outage_for(name):
    with _outages_lock:
        return _outages.setdefault(name, _Outage())


class ResilientCache(BaseCache):
    def __init__(self, location, params):
        params = dict(params)
        backend_path = params.pop("WRAPPED_BACKEND")
        self.retry_seconds = params.pop("RETRY_SECONDS", RETRY_SECONDS)
        super().__init__(params)
        self._backend = None
        self._make_backend = lambda: import_string(backend_path)(location, params)
        self.name = backend_path.rsplit(".", 1)[-1]
        self.outage = _outage_for(f"{backend_path}|{location}")

    # --- The mechanism ---------------------------------------------------------------------

    def backend(self):
        """The wrapped backend, made on first use: the file cache makes its folder then,
        which fails like any other call when the disk does."""
        if self._backend is None:
            self._backend = self._make_backend()
        return self._backend

    def _call(self, operation, fallback, *args, missed=(), **kwargs):
        """backend.operation(*args, **kwargs), or `fallback` while the cache is down;
        `missed` are the (key, version) pairs a failed write leaves possibly stale."""
        outage = self.outage
        if outage.down_since is not None and not self._back_up():
            self._remember(missed)
            return fallback
        try:
            return getattr(self.backend(), operation)(*args, **kwargs)
        except CACHE_ERRORS as error:
            self._went_down(error)
            self._remember(missed)
            return fallback

    def _went_down(self, error):
        outage = self.outage
        with outage.lock:
            outage.retry_at = time.monotonic() + self.retry_seconds
            outage.error = type(error).__name__
            if outage.down_since is None:
                outage.down_since = time.monotonic()
                # The error's type and text (an address, a folder), never a URL's password.
                logger.warning(
                    "The cache (%s) is not answering: %s: %s. Serving without it until it answers again.",
                    self.name,
                    type(error).__name__,
                    error,
                )

    def _back_up(self):
        """While down: after RETRY_SECONDS, try a write; True once the cache answers again."""
        outage = self.outage
        if time.monotonic() < outage.retry_at:
            return False
        try:
            self.backend().set(PROBE_KEY, uuid.uuid4().hex, timeout=60)
            with outage.lock:
                missed, outage.missed_keys = outage.missed_keys, set()
            for key, version in missed:
                self.backend().delete(key, version=version)
        except CACHE_ERRORS as error:
            self._went_down(error)
            return False
        with outage.lock:
            if outage.down_since is not None:
                logger.warning(
                    "The cache (%s) answers again after %d s.",
                    self.name,
                    time.monotonic() - outage.down_since,
                )
            outage.down_since = None
        return True

    def _remember(self, missed):
        outage = self.outage
        with outage.lock:
            if len(outage.missed_keys) < MAX_MISSED_KEYS:
                outage.missed_keys.update(missed)

    def probe(self):
        """(ok, detail) from a real write and read now, whatever the last call saw."""
        self.outage.retry_at = 0.0
        value = uuid.uuid4().hex
        self.set(PROBE_KEY, value, timeout=60)
        if self.get(PROBE_KEY) == value:
            return True, ""
        return False, self.outage.error or "not answering"

    # --- BaseCache, each call through _call ----------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version, missed=[(key, version)])

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version, missed=[(key, version)])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version, missed=[(key, version)])

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # As an empty cache would: the key is not there.
        result = self._call("incr", None, key, delta, version, missed=[(key, version)])
        if result is None:
            raise ValueError(f"Key '{key}' not found")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        missed = [(key, version) for key in data]
        return self._call("set_many", list(data), data, timeout, version, missed=missed)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._call("delete_many", None, keys, version, missed=[(key, version) for key in keys])

    def clear(self):
        return self._call("clear", None)

    def close(self, **kwargs):
        self._call("close", None, **kwargs)


def cache_health():
    """The cache's /healthz line: (name, ok, detail, patients_affected). The site serves
    patients without a cache, so a cache that is down never fails the check."""
    probe = getattr(default_cache, "probe", None)
    if probe is not None:
        ok, detail = probe()
    else:  # a backend set up without the wrapper (a test's in-memory cache)
        try:
            value = uuid.uuid4().hex
            default_cache.set(PROBE_KEY, value, timeout=60)
            ok, detail = default_cache.get(PROBE_KEY) == value, ""
        except CACHE_ERRORS as error:
            ok, detail = False, type(error).__name__
    return "cache", ok, detail, False
