"""The guide's entries in sitemap.xml: each published article with its last change. Drafts never."""

from articles.models import Article
from prolo_site.sitemaps import Sitemap


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().order_by("pk")

    def lastmod(self, article):
        return article.live_since
