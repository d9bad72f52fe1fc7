"""A per-client limit on new appointment requests, counted in the database as it stores them.

settings.APPOINTMENTS_RATE_LIMIT is (requests, seconds), or None when switched off.
Each stored request keeps a hashed key of the client that sent it
(AppointmentRequest.client_key: an HMAC of the address with SECRET_KEY, never the
address); the limit counts that client's requests in the last `seconds`, inside
the transaction that stores the next one, with the client's lock held. So the
count is atomic on every database, nothing another client does can reset it, and
it needs no cache. Only submissions that would store a new request count: a
patient correcting mistakes, or sending the same form twice, is never locked out.
The client is the address the caller gives: the view passes prolo_site.client_ip
(REMOTE_ADDR, or the right-most X-Forwarded-For entry behind our proxy).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from appointments.models import AppointmentRequest
from appointments.prepared_query import ReusableQuery


def _newest_from_client(key, since, *, limit):
    return (
        AppointmentRequest.objects.filter(client_key=key, received_at__gt=since)
        .order_by("-received_at")
        .values_list("received_at")[:limit]
    )


_NEWEST_FROM_CLIENT = ReusableQuery(
    AppointmentRequest, _newest_from_client, fields=("client_key", "received_at")
)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # seconds until the client may send again


def client_key(client):
    """The key a client's requests are counted under ('' when nothing is counted: no
    client, or no limit). Keyed with SECRET_KEY, so the stored value cannot be turned
    back into an address by trying them all."""
    if client is None or not settings.APPOINTMENTS_RATE_LIMIT:
        return ""
    return salted_hmac("appointments.rate_limit.client", str(client), algorithm="sha256").hexdigest()


def _lock_client(key):
    """Serialise one client's submissions, so two at once cannot both count four and both
    be stored as the fifth. SQLite's IMMEDIATE transactions already serialise every
    writer; PostgreSQL takes a lock for this client only, until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])


def check_rate_limit(key, *, now=None):
    """Whether the client with `key` (client_key()) may send one more new request now.
    Must run inside the transaction that then stores that request with this key."""
    return prepare_rate_limit_check(key, now=now)()


def prepare_rate_limit_check(key, *, now=None):
    """check_rate_limit in two steps: the count's query is built now, before any lock,
    and the function returned runs it and decides, inside the transaction that then
    stores the request (the count stays atomic: only its SQL was written earlier)."""
    rate = settings.APPOINTMENTS_RATE_LIMIT
    if not rate or not key:
        return lambda: RateDecision(allowed=True)
    limit, period = rate
    now = now or timezone.now()
    # The newest `limit` requests in the window: fewer, and there is room for one more.
    recent = _NEWEST_FROM_CLIENT.prepare(key, now - timedelta(seconds=period), limit=limit)

    def decide():
        _lock_client(key)
        received = [received_at for (received_at,) in recent.rows()]
        if len(received) < limit:
            return RateDecision(allowed=True)
        # Room again once the oldest of them leaves the window.
        frees_at = received[-1] + timedelta(seconds=period)
        return RateDecision(allowed=False, retry_after=max(1, int((frees_at - now).total_seconds())))

    return decide
