from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    """The prolotherapy guide: articles, their sources, and search."""

    name = "articles"
    verbose_name = "Patient guide"
