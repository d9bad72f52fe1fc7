"""The core's sitemap pieces: the base every sitemap here uses, pages named by URL, staff pages.

Each app defines its own Sitemap beside its URLs; prolo_site/urls.py puts them together.
Every entry lists its versions in each language (hreflang alternates, x-default English).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import Prefetch
from django.urls import reverse

from prolo_site.languages import Language, current_language
from prolo_site.models import Page


class Sitemap(DjangoSitemap):
    """Addresses from DJANGO_SITE_URL, the site's public address, never from the request's
    Host header (which a client chooses, and which is a backend's name behind a proxy).

    One entry per page and language, each listing the others (Django's i18n sitemaps)."""

    i18n = True
    alternates = True
    x_default = True

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


class TranslatedSitemap(Sitemap):
    """Content with a row per language: items() are the English originals, each with its
    published translations prefetched as `published_translations`."""

    def published_translations(self, queryset):
        return Prefetch("translations", queryset=queryset, to_attr="published_translations")

    def get_languages_for_item(self, original):
        return [Language.ENGLISH, *(row.language for row in original.published_translations)]

    def version(self, original):
        """The row for the language being listed (Django's sitemap sets it for each entry)."""
        language = current_language()
        return next((row for row in original.published_translations if row.language == language), original)

    def location(self, original):
        return self.version(original).get_absolute_url()

    def lastmod(self, original):
        return max(row.updated_at for row in [original, *original.published_translations])


class PageSitemap(TranslatedSitemap):
    def items(self):
        published = Page.objects.published()
        return (
            published.filter(language=Language.ENGLISH)
            .prefetch_related(self.published_translations(published))
            .order_by("pk")
        )
