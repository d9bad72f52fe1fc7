"""Public pages are rendered once and served from the cache, never stale after an
editor's save, never to a reader with a session, and never for the form."""

import gzip
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from articles.models import ArticleRevision
from articles.revisions import unpublish_article
from prolo_site import page_cache
from prolo_site.models import Clinic, Page, Provider
from tests.factories import make_article, make_clinic, make_page, make_provider, publish_changes

# Real commits: the cache moves on when an editor's change is committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def page_cache_seconds(settings):
    """On here, as in production (the rest of the suite runs without it; see conftest.py)."""
    settings.PAGE_CACHE_SECONDS = 600


def fresh_reader():
    return Client()


def test_a_second_reader_gets_the_article_without_touching_the_database(django_assert_num_queries):
    make_clinic()
    article = make_article()
    first = fresh_reader().get(article.get_absolute_url())

    with django_assert_num_queries(0):
        second = fresh_reader().get(article.get_absolute_url())

    assert second.status_code == 200
    assert second.content == first.content
    assert "What is prolotherapy?" in second.content.decode()
    assert "Set-Cookie" not in second.headers


@pytest.mark.parametrize("path", ["/", "/articles/", "/about/privacy/"])
def test_every_public_page_is_kept(path, django_assert_num_queries):
    make_clinic()
    make_article()
    make_page()
    assert fresh_reader().get(path).status_code == 200

    with django_assert_num_queries(0):
        assert fresh_reader().get(path).status_code == 200


def test_an_editors_save_shows_on_the_next_visit():
    make_clinic()
    article = make_article()
    reader = fresh_reader()
    assert "What is prolotherapy?" in reader.get(article.get_absolute_url()).content.decode()
    assert "What is prolotherapy?" in reader.get("/articles/").content.decode()

    article.title = "Prolotherapy, explained"
    article.save()  # as the admin's change form does, then commits
    assert "Prolotherapy, explained" not in reader.get(article.get_absolute_url()).content.decode()  # a draft
    publish_changes(article)  # the editor publishes the new revision

    assert "Prolotherapy, explained" in reader.get(article.get_absolute_url()).content.decode()
    assert "Prolotherapy, explained" in reader.get("/articles/").content.decode()


def test_a_change_to_the_clinic_phone_reaches_every_cached_page():
    make_clinic(phone="(757) 596-1900")
    article = make_article()
    assert "596-1900" in fresh_reader().get(article.get_absolute_url()).content.decode()

    clinic = Clinic.objects.get()
    clinic.phone = "(757) 555-0142"
    clinic.save()

    html = fresh_reader().get(article.get_absolute_url()).content.decode()
    assert "555-0142" in html and "596-1900" not in html


def rename_topic(article):
    article.topic.name = "Getting started"
    article.topic.save()
    return "/articles/", "Getting started"


def change_source(article):
    source = article.sources.get()
    source.citation = "Rabago D. A newer study of dextrose. 2020."
    source.save()
    publish_changes(article)
    return article.get_absolute_url(), "A newer study of dextrose"


def rename_provider(article):
    provider = Provider.objects.get()
    provider.name = "Sam Newname"
    provider.save()
    return "/", "Sam Newname"


def retitle_page(article):
    page = Page.objects.get()
    page.title = "Privacy notice, updated"
    page.save()
    return article.get_absolute_url(), "Privacy notice, updated"  # in every page's footer


@pytest.mark.parametrize("change", [rename_topic, change_source, rename_provider, retitle_page])
def test_a_save_of_any_content_a_page_shows_reaches_the_cached_page(change):
    make_clinic()
    make_provider()
    make_page(show_in_footer=True)
    article = make_article()
    for path in ("/", "/articles/", article.get_absolute_url()):
        fresh_reader().get(path)

    path, expected = change(article)

    assert expected in fresh_reader().get(path).content.decode()


def test_no_page_is_kept_past_the_time_a_scheduled_article_goes_live():
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        make_article(slug="live", published_at=now - timedelta(days=1))
        make_article(slug="later", published_at=now + timedelta(hours=2))
        make_article(slug="soon", published_at=now + timedelta(minutes=5))
        make_article(slug="draft", status="draft", published_at=now + timedelta(minutes=1))

    assert page_cache.seconds_until_next_change(now) == 300
    assert page_cache.seconds_until_next_change(now + timedelta(hours=3)) is None


