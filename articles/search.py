"""Search across the published revisions of articles in the reader's language: PostgreSQL
full-text ranking (its `english` or `spanish` configuration), a word match on SQLite (accents
ignored in Spanish)."""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

from articles.models import Article
from prolo_site.languages import Language, current_language

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
MAX_RESULTS = 20
# PostgreSQL's text search configuration for each language (stemming, stop words).
SEARCH_CONFIGS = {Language.ENGLISH: "english", Language.SPANISH: "spanish"}


def clean_query(raw):
    """The query as words a reader typed: no control characters, bounded length."""
    without_controls = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(without_controls.split())[:MAX_QUERY_LENGTH]


def search_articles(query):
    language = current_language()
    articles = Article.objects.published().in_language(language).select_related("topic")
    if connection.vendor == "postgresql":
        return _postgres_search(articles, query, config=SEARCH_CONFIGS[language])
    if language == Language.SPANISH:
        return _folded_word_search(articles, query)
    return _word_search(articles, query)


def _postgres_search(articles, query, *, config):
    vector = (
        SearchVector("published_revision__title", weight="A", config=config)
        + SearchVector("published_revision__summary", weight="B", config=config)
        + SearchVector("published_revision__body", weight="C", config=config)
    )
    search_query = SearchQuery(query, search_type="websearch", config=config)
    return list(
        articles.annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)  # every word must match (ts_rank alone is > 0 for some)
        .order_by("-rank", "position")[:MAX_RESULTS]
    )


def _terms(query, fold=str.lower):
    return [term for term in re.findall(r"\w+", fold(query)) if len(term) > 1][:MAX_TERMS]


def _ranked(matches, terms, fold=str.lower):
    """Matches in the title, then the summary, rank higher."""

    def score(article):
        shown = article.published_revision
        title, summary, body = fold(shown.title), fold(shown.summary), fold(shown.body)
        return -sum(3 * (term in title) + 2 * (term in summary) + body.count(term) for term in terms)

    return sorted(matches, key=score)[:MAX_RESULTS]


def _word_search(articles, query):
    """Every word must appear."""
    terms = _terms(query)
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= (
            Q(published_revision__title__icontains=term)
            | Q(published_revision__summary__icontains=term)
            | Q(published_revision__body__icontains=term)
        )
    return _ranked(list(articles.filter(condition)), terms)


def without_accents(text):
    """'Inyección' -> 'inyeccion': Spanish readers often type without accents (or with wrong ones)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _shown_text(revision):
    return f"{revision.title} {revision.summary} {revision.body}"


def _folded_word_search(articles, query):
    """Every word must appear, accents and case ignored. SQLite's LIKE cannot ignore
    accents, so the (few) articles of the language are compared here."""
    terms = _terms(query, without_accents)
    if not terms:
        return []
    matches = [
        article
        for article in articles
        if all(term in without_accents(_shown_text(article.published_revision)) for term in terms)
    ]
    return _ranked(matches, terms, without_accents)
