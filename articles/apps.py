from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    """The prolotherapy guide: articles, their sources, and search."""

    name = "articles"
    verbose_name = "Patient guide"

    def ready(self):
        from articles.models import Article, ArticleRevision, ArticleSignOff, Source, Topic
        from prolo_site import page_cache

        # The guide, home and related lists show articles: a save drops every cached page
        # (a sign-off changes an article's review line), and a scheduled revision's time
        # ends the pages cached before it.
        page_cache.register_content(
            Article,
            ArticleRevision,
            ArticleSignOff,
            Source,
            Topic,
            next_change=Article.objects.next_publication_after,
        )
