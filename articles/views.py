"""The guide's pages: the index by topic, an article, and search."""

from itertools import groupby

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from articles.models import Article
from articles.rendering import render_article_body
from articles.revisions import publish_due_revisions
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
    """An article's published revision; staff may also preview any revision here (``?revision=n``)."""
    publish_due_revisions()
    try:
        article = (
            Article.objects.in_language()
            .select_related(
                "topic",
                "published_revision",
                "redirect_to",
                "last_sign_off",
                "translation_of__published_revision",
            )
            .get(slug=slug)
        )
    except Article.DoesNotExist:
        raise Http404("No such article") from None
    can_preview = _can_preview(request.user)
    wanted = request.GET.get("revision", "")
    if can_preview and wanted:
        if not wanted.isdigit():
            raise Http404("No such revision")
        revision = article.revisions.filter(number=int(wanted)).first()
        if revision is None:
            raise Http404("No such revision")
    elif article.is_public:
        revision = article.published_revision
    elif article.status == Article.Status.UNPUBLISHED and not can_preview:
        return _gone(request, article)
    elif can_preview and (article.scheduled_revision_id or article.latest_revision_id):
        revision = article.scheduled_revision or article.latest_revision
    else:
        raise Http404("No such article")
    return render_revision(request, article, revision)


def render_revision(request, article, revision):
    """The article's real page showing ``revision``: the published one, or a staff-only preview."""
    is_preview = not (article.is_public and revision.pk == article.published_revision_id)
    sources = revision.source_list()
    body = render_article_body(revision, [source.position for source in sources])
    sign_off = article.sign_off_of(revision)
    updated_on = None
    if not is_preview and article.live_since and article.published_at:
        updated_on = timezone.localdate(article.live_since)
        if updated_on == timezone.localdate(article.published_at):
            updated_on = None  # the first text: "Published" says it
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "content": revision,
            "sign_off": sign_off,
            "updated_on": updated_on,
            "last_reviewed_on": None if sign_off else article.last_clinical_review_date(),
            "sources": sources,
            "body": body.html,
            "headings": [heading for heading in body.headings if heading.level == 2],
            "related_articles": _related_articles(article),
            "is_preview": is_preview,
            "translation": _translation_for_link(article),
            "translation_fallback": "articles:index",
            "structured_data": article_structured_data(
                article, revision, sources, sign_off, Clinic.for_request(request)
            ),
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
        Article.objects.on_site()  # the view has already put live what was due
        .select_related(None)
        .in_language(other_language(article.language))
        .filter(translation_of=article)
        .only("slug", "language")
        .first()
    )


def _gone(request, article):
    if article.redirect_to is not None and article.redirect_to.is_public:
        return redirect(article.redirect_to.get_absolute_url(), permanent=True)
    return render(request, "articles/article_gone.html", {"article": article}, status=410)


def _related_articles(article):
    """Others from the same topic first, then the rest of the guide in its order (one query)."""
    others = (
        Article.objects.on_site()
        .in_language(article.language)
        .exclude(pk=article.pk)
        .only("slug", "topic_id", "language", "published_revision__title", "published_revision__summary")
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
