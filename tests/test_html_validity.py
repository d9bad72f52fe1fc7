"""Every public page is valid HTML according to the Nu HTML Checker (vnu.jar)."""

import io

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.vnu import html_errors, vnu_or_skip

pytestmark = pytest.mark.django_db


def public_pages(client):
    """(name, html) for every public page and state a patient can reach."""
    pages = {
        "home": "/",
        "guide": "/articles/",
        "search-empty": "/search/",
        "search-results": "/search/?q=knee",
        "search-no-results": "/search/?q=zebra",
        "not-found": "/no-such-page/",
        "privacy": "/about/privacy/",
        "accessibility": "/about/accessibility/",
        "editorial-policy": "/about/editorial-policy/",
        "when-to-get-help": "/about/when-to-get-help/",
    }
    for article in Article.objects.published():
        pages[f"article-{article.slug}"] = article.get_absolute_url()
    for name, url in pages.items():
        yield name, client.get(url).content


def test_public_pages_have_no_html_errors(client, tmp_path):
    vnu_or_skip()
    call_command("load_demo_content", stdout=io.StringIO())
    pages = dict(public_pages(client))

    errors = html_errors(pages, tmp_path)

    assert len(pages) >= 17
    assert not errors, f"The Nu HTML Checker found errors:\n{errors}"
