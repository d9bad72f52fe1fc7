from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    """The prolotherapy guide: articles, their sources, and search."""

    name = "articles"
    verbose_name = "Patient guide"

    def ready(self):
        from articles.models import Article, Source, Topic
        from prolo_site import page_cache

        # The guide, home and related lists show articles: a save drops every cached page,
        # and a scheduled article's time ends the pages cached before it.
        page_cache.register_content(
            Article, Source, Topic, next_change=Article.objects.next_publication_after
        )
