"""The core's sitemap pieces: pages named by URL, and the staff-edited pages.

Each app defines its own Sitemap beside its URLs; prolo_site/urls.py puts them together.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from prolo_site.models import Page


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
