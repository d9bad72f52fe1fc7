"""sitemap.xml: the public pages, with each article's last change. Drafts never."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article
from prolo_site.models import Page


class StaticViewSitemap(Sitemap):
    def items(self):
        return ["home", "articles:index", "appointments:request"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().order_by("pk")

    def lastmod(self, article):
        return article.updated_at


class PageSitemap(Sitemap):
    def items(self):
        return Page.objects.published().order_by("pk")

    def lastmod(self, page):
        return page.updated_at


SITEMAPS = {"static": StaticViewSitemap, "articles": ArticleSitemap, "pages": PageSitemap}
