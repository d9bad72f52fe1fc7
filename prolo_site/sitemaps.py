"""The core's sitemap pieces: the base every sitemap here uses, pages named by URL, staff pages.

Each app defines its own Sitemap beside its URLs; prolo_site/urls.py puts them together.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.urls import reverse

from prolo_site.models import Page


class Sitemap(DjangoSitemap):
    """Addresses from DJANGO_SITE_URL, the site's public address, never from the request's
    Host header (which a client chooses, and which is a backend's name behind a proxy)."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ViewSitemap(Sitemap):
    """Pages with no model behind them, named by URL name (e.g. "home")."""

    def __init__(self, *url_names):
        self.url_names = list(url_names)

    def items(self):
        return self.url_names

    def location(self, item):
        return reverse(item)


class PageSitemap(Sitemap):
    def items(self):
        return Page.objects.published().order_by("pk")

    def lastmod(self, page):
        return page.updated_at
