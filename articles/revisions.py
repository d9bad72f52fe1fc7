"""The rules for an article's revisions: record, publish or schedule, restore, sign off, unpublish."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article, ArticleRevision, ArticleSignOff, Source, add_months
from prolo_site.page_cache import content_changed

SIGN_OFF_GROUP = "Clinical reviewers"


def record_revision(article, *, user, restored_from=None):
    """Save the editing copy's content as a new revision, unless it is the latest one already.

    Returns the new revision, or None when nothing changed.
    """
    content = article.content()
    latest = article.latest_revision
    if latest is not None and latest.content() == content and restored_from is None:
        return None
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        number = (locked.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
        revision = ArticleRevision.objects.create(
            article=article,
            number=number,
            title=content["title"],
            summary=content["summary"],
            body=content["body"],
            sources=content["sources"],
            hero_image=content["hero_image"],
            hero_alt=content["hero_alt"],
            hero_credit=content["hero_credit"],
            hero_is_sensitive=content["hero_is_sensitive"],
            hero_renditions=article.hero_renditions,
            created_by=user,
            restored_from=restored_from,
        )
        Article.objects.filter(pk=article.pk).update(latest_revision=revision)
    article.latest_revision = revision
    return revision


def is_signed_off(revision):
    return ArticleSignOff.objects.filter(
        revision__article_id=revision.article_id, revision__fingerprint=revision.fingerprint
    ).exists()


def publication_refusals(revision, *, going_live):
    """Why this revision may not be published (or go live now); empty when it may."""
    reasons = [problem.message for problem in revision.publication_problems()]
    if going_live and settings.PUBLISH_NEEDS_SIGN_OFF and not is_signed_off(revision):
        reasons.append("A clinician must sign off this revision before it goes live.")
    return reasons


def publish_revision(revision, *, user, at=None):
    """Put a revision live now, or schedule it for ``at``; the live page is untouched until then."""
    now = timezone.now()
    going_live = at is None or at <= now
    reasons = publication_refusals(revision, going_live=going_live)
    if reasons:
        raise ValidationError(reasons)
    article = revision.article
    with transaction.atomic():
        if going_live:
            _go_live(article, revision, now=now, user=user)
        else:
            article.scheduled_revision = revision
            article.scheduled_for = at
            article.save(update_fields=["scheduled_revision", "scheduled_for"])
            ArticleRevision.objects.filter(pk=revision.pk).update(published_by=user)


def _go_live(article, revision, *, now, user):
    article.published_revision = revision
    article.status = Article.Status.PUBLISHED
    article.published_at = article.published_at or now
    article.live_since = now
    article.scheduled_revision = None
    article.scheduled_for = None
    article.redirect_to = None
    article.save(
        update_fields=[
            "published_revision",
            "status",
            "published_at",
            "live_since",
            "scheduled_revision",
            "scheduled_for",
            "redirect_to",
        ]
    )
    ArticleRevision.objects.filter(pk=revision.pk).update(went_live_at=now, published_by=user)


def cancel_schedule(article):
    article.scheduled_revision = None
    article.scheduled_for = None
    article.save(update_fields=["scheduled_revision", "scheduled_for"])


def publish_due_revisions(now=None):
    """Put live every scheduled revision whose time has come (read before any public page).

    Costs one read when nothing is due. Each switch is one conditional UPDATE, so two
    readers arriving together switch an article once.
    """
    now = now or timezone.now()
    due = list(
        Article.objects.filter(scheduled_for__lte=now)
        .order_by()
        .values_list("pk", "scheduled_revision_id", "scheduled_for")
    )
    switched = False
    for pk, revision_id, scheduled_for in due:
        revision = ArticleRevision.objects.get(pk=revision_id)
        if settings.PUBLISH_NEEDS_SIGN_OFF and not is_signed_off(revision):
            continue  # it waits, scheduled, for a clinician's sign-off
        with transaction.atomic():
            updated = Article.objects.filter(pk=pk, scheduled_revision_id=revision_id).update(
                published_revision_id=revision_id,
                status=Article.Status.PUBLISHED,
                published_at=Coalesce(F("published_at"), F("scheduled_for")),
                live_since=scheduled_for,
                scheduled_revision=None,
                scheduled_for=None,
                redirect_to=None,
            )
            if updated:
                ArticleRevision.objects.filter(pk=revision_id).update(went_live_at=scheduled_for)
                switched = True
    if switched:
        content_changed()


def restore_revision(revision, *, user):
    """Make an old revision's content the editing copy again, recorded as a new draft revision."""
    article = revision.article
    with transaction.atomic():
        article.title = revision.title
        article.summary = revision.summary
        article.body = revision.body
        article.hero_image.name = revision.hero_image or None
        article.hero_alt = revision.hero_alt
        article.hero_credit = revision.hero_credit
        article.hero_is_sensitive = revision.hero_is_sensitive
        article.hero_renditions = revision.hero_renditions
        article.save()
        article.sources.all().delete()
        Source.objects.bulk_create(Source(article=article, **source) for source in revision.sources)
        return record_revision(article, user=user, restored_from=revision)


def can_sign_off(user):
    return (
        user.is_active
        and user.is_staff
        and user.has_perm("articles.sign_off_articlerevision")
        and getattr(user, "provider", None) is not None
    )


def sign_off_revision(revision, *, user, note=""):
    """Record that the clinician logged in as ``user`` reviewed this revision, dated now."""
    if not can_sign_off(user):
        raise PermissionDenied("Only a clinical reviewer linked to a provider can sign off.")
    now = timezone.now()
    with transaction.atomic():
        sign_off = ArticleSignOff.objects.create(
            revision=revision, signed_by=user, provider=user.provider, signed_at=now, note=note.strip()
        )
        article = Article.objects.select_for_update().get(pk=revision.article_id)
        article.last_sign_off = sign_off
        article.next_review_due = add_months(timezone.localdate(now), settings.ARTICLE_REVIEW_MONTHS)
        article.save(update_fields=["last_sign_off", "next_review_due"])
    return sign_off


def unpublish_article(article, *, redirect_to=None):
    """Take an article off the site: readers get a "gone" page, or are sent to ``redirect_to``."""
    if redirect_to is not None and (redirect_to.pk == article.pk or not redirect_to.is_public):
        raise ValidationError("Choose another article that is on the site.")
    article.status = Article.Status.UNPUBLISHED
    article.redirect_to = redirect_to
    article.scheduled_revision = None
    article.scheduled_for = None
    article.save(update_fields=["status", "redirect_to", "scheduled_revision", "scheduled_for"])
