"""Search across the published revisions of articles on the site: PostgreSQL full-text ranking, a word match on SQLite."""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

from articles.models import Article

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
MAX_RESULTS = 20


def clean_query(raw):
    """The query as words a reader typed: no control characters, bounded length."""
    without_controls = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(without_controls.split())[:MAX_QUERY_LENGTH]


def search_articles(query):
    articles = Article.objects.published().select_related("topic")
    if connection.vendor == "postgresql":
        return _postgres_search(articles, query)
    return _word_search(articles, query)


def _postgres_search(articles, query):
    vector = (
        SearchVector("published_revision__title", weight="A", config="english")
        + SearchVector("published_revision__summary", weight="B", config="english")
        + SearchVector("published_revision__body", weight="C", config="english")
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return list(
        articles.annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)  # every word must match (ts_rank alone is > 0 for some)
        .order_by("-rank", "position")[:MAX_RESULTS]
    )


def _word_search(articles, query):
    """Every word must appear; matches in the title, then the summary, rank higher."""
    terms = [term for term in re.findall(r"\w+", query.lower()) if len(term) > 1][:MAX_TERMS]
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= (
            Q(published_revision__title__icontains=term)
            | Q(published_revision__summary__icontains=term)
            | Q(published_revision__body__icontains=term)
        )
    matches = list(articles.filter(condition))

    def score(article):
        shown = article.published_revision
        title, summary, body = shown.title.lower(), shown.summary.lower(), shown.body.lower()
        return -sum(3 * (term in title) + 2 * (term in summary) + body.count(term) for term in terms)

    return sorted(matches, key=score)[:MAX_RESULTS]
