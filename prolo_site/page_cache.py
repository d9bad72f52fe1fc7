"""Whole-page caching for what every reader sees alike.

A view decorated with @public_page (home, the guide, articles, about pages) is
rendered once and then served from the cache to readers who carry no session
and no pending messages: nothing on those pages depends on who is asking. A
reader with a session (staff previewing drafts, a patient who has just sent the
form) always gets a fresh page, and so does any query string.

Every save or delete of content changes the cache's content version once the
change is committed, so the next reader gets the new page; entries also expire
after settings.PAGE_CACHE_SECONDS, or sooner when a scheduled change (an article
due to be published) goes live. Only 200 responses that set no cookie and are
not marked private are kept. Each language's page is kept under its own key.

This module knows no app: each app registers its content models and its
scheduled changes from its AppConfig.ready() with register_content().
"""

import gzip
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers, set_response_etag

VERSION_KEY = "page-cache:version"

# Filled in by register_content() from the apps' ready(); read by the middleware.
content_models = []
next_change_callbacks = []


def public_page(view):
    """Mark a view whose page is the same for every reader without a session."""
    view.public_page = True
    return view


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def content_changed(**kwargs):
    """Start a new content version once the change is committed (before that,
    other readers still see the old content and could cache it again)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def register_content(*models, next_change=None):
    """Called from an app's AppConfig.ready(): a save or delete of any of `models`
    drops every cached page; `next_change(now)`, if given, returns when the app's
    next scheduled change goes live (an aware datetime after `now`, or None), so
    no page is kept past it."""
    for model in models:
        if model in content_models:
            continue
        content_models.append(model)
        label = model._meta.label
        post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-save-{label}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"page-cache-delete-{label}")
    if next_change is not None and next_change not in next_change_callbacks:
        next_change_callbacks.append(next_change)


def seconds_until_next_change(now):
    """Seconds from `now` until the soonest registered scheduled change, or None."""
    upcoming = [when for when in (callback(now) for callback in next_change_callbacks) if when is not None]
    return (min(upcoming) - now).total_seconds() if upcoming else None


class PageCacheMiddleware:
    """Serve and keep @public_page responses; see the module docstring.

    Each entry holds the page as rendered and gzipped once (GZipMiddleware would
    otherwise compress it again on every hit), with an ETag from the page itself,
    so both forms answer a conditional GET with 304.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            return self._from_cache(request, cached)
        response = self.get_response(request)
        if request.method == "GET" and self._may_keep(response):
            timeout = settings.PAGE_CACHE_SECONDS
            until_change = seconds_until_next_change(timezone.now())
            if until_change is not None:
                timeout = min(timeout, until_change)  # expiring early is harmless
            if timeout >= 1:
                cache.set(key, self._entry(response), timeout)
        return response

    @staticmethod
    def _entry(response):
        if not response.has_header("ETag"):
            set_response_etag(response)
        headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
        return {
            "content": response.content,
            "gzipped": gzip.compress(response.content, mtime=0),
            "headers": headers,
        }

    @staticmethod
    def _from_cache(request, entry):
        if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
            response = HttpResponse(entry["gzipped"], headers=entry["headers"])
            response["Content-Encoding"] = "gzip"
            response["ETag"] = f"W/{entry['headers']['ETag'].removeprefix('W/')}"
            patch_vary_headers(response, ["Accept-Encoding"])
        else:
            response = HttpResponse(entry["content"], headers=entry["headers"])
        response["Content-Length"] = len(response.content)
        return response

    def _key(self, request):
        if (
            not settings.PAGE_CACHE_SECONDS
            or request.method not in ("GET", "HEAD")
            or request.META.get("QUERY_STRING")
        ):
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
            return None
        try:
            if not getattr(resolve(request.path_info).func, "public_page", False):
                return None  # the form, search, the admin...: never read from the cache
        except Resolver404:
            return None
        try:
            request.get_host()
        except DisallowedHost:
            return None  # Django answers it with a 400 below
        # The site's own address, never the request's Host: a client chooses that freely
        # (any port, say), and each new value would make a new entry, pushing out others.
        # The language (set from the address by prolo_site.middleware, above) is in the key
        # too, so no page is ever served in the other language's words.
        language = translation.get_language()
        return f"page-cache:{content_version()}:{language}:{settings.SITE_URL}{request.path}"

    @staticmethod
    def _may_keep(response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )
