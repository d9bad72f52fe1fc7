"""The site-wide pages: home (which puts the apps together), staff-edited pages, the health check.

Part of the project's wiring, like urls.py: it may import the apps, so no app imports it.
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles.models import Article
from prolo_site.cache import cache_health
from prolo_site.languages import Language, other_language
from prolo_site.markdown import render_markdown
from prolo_site.models import Clinic, Page, Provider
from prolo_site.page_cache import public_page
from prolo_site.structured_data import clinic_structured_data
from prolo_site.task_queue import task_queue_health

HOME_ARTICLE_COUNT = 4


@require_safe
@public_page
def home(request):
    published = (
        Article.objects.published()
        .in_language()
        .only("slug", "language", "published_revision__title", "published_revision__summary")
    )
    featured = list(published.filter(is_featured=True)[:HOME_ARTICLE_COUNT]) or list(
        published[:HOME_ARTICLE_COUNT]
    )
    providers = list(Provider.objects.active())
    clinic = Clinic.for_request(request)
    return render(
        request,
        "prolo_site/home.html",
        {
            "featured_articles": featured,
            "providers": providers,
            "home_description": gettext(
                "What prolotherapy (dextrose injection therapy) is, what the evidence says, "
                "and how to ask %(clinic)s for an appointment."
            )
            % {"clinic": clinic.name if clinic else gettext("the clinic")},
            "structured_data": clinic_structured_data(clinic, providers) if clinic else None,
        },
    )


@require_safe
@public_page
def page_detail(request, slug):
    page = get_object_or_404(
        Page.objects.published().in_language().select_related("translation_of"), slug=slug
    )
    clinic = Clinic.for_request(request)
    body = page.body_with_facts(
        clinic_phone=clinic.phone if clinic else "",
        clinic_email=clinic.email if clinic else "",
        retention_days=settings.APPOINTMENTS_RETENTION_DAYS,
        open_retention_days=settings.APPOINTMENTS_OPEN_RETENTION_DAYS,
    )
    context = {"page": page, "body": render_markdown(body).html, "translation": _page_translation(page)}
    return render(request, "prolo_site/page_detail.html", context)


def _page_translation(page):
    """The same page in the other language, if published (at most one query)."""
    if page.translation_of_id:
        return page.translation_of if page.translation_of.is_published else None
    if page.language != Language.ENGLISH:
        return None
    return (
        Page.objects.published()
        .in_language(other_language(page.language))
        .filter(translation_of=page)
        .only("slug", "language")
        .first()
    )


@require_safe
def robots_txt(request):
    return render(
        request,
        "robots.txt",
        # Not the admin's path: robots.txt is public, and the admin's pages say noindex themselves.
        {"sitemap_url": f"{settings.SITE_URL}/sitemap.xml"},
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (the admin's pages)."""
    return redirect(static("favicon.svg"), permanent=True)


def database_health():
    """Without the database no request can be stored or page shown."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "database", False, "not answering", True
    return "database", True, "", True


def task_queue_check():
    """A worker that is down delays the emails; patients are still served and their
    requests stored, so this never makes /healthz a 503."""
    try:
        health = task_queue_health()
    except DatabaseError:
        return "task queue", False, "unknown while the database is not answering", False
    detail = f"{health['ready']} ready, the oldest waiting {health['oldest_ready_seconds']} s"
    if health["worker_down"]:
        detail += "; is the worker running?"
    return "task queue", not health["worker_down"], detail, False


# Each check returns (name, ok, detail, patients_affected): patients_affected says that
# patients cannot be served while it fails. One line each in /healthz.
HEALTH_CHECKS = [
    database_health,
    cache_health,
    task_queue_check,
]


@never_cache
@require_safe
def healthz(request):
    """One line per dependency; 200 while patients can be served (a cache that is down
    only makes pages slower), 503 when they cannot (the database), for the load balancer."""
    results = [check() for check in HEALTH_CHECKS]
    unserved = any(not ok and affected for _, ok, _, affected in results)
    summary = "unavailable" if unserved else "ok" if all(ok for _, ok, _, _ in results) else "degraded"
    lines = [summary]
    for name, ok, detail, _ in results:
        lines.append(f"{name}: {'ok' if ok else 'down'}{f' ({detail})' if detail else ''}")
    return HttpResponse("\n".join(lines) + "\n", status=503 if unserved else 200, content_type="text/plain")


def _error_page(template_name, status):
    """An error page with the clinic's phone number if the database still answers."""
    try:
        clinic = Clinic.load()
    except Exception:  # the error being reported may be the database itself
        clinic = None
    return HttpResponse(loader.render_to_string(template_name, {"clinic": clinic}), status=status)


def bad_request(request, exception):
    """The 400 page. Unlike Django's own, it never reads the body or checks the CSRF
    token again: a body in a charset other than UTF-8 would raise a second time (a 500)."""
    return _error_page("400.html", 400)


def page_not_found(request, exception):
    """The 404 page, like Django's own minus its CSRF check: that check reads the body,
    which for an unknown URL nobody has read yet, and an unreadable one would make a 500."""
    return render(request, "404.html", status=404)


def server_error(request):
    """The 500 page."""
    return _error_page("500.html", 500)
