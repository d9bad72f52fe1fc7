"""A per-client limit on new appointment requests, counted in Django's cache.

settings.APPOINTMENTS_RATE_LIMIT is (requests, seconds), or None when switched off.
Only submissions that would store a new request count: a patient correcting
mistakes, or sending the same form twice, is never locked out. The client is
the key the caller gives: the view passes prolo_site.client_ip (REMOTE_ADDR, or
the right-most X-Forwarded-For entry behind our proxy).
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # seconds until the client may send again


def record_submission(client, *, now=None):
    """Count one new request from `client` (its address); allowed while within the limit."""
    rate = settings.APPOINTMENTS_RATE_LIMIT
    if not rate:
        return RateDecision(allowed=True)
    limit, period = rate
    now = time.time() if now is None else now
    window = int(now // period)
    # Hashed: the cache holds no IP addresses.
    client_key = hashlib.sha256(f"{client}|{window}".encode()).hexdigest()[:32]
    key = f"appointments:rate:{period}:{client_key}"
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        count = 1
    retry_after = max(1, int((window + 1) * period - now))
    return RateDecision(allowed=count <= limit, retry_after=retry_after)
