"""The address a request came from, for rate limits and the login lockout."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR; behind our proxy (DJANGO_BEHIND_PROXY), the right-most
    X-Forwarded-For entry: the one our proxy added, which a client cannot forge."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")