def test_an_article_taken_down_disappears_at_once():
    make_clinic()
    article = make_article()
    assert fresh_reader().get(article.get_absolute_url()).status_code == 200

    unpublish_article(article)

    assert fresh_reader().get(article.get_absolute_url()).status_code == 410
    assert "What is prolotherapy?" not in fresh_reader().get("/articles/").content.decode()


def test_a_missing_article_is_not_kept_as_missing():
    make_clinic()
    article = make_article(status="draft", published_at=None)
    assert fresh_reader().get(article.get_absolute_url()).status_code == 404

    publish_changes(article)

    assert fresh_reader().get(article.get_absolute_url()).status_code == 200


def test_staff_with_a_session_always_get_a_fresh_page(django_user_model):
    make_clinic()
    article = make_article()
    fresh_reader().get(article.get_absolute_url())
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", password="a-long-password-1"))

    # Changed behind the cache's back (no signal): only a fresh render can show it.
    ArticleRevision.objects.filter(pk=article.published_revision_id).update(title="Changed quietly")

    assert "Changed quietly" in staff.get(article.get_absolute_url()).content.decode()
    assert "Changed quietly" not in fresh_reader().get(article.get_absolute_url()).content.decode()


def test_the_request_form_is_never_served_from_the_cache():
    make_clinic()
    for _ in range(2):
        response = fresh_reader().get("/appointments/request/")
        # Each patient gets their own CSRF cookie and a no-store page.
        assert "csrftoken" in response.cookies
        assert "no-store" in response.headers["Cache-Control"]


def test_a_cached_article_answers_a_conditional_get_with_304():
    make_clinic()
    article = make_article()
    url = article.get_absolute_url()
    etag = fresh_reader().get(url).headers["ETag"]
    assert fresh_reader().get(url).headers["ETag"] == etag  # served from the cache, same validator

    not_modified = fresh_reader().get(url, headers={"if-none-match": etag})

    assert not_modified.status_code == 304
    assert not_modified.content == b""
    article.title = "A new title"
    article.save()
    publish_changes(article)
    assert fresh_reader().get(url, headers={"if-none-match": etag}).status_code == 200


def test_a_browser_gets_the_same_compressed_page_and_304s_from_the_cache():
    make_clinic()
    article = make_article()
    url = article.get_absolute_url()
    browser = {"accept-encoding": "gzip, deflate, br"}
    rendered = fresh_reader().get(url, headers=browser)  # compressed on the way out
    from_cache = fresh_reader().get(url, headers=browser)

    assert rendered.headers["Content-Encoding"] == from_cache.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(from_cache.content) == gzip.decompress(rendered.content)
    assert int(from_cache.headers["Content-Length"]) == len(from_cache.content)
    assert "Accept-Encoding" in from_cache.headers["Vary"]
    assert from_cache.headers["ETag"] == rendered.headers["ETag"]
    revisit = fresh_reader().get(url, headers={**browser, "if-none-match": rendered.headers["ETag"]})
    assert revisit.status_code == 304


def test_cached_pages_still_carry_the_security_headers_and_compression():
    make_clinic()
    article = make_article()
    fresh_reader().get(article.get_absolute_url())

    response = fresh_reader().get(article.get_absolute_url(), headers={"accept-encoding": "gzip"})

    assert response.headers["Content-Encoding"] == "gzip"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_page_cache_can_be_switched_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_clinic()
    article = make_article()
    fresh_reader().get(article.get_absolute_url())
    ArticleRevision.objects.filter(pk=article.published_revision_id).update(title="Changed quietly")

    assert "Changed quietly" in fresh_reader().get(article.get_absolute_url()).content.decode()


def test_a_hosts_port_chosen_by_the_client_makes_no_new_entry(django_assert_num_queries):
    """Keys come from DJANGO_SITE_URL: varying the Host header's port cannot fill the
    cache with copies of one page (and push everything else out)."""
    make_clinic()
    article = make_article()
    assert fresh_reader().get(article.get_absolute_url(), HTTP_HOST="testserver:1000").status_code == 200

    for port in range(1001, 1021):
        with django_assert_num_queries(0):
            response = fresh_reader().get(article.get_absolute_url(), HTTP_HOST=f"testserver:{port}")
        assert response.status_code == 200


def test_a_host_the_site_does_not_serve_gets_400_even_for_a_cached_page():
    make_clinic()
    article = make_article()
    assert fresh_reader().get(article.get_absolute_url()).status_code == 200

    assert fresh_reader().get(article.get_absolute_url(), HTTP_HOST="attacker.example").status_code == 400
