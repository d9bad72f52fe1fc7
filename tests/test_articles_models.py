"""What the public may see, and the rules an article must meet to be published."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles.doi import DOI_FORMAT_HINT
from articles.images import validate_hero_image
from articles.models import Article
from articles.revisions import sign_off_revision
from prolo_site.images import NOT_AN_IMAGE
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


def needs(article, source_numbers):
    return [problem.need for problem in article.publication_problems(source_numbers=source_numbers)]


def test_publication_problems_name_what_is_missing(tiny_png):
    article = make_article(summary=" ", sources=0, body="Text [1]. More [1, 3].")
    article.hero_image = SimpleUploadedFile("knee.png", tiny_png, content_type="image/png")

    assert needs(article, []) == [
        "a summary",
        "a description of its image (alt text)",
        "at least one source",
        "sources numbered 1, 3 (its text cites [1], [3])",
    ]
    assert needs(article, [1, 2]) == [
        "a summary",
        "a description of its image (alt text)",
        "a source numbered 3 (its text cites [3])",
    ]
    # Without the sources only the article's own fields are checked.
    assert needs(article, None) == ["a summary", "a description of its image (alt text)"]


def test_a_ready_article_has_no_publication_problem(tiny_png):
    article = make_article(sources=2, body="Text [1]. More [1, 2]. A [link][1] and [^1] are no citations.")
    article.hero_image = SimpleUploadedFile("knee.png", tiny_png, content_type="image/png")
    article.hero_alt = "A knee"

    assert needs(article, [1, 2]) == []


def test_an_image_needs_alt_text_even_in_a_draft(tiny_png):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.hero_image = SimpleUploadedFile("knee.png", tiny_png, content_type="image/png")

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert error.value.message_dict == {"hero_alt": ["Describe the image for people who cannot see it."]}


def test_a_revision_needs_a_summary_to_be_published_and_a_draft_does_not():
    article = make_article(summary="", status=Article.Status.DRAFT)

    article.full_clean()  # a draft may wait for its summary
    assert [problem.message for problem in article.latest_revision.publication_problems()] == [
        "An article needs a summary before it can be published."
    ]


def test_the_hero_image_check_refuses_what_it_cannot_use(tiny_png):
    validate_hero_image(SimpleUploadedFile("knee.png", tiny_png))  # a good one passes

    with pytest.raises(ValidationError) as error:
        validate_hero_image(SimpleUploadedFile("knee.png", b"MZ\x90\x00 not an image"))
    assert error.value.messages == [NOT_AN_IMAGE]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.1038/srep25247", "10.1038/srep25247"),
        (" https://doi.org/10.1038/srep25247 ", "10.1038/srep25247"),
        ("http://dx.doi.org/10.1038/srep25247", "10.1038/srep25247"),
        ("doi: 10.1038/srep25247", "10.1038/srep25247"),
        ("", ""),
    ],
)
def test_a_source_keeps_the_bare_doi(typed, stored):
    source = make_article().sources.get()
    source.doi = typed

    source.full_clean()

    assert source.doi == stored


@pytest.mark.parametrize("typed", ["12.1038/srep25247", "10.12/short-registrant", "10.1038/", "srep25247"])
def test_a_source_refuses_what_is_not_a_doi(typed):
    source = make_article().sources.get()
    source.doi = typed

    with pytest.raises(ValidationError) as error:
        source.full_clean()

    assert error.value.message_dict == {"doi": [DOI_FORMAT_HINT]}


def test_a_doi_links_through_doi_org_with_its_special_characters_escaped():
    source = make_article().sources.get()
    source.doi = "10.1002/(SICI)1097-4636(199706)35:4<451::AID-JBM4>3.0.CO;2-D#x"

    assert (
        source.doi_url
        == "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C451::AID-JBM4%3E3.0.CO;2-D%23x"
    )


def test_review_overdue_means_the_due_date_has_passed_or_no_review_at_all(clinician):
    today = timezone.localdate()
    overdue = make_article(slug="overdue")
    due_today = make_article(slug="due-today")
    for article, due in ((overdue, today - timezone.timedelta(days=1)), (due_today, today)):
        sign_off_revision(article.published_revision, user=clinician)
        Article.objects.filter(pk=article.pk).update(next_review_due=due)
    never = make_article(slug="never")
    make_article(slug="a-draft", status=Article.Status.DRAFT)  # not on the site: nothing to review yet

    assert set(Article.objects.review_overdue()) == {overdue, never}
    overdue.refresh_from_db()
    assert overdue.is_review_overdue


def test_reading_time_rounds_up_to_whole_minutes():
    article = make_article(summary="short", body="word " * 401)

    assert article.published_revision.reading_minutes == 3
