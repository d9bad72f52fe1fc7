"""Each existing article becomes one revision, published where the article was; old review dates stay dates only."""

import hashlib
import json

from django.db import migrations
from django.utils import timezone


def _content(article, sources):
    # The same content as ArticleRevision.content() (a migration cannot call model methods).
    return {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "sources": sources,
        "hero_image": article.hero_image.name if article.hero_image else "",
        "hero_alt": article.hero_alt,
        "hero_credit": article.hero_credit,
        "hero_is_sensitive": article.hero_is_sensitive,
    }


def revisions_from_articles(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleRevision = apps.get_model("articles", "ArticleRevision")
    now = timezone.now()
    for article in Article.objects.all():
        sources = [
            {"position": s.position, "citation": s.citation, "doi": s.doi, "url": s.url, "note": s.note}
            for s in article.sources.order_by("position")
        ]
        content = _content(article, sources)
        revision = ArticleRevision.objects.create(
            article=article,
            number=1,
            title=content["title"],
            summary=content["summary"],
            body=content["body"],
            sources=sources,
            hero_image=content["hero_image"],
            hero_alt=content["hero_alt"],
            hero_credit=content["hero_credit"],
            hero_is_sensitive=content["hero_is_sensitive"],
            hero_renditions=article.hero_renditions,
            fingerprint=hashlib.sha256(
                json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest(),
            created_at=article.updated_at,
        )
        article.latest_revision = revision
        if article.status == "published" and article.published_at <= now:
            article.published_revision = revision
            article.live_since = article.published_at
            revision.went_live_at = article.published_at
            revision.save(update_fields=["went_live_at"])
        elif article.status == "published":  # scheduled for later: it stays scheduled
            article.scheduled_revision = revision
            article.scheduled_for = article.published_at
            article.status = "draft"
            article.published_at = None
        # A review typed by hand before sign-offs proves nothing about what is shown now:
        # keep only its date, as "last clinically reviewed", and only a date already past.
        if article.reviewer_id and article.reviewed_on and article.reviewed_on <= timezone.localdate(now):
            article.legacy_reviewed_on = article.reviewed_on
        article.save()


def articles_from_revisions(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.all():
        if article.scheduled_revision_id:
            article.status, article.published_at = "published", article.scheduled_for
        elif article.status == "unpublished":
            article.status = "draft"
        article.save()


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_revisions")]

    operations = [migrations.RunPython(revisions_from_articles, articles_from_revisions)]
