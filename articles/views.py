"""The guide's pages: the index by topic, an article, and search."""

from itertools import groupby

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from articles.models import Article
from articles.rendering import render_article_body
from articles.search import clean_query, search_articles
from articles.structured_data import article_structured_data
from prolo_site.languages import other_language
from prolo_site.models import Clinic
from prolo_site.page_cache import public_page

RELATED_ARTICLE_COUNT = 3


def _can_preview(user):
    return user.is_authenticated and user.is_staff and user.has_perm("articles.view_article")


@require_safe
@public_page
def article_index(request):
    articles = Article.objects.published().in_language().select_related("topic")
    topics = [(topic, list(items)) for topic, items in groupby(articles, key=lambda article: article.topic)]
    return render(request, "articles/article_index.html", {"topics": topics})


@require_safe
@public_page
def article_detail(request, slug):
    """A published article; editors may also preview drafts and scheduled articles here."""
    try:
        article = (
            Article.objects.in_language().select_related("topic", "reviewer", "translation_of").get(slug=slug)
        )
    except Article.DoesNotExist:
        raise Http404("No such article") from None
    is_preview = not article.is_public
    if is_preview and not _can_preview(request.user):
        raise Http404("No such article")

    sources = list(article.sources.all())
    body = render_article_body(article, [source.position for source in sources])
    related = _related_articles(article)
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "sources": sources,
            "body": body.html,
            "headings": [heading for heading in body.headings if heading.level == 2],
            "related_articles": related,
            "is_preview": is_preview,
            "translation": _translation_for_link(article),
            "translation_fallback": "articles:index",
            "structured_data": article_structured_data(article, sources, Clinic.for_request(request)),
        },
    )
    if is_preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
    return response


def _translation_for_link(article):
    """The same article in the other language, if published (one query): the language link
    and the hreflang alternates lead there. A translation's original is already loaded."""
    if article.translation_of_id:
        original = article.translation_of
        return original if original.is_public else None
    return (
        Article.objects.published()
        .in_language(other_language(article.language))
        .filter(translation_of=article)
        .only("slug", "language")
        .first()
    )


def _related_articles(article):
    """Others from the same topic first, then the rest of the guide in its order (one query)."""
    others = (
        Article.objects.published()
        .in_language(article.language)
        .exclude(pk=article.pk)
        .only("title", "slug", "summary", "topic_id", "language")
    )
    same_topic_first = sorted(others, key=lambda other: other.topic_id != article.topic_id)
    return same_topic_first[:RELATED_ARTICLE_COUNT]


@require_safe
def search(request):
    raw_query = request.GET.get("q", "")
    query = clean_query(raw_query)
    results = search_articles(query) if query else []
    suggestions = (
        [] if results else list(Article.objects.published().in_language().filter(is_featured=True)[:4])
    )
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "search_title": gettext("Search results for “%(query)s”") % {"query": query},
            "was_searched": "q" in request.GET,
            "results": results,
            "suggestions": suggestions,
        },
    )
