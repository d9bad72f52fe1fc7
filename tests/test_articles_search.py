"""Search across published articles, on SQLite and PostgreSQL alike."""

import pytest

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide():
    return {
        "knee": make_article(
            slug="knee",
            title="Prolotherapy for knee pain",
            summary="What studies of knee osteoarthritis found.",
            body="## Knees\n\nPeople said their knees hurt less [1].\n\n## More\n\nx",
            is_featured=True,
        ),
        "cost": make_article(
            slug="cost",
            title="What does it cost?",
            summary="Insurance does not cover it.",
            body="## Paying\n\nAn HSA may help, and the knee is not mentioned much [1].\n\n## More\n\nx",
        ),
        "draft": make_article(
            slug="draft-knee",
            title="Knee draft",
            summary="A knee draft.",
            status=Article.Status.DRAFT,
            published_at=None,
        ),
    }


def test_search_finds_articles_and_ranks_the_best_match_first(client, guide):
    response = client.get("/search/", {"q": "knee"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 articles found for “knee”" in html
    assert html.index("Prolotherapy for knee pain") < html.index("What does it cost?")
    assert "Knee draft" not in html


def test_every_word_must_match(client, guide):
    html = client.get("/search/", {"q": "insurance knee"}).content.decode()

    assert "1 article found" in html
    assert "What does it cost?" in html


def test_no_results_gets_a_helpful_page(client, guide):
    html = client.get("/search/", {"q": "zebra"}).content.decode()

    assert "No articles found for “zebra”" in html
    assert "browse the whole guide" in html
    assert "Popular articles" in html


def test_empty_query_gets_a_prompt_not_an_error(client, guide):
    response = client.get("/search/", {"q": "   "})

    assert response.status_code == 200
    assert "Please type a word to search for" in response.content.decode()


@pytest.mark.parametrize(
    "junk",
    [
        "\x00knee\x00",
        "knee" * 5000,
        "'; DROP TABLE articles_article; --",
        "<script>alert(1)</script>",
        "💉🦵 ＫＮＥＥ",
        "!!! ??? ***",
        "a & b | !c <-> d:*",
        "\u202eeenk",
    ],
)
def test_junk_queries_never_error_and_are_shown_escaped(client, guide, junk):
    response = client.get("/search/", {"q": junk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "\x00" not in html
    assert Article.objects.count() == 3


def test_search_page_is_not_indexed_once_searched(client, guide):
    html = client.get("/search/", {"q": "knee"}).content.decode()

    assert '<meta name="robots" content="noindex">' in html
