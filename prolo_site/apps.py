from django.apps import AppConfig


class ProloSiteConfig(AppConfig):
    """The clinic itself: its details, providers and the site's own pages."""

    name = "prolo_site"
    verbose_name = "Clinic"

    def ready(self):
        from prolo_site import checks, page_cache  # noqa: F401  (checks registers the deploy checks)
        from prolo_site.models import Clinic, Page, Provider

        # Every public page shows the clinic's details and footer pages.
        page_cache.register_content(Clinic, Provider, Page)
