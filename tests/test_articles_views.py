"""The guide's pages as a reader and an editor see them."""

import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from articles.revisions import sign_off_revision
from tests.factories import (
    make_article,
    make_clinic,
    make_source,
    make_topic,
    publish_changes,
    put_live,
)

pytestmark = pytest.mark.django_db


def test_index_groups_published_articles_by_topic_with_summaries(client):
    basics = make_topic("The basics", 0)
    costs = make_topic("Practical matters", 3)
    make_article(slug="cost", title="What does it cost?", topic=costs, summary="About $150 a shot.")
    make_article(slug="what", title="What is it?", topic=basics)
    make_article(slug="secret", title="Secret draft", status=Article.Status.DRAFT, published_at=None)

    html = client.get("/articles/").content.decode()

    assert html.index("The basics") < html.index("What is it?") < html.index("Practical matters")
    assert html.index("Practical matters") < html.index("What does it cost?")
    assert "About $150 a shot." in html
    assert "Secret draft" not in html


def test_table_of_contents_links_match_the_headings(client):
    article = make_article(
        body="## What it is\n\nText [1].\n\n## Side effects & risks\n\nMore.\n\n### Detail\n\nx"
    )

    html = client.get(article.get_absolute_url()).content.decode()

    toc = html.split('class="toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors == ["what-it-is", "side-effects-risks"]
    for anchor in anchors:
        assert f'<h2 id="{anchor}">' in html


def test_sources_render_in_order_with_doi_links_and_citations_link_to_them(client):
    article = make_article(sources=3, body="## A\n\nFirst [1]. Then [2, 3].\n\n## B\n\nAgain [1].")

    html = client.get(article.get_absolute_url()).content.decode()

    sources = html.split('id="sources-heading"', 1)[1]
    positions = [sources.index(f'id="source-{n}"') for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert '<a href="https://doi.org/10.1000/test.2">doi:10.1000/test.2</a>' in sources
    assert 'href="#source-3"' in html.split('id="sources-heading"', 1)[0]


def test_only_citations_of_sources_the_article_has_become_links(client):
    article = make_article(
        sources=0, status=Article.Status.DRAFT, body="## A\n\nOne [1]. Two [2]. Three [3]."
    )
    make_source(article, position=1)
    make_source(article, position=3)
    put_live(article)

    body = client.get(article.get_absolute_url()).content.decode().split('id="sources-heading"', 1)[0]

    assert 'href="#source-1"' in body and 'href="#source-3"' in body
    assert 'href="#source-2"' not in body and "Two [2]." in body


def test_article_shows_summary_reading_time_disclaimer_call_to_action_and_phone(client):
    make_clinic()
    article = make_article()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "In short" in html and article.summary in html
    assert "1 minute read" in html
    assert "general information, not medical advice" in html
    assert 'href="/appointments/request/"' in html
    assert 'href="tel:+17575961900"' in html


def test_authorship_defaults_to_the_editorial_team_and_no_review_is_invented(client):
    make_clinic()
    article = make_article()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Written by the Orthopaedic &amp; Spine Center (OSC) editorial team" in html
    assert "Reviewed by" not in html


def test_a_sign_off_of_the_published_revision_is_shown_with_its_date(client, clinician):
    article = make_article()
    with time_machine.travel(timezone.datetime(2026, 10, 1, 15, tzinfo=timezone.get_current_timezone())):
        sign_off_revision(article.published_revision, user=clinician)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Reviewed by Alex Example, MD on" in html
    assert '<time datetime="2026-10-01">1 October 2026</time>' in html
    assert "Next review due" in html and "October 2027" in html


def test_after_an_unreviewed_change_the_page_says_updated_and_when_last_reviewed(client, clinician):
    article = make_article(published_at=timezone.now() - timezone.timedelta(days=40))
    with time_machine.travel(timezone.now() - timezone.timedelta(days=30)):
        sign_off_revision(article.published_revision, user=clinician)
    article.body += "\n\nA new paragraph the clinician has not seen [1]."
    article.save()
    publish_changes(article)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "A new paragraph the clinician has not seen" in html
    assert "Reviewed by" not in html and "Alex Example" not in html
    reviewed = (timezone.localdate() - timezone.timedelta(days=30)).strftime("%-d %B %Y")
    assert "Last clinically reviewed <time" in html and reviewed in html
    assert f'Updated <time datetime="{timezone.localdate():%Y-%m-%d}">' in html


def test_related_articles_prefer_the_same_topic(client):
    other_topic = make_topic("Practical matters", 3)
    article = make_article(slug="main")
    make_article(slug="sibling", title="Sibling article")
    make_article(slug="elsewhere", title="Elsewhere article", topic=other_topic)

    html = client.get(article.get_absolute_url()).content.decode()
    related = html.split('id="related-heading"', 1)[1]

    assert related.index("Sibling article") < related.index("Elsewhere article")


def test_drafts_are_hidden_from_the_public(client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_editors_preview_drafts_on_the_real_page_marked_noindex(editor_client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, title="Coming soon")

    response = editor_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Coming soon" in html and "Revision 1 is not published: only staff can see it." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_scheduled_article_appears_at_its_time(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        article = make_article(published_at=timezone.now() + timezone.timedelta(hours=2))

        assert client.get(article.get_absolute_url()).status_code == 404
        assert "What is prolotherapy?" not in client.get("/articles/").content.decode()
        traveller.shift(timezone.timedelta(hours=2))
        assert client.get(article.get_absolute_url()).status_code == 200
        assert "What is prolotherapy?" in client.get("/articles/").content.decode()


def test_article_page_makes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    make_clinic()
    article = make_article(sources=12)
    Article.objects.filter(pk=article.pk).update(legacy_reviewed_on=timezone.localdate())
    for number in range(8):
        make_article(slug=f"other-{number}", sources=2)

    # The same number however many sources and articles there are (one of them finds the
    # translation the language link leads to).
    with django_assert_max_num_queries(7):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert response.content.decode().count('id="source-') == 12


def test_home_page_features_the_guide(client):
    make_clinic()
    make_article(title="Featured one", slug="featured", is_featured=True)

    html = client.get("/").content.decode()

    assert "Featured one" in html
    assert 'href="/articles/featured/"' in html


def test_reading_articles_sets_no_cookie(client):
    article = make_article()

    for url in ("/", "/articles/", article.get_absolute_url(), "/search/?q=knee"):
        response = client.get(url)
        assert response.cookies == {}, url


def test_every_shipped_article_links_to_the_when_to_get_help_page_which_gives_the_911_advice(client):
    call_command("load_demo_content", verbosity=0, stdout=StringIO())
    articles = list(Article.objects.all())
    assert len(articles) >= 14  # eight in English, eight in Spanish
    help_url = {"en": "/about/when-to-get-help/", "es": "/es/informacion/cuando-pedir-ayuda/"}

    for article in articles:
        html = client.get(article.get_absolute_url()).content.decode()
        assert f'href="{help_url[article.language]}"' in html, article.slug
    assert client.get(help_url["es"]).status_code == 200

    help_page = client.get("/about/when-to-get-help/")
    assert help_page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", help_page.content.decode()).split())
    assert "Call 911 straight away if you have signs of a severe allergic reaction" in text
    assert "trouble breathing" in text
    assert "(757) 596-1900" in text  # the demo clinic's phone fills in {{ clinic_phone }}
