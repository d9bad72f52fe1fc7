"""What the public may see, and the rules an article must meet to be published."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_only_published_articles_whose_time_has_come_are_public():
    live = make_article(slug="live")
    make_article(slug="draft", status=Article.Status.DRAFT, published_at=None)
    make_article(slug="scheduled", published_at=timezone.now() + timezone.timedelta(hours=1))

    assert list(Article.objects.published()) == [live]


def test_publishing_without_a_time_stamps_it_now():
    article = make_article(published_at=None)

    assert article.published_at is not None
    assert article.is_public


def test_publication_problems_name_what_is_missing():
    article = make_article(summary="", sources=0)

    assert article.publication_problems(source_count=0) == ["add a summary", "add at least one source"]


def test_an_image_needs_alt_text(tiny_png):
    article = make_article()
    article.hero_image = SimpleUploadedFile("knee.png", tiny_png, content_type="image/png")

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert "hero_alt" in error.value.message_dict


def test_a_review_date_needs_a_reviewer():
    article = make_article(reviewed_on=timezone.localdate())

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert "reviewer" in error.value.message_dict


def test_review_overdue_means_the_due_date_has_passed():
    today = timezone.localdate()
    overdue = make_article(slug="overdue", next_review_due=today - timezone.timedelta(days=1))
    make_article(slug="due-today", next_review_due=today)
    make_article(slug="never")

    assert list(Article.objects.review_overdue()) == [overdue]
    assert overdue.is_review_overdue


def test_reading_time_rounds_up_to_whole_minutes():
    article = make_article(summary="short", body="word " * 401)

    assert article.reading_minutes == 3
