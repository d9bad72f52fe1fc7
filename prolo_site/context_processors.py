"""What every page needs: the clinic's details, the footer's pages and its canonical address."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from prolo_site.models import Clinic, Page


def clinic(request):
    return {
        # Without the query string: /search/?q=knee is the same page as /search/.
        "canonical_url": f"{settings.SITE_URL}{request.path}",
        "clinic": SimpleLazyObject(lambda: Clinic.for_request(request)),
        "footer_pages": SimpleLazyObject(
            lambda: list(
                Page.objects.published()
                .in_language()
                .filter(show_in_footer=True)
                .only("title", "slug", "language")
            )
        ),
    }
