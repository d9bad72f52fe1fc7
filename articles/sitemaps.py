"""The guide's entries in sitemap.xml: each published article in each language it is published in,
with its last change. Drafts never."""

from articles.models import Article
from prolo_site.languages import Language
from prolo_site.sitemaps import TranslatedSitemap


class ArticleSitemap(TranslatedSitemap):
    def items(self):
        published = Article.objects.published()
        return (
            published.filter(language=Language.ENGLISH)
            .prefetch_related(self.published_translations(published))
            .order_by("pk")
        )

    def lastmod(self, original):
        """When the newest published revision of any of its languages went live."""
        return max(row.live_since or row.updated_at for row in [original, *original.published_translations])
