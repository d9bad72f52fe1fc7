"""The move to revisions keeps every article as it was and turns no typed review into a sign-off."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.helpers import migrated_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("articles", "0002_editors_group")]
AFTER = [("articles", "0006_clinical_reviewers_group")]


def test_articles_become_one_revision_each_published_where_they_were_and_typed_reviews_stay_dates_only():
    with migrated_to(BEFORE) as (migrator, old):
        Topic, Article = old.get_model("articles", "Topic"), old.get_model("articles", "Article")
        Source, Provider = old.get_model("articles", "Source"), old.get_model("prolo_site", "Provider")
        topic = Topic.objects.create(name="The basics")
        doctor = Provider.objects.create(name="Sam Sample", slug="sam-sample")
        now = timezone.now()
        today = timezone.localdate()

        def article(slug, **fields):
            return Article.objects.create(
                slug=slug, title=slug.title(), topic=topic, summary="S.", body="B [1].", **fields
            )

        live = article(
            "live",
            status="published",
            published_at=now - timedelta(days=3),
            reviewer=doctor,
            reviewed_on=today - timedelta(days=10),
        )
        Source.objects.create(article=live, position=1, citation="A study.", doi="10.1000/x")
        later = article("later", status="published", published_at=now + timedelta(days=2))
        future_review = article(
            "future-review",
            status="published",
            published_at=now - timedelta(days=1),
            reviewer=doctor,
            reviewed_on=date(2099, 6, 1),
        )
        draft = article("draft")

        new = migrator.migrate(AFTER)
        Article = new.get_model("articles", "Article")
        SignOff = new.get_model("articles", "ArticleSignOff")

        live, later = Article.objects.get(pk=live.pk), Article.objects.get(pk=later.pk)
        future_review, draft = Article.objects.get(pk=future_review.pk), Article.objects.get(pk=draft.pk)
        assert live.status == "published" and live.published_revision.number == 1
        assert live.published_revision.sources == [
            {"position": 1, "citation": "A study.", "doi": "10.1000/x", "url": "", "note": ""}
        ]
        assert (
            live.published_revision.title == "Live" and live.latest_revision_id == live.published_revision_id
        )
        assert later.status == "draft" and later.published_revision is None
        assert later.scheduled_revision.number == 1 and later.scheduled_for > now  # still scheduled
        assert (
            draft.status == "draft" and draft.latest_revision.number == 1 and draft.published_revision is None
        )
        # A typed review is kept as a date only; a date in the future is dropped; none is a sign-off.
        assert live.legacy_reviewed_on == today - timedelta(days=10)
        assert future_review.legacy_reviewed_on is None
        assert not SignOff.objects.exists()
        # The same digest the model computes, so a clinician's sign-off of it is recognised.
        from articles.models import ArticleRevision, content_fingerprint

        migrated = ArticleRevision.objects.get(pk=live.published_revision_id)
        assert migrated.fingerprint == content_fingerprint(migrated.content())
