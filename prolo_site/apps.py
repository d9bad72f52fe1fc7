from django.apps import AppConfig


class ProloSiteConfig(AppConfig):
    """The clinic itself: its details, providers and the site's own pages."""

    name = "prolo_site"
    verbose_name = "Clinic"

    def ready(self):
        from prolo_site import page_cache

        page_cache.connect_signals()
