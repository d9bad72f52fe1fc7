"""Which peers may speak for the client (DJANGO_TRUSTED_PROXIES), and the client's address.

The rate limit, the admin lockout (AXES_CLIENT_IP_CALLABLE) and HTTPS detection
(ForwardedHeadersMiddleware) all ask this module, so a header that one of them
believes is believed by all, and only when it came from our own proxy.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

# Headers only a proxy should set; from anyone else they are the client's invention.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_PROTOCOL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address):
    return address is not None and any(
        address in network for network in _networks(tuple(settings.TRUSTED_PROXIES))
    )


def from_trusted_proxy(request):
    """Whether the peer that connected to us is one of DJANGO_TRUSTED_PROXIES."""
    return _is_trusted(_address(request.META.get("REMOTE_ADDR", "")))


def client_ip(request):
    """REMOTE_ADDR; when that is a trusted proxy, the right-most X-Forwarded-For entry
    that is not itself a trusted proxy. Entries left of it were written by the client
    and are never reached, so nobody can pick their own address."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break  # a proxy never writes garbage: stop at the proxy we know
        if not _is_trusted(address):
            return str(address)
    return remote


class ForwardedHeadersMiddleware:
    """Drops forwarded headers from any peer that is not a trusted proxy, before anything
    reads them. Django believes SECURE_PROXY_SSL_HEADER from everyone; after this, only
    X-Forwarded-Proto from our proxy can make request.is_secure() true."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
