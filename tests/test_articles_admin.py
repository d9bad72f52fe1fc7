"""Editors draft, preview, publish, schedule, upload images and keep reviews current."""

import io
import os
import re
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleSignOff, Source
from articles.revisions import record_revision, sign_off_revision
from prolo_site.images import INCOMPLETE, NOT_AN_IMAGE
from tests.factories import make_appointment_request, make_article, make_topic
from tests.helpers import POSTSCRIPT, assert_clean, half_a_jpeg, phone_photo, png, stored_files

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"


def article_form(**overrides):
    data = {
        "title": "Prolotherapy and the hip",
        "slug": "prolotherapy-and-the-hip",
        "topic": make_topic().pk,
        "position": 0,
        "summary": "What we know about the hip.",
        "body": "## Hips\n\nSome text [1].\n\n## More\n\nMore text.",
        "author_name": "",
        "next_review_due": "",
        "hero_alt": "",
        "hero_credit": "",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-position": "1",
        "sources-0-citation": "Hauser RA, et al. A systematic review. 2016;9:139-159.",
        "sources-0-doi": "10.4137/CMAMD.S39160",
        "sources-0-url": "",
        "sources-0-note": "",
    }
    data.update(overrides)
    return data


def publish_url(article, number=None):
    number = number or article.latest_revision.number
    return f"/admin/articles/article/{article.pk}/revisions/{number}/publish/"


def add_and_publish(editor_client, data):
    """Save a new article as an editor does, then publish its first revision now."""
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug=data["slug"])
    response = editor_client.post(publish_url(article), {"when": "now"})
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    return article


def test_editor_drafts_previews_publishes_and_sees_it_live(editor_client, client):
    response = editor_client.post(ADD_URL, article_form())
    assert response.status_code == 302
    article = Article.objects.get(slug="prolotherapy-and-the-hip")
    assert article.status == Article.Status.DRAFT and article.latest_revision.number == 1
    assert Client().get(article.get_absolute_url()).status_code == 404

    preview = editor_client.get(article.get_absolute_url())
    assert preview.status_code == 200 and "Revision 1 is not published" in preview.content.decode()
    assert preview["X-Robots-Tag"] == "noindex, nofollow"

    assert editor_client.post(publish_url(article), {"when": "now"}).status_code == 302

    editor_client.logout()
    live = client.get(article.get_absolute_url())
    assert live.status_code == 200
    assert "Prolotherapy and the hip" in live.content.decode()
    assert "Preview." not in live.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"sources-0-position": "", "sources-0-citation": "", "sources-0-doi": ""},
            "An article needs at least one source before it can be published.",
        ),
        ({"summary": ""}, "An article needs a summary before it can be published."),
        (
            {"body": "## Hips\n\nSome text [1].\n\n## More\n\nMore text [2, 3]."},
            "An article needs sources numbered 2, 3 (its text cites [2], [3]) before it can be published.",
        ),
    ],
    ids=["no-source", "no-summary", "citation-without-source"],
)
def test_publishing_a_revision_that_is_not_ready_is_refused_with_the_reason(
    editor_client, overrides, message
):
    assert editor_client.post(ADD_URL, article_form(**overrides)).status_code == 302  # a draft may wait
    article = Article.objects.get()

    page = editor_client.get(publish_url(article)).content.decode()
    response = editor_client.post(publish_url(article), {"when": "now"})

    assert message in page and message in response.content.decode()
    article.refresh_from_db()
    assert not article.is_public
    assert Client().get(article.get_absolute_url()).status_code == 404


def test_a_draft_may_be_saved_without_sources(editor_client):
    data = article_form(**{"sources-0-position": "", "sources-0-citation": "", "sources-0-doi": ""})

    assert editor_client.post(ADD_URL, data).status_code == 302


def test_scheduling_keeps_the_article_hidden_until_its_time(editor_client):
    later = timezone.localtime() + timezone.timedelta(days=2)
    assert editor_client.post(ADD_URL, article_form()).status_code == 302
    article = Article.objects.get()

    response = editor_client.post(publish_url(article), {"when": "later", "at": f"{later:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 302
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert "Revision 1 is scheduled for" in editor_client.get(article.get_absolute_url()).content.decode()
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert "Scheduled for" in listing
    with time_machine.travel(later + timezone.timedelta(minutes=1)):
        assert Client().get(article.get_absolute_url()).status_code == 200


def test_a_time_in_the_past_is_refused_and_the_form_keeps_it(editor_client):
    assert editor_client.post(ADD_URL, article_form()).status_code == 302
    article = Article.objects.get()

    response = editor_client.post(publish_url(article), {"when": "later", "at": "2020-01-02T09:30"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a time in the future, or choose Now." in html
    assert 'value="2020-01-02T09:30"' in html
    article.refresh_from_db()
    assert article.scheduled_for is None and not article.is_public


def png_upload(size=(1600, 900), name="hip.png"):
    return SimpleUploadedFile(name, png(size), content_type="image/png")


def test_uploaded_image_gets_webp_renditions_and_a_thumbnail_in_the_admin(editor_client, client):
    data = article_form(hero_alt="A drawing of a hip joint", hero_image=png_upload())

    article = add_and_publish(editor_client, data)

    widths = sorted({item["width"] for item in article.hero_renditions["files"]})
    formats = {item["format"] for item in article.hero_renditions["files"]}
    assert widths == [480, 800, 1200] and formats == {"webp", "jpg"}
    change_page = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert re.search(
        r'<img src="/media/articles/renditions/[^"]+-480\.webp" alt="A drawing of a hip joint"', change_page
    )

    html = client.get(article.get_absolute_url()).content.decode()
    assert '<source type="image/webp" srcset="/media/articles/renditions/' in html
    assert 'width="1200" height="675"' in html
    assert 'alt="A drawing of a hip joint"' in html
    assert '<details class="sensitive-image"' not in html  # the header menu is a <details> too


def test_sensitive_image_is_hidden_behind_a_reveal(editor_client, client):
    data = article_form(hero_alt="A needle", hero_image=png_upload(), hero_is_sensitive="on")
    add_and_publish(editor_client, data)

    html = client.get(Article.objects.get().get_absolute_url()).content.decode()

    details = html.split('<details class="sensitive-image">', 1)[1].split("</details>", 1)[0]
    assert "may be upsetting" in details
    assert 'alt="A needle"' in details


def test_image_without_alt_text_is_refused(editor_client):
    response = editor_client.post(ADD_URL, article_form(hero_image=png_upload()))

    assert "Describe the image for people who cannot see it." in response.content.decode()
    assert not Article.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(editor_client):
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", content_type="image/png")

    response = editor_client.post(ADD_URL, article_form(hero_image=fake, hero_alt="x"))

    assert response.status_code == 200
    assert NOT_AN_IMAGE in response.content.decode()
    assert not Article.objects.exists()


def test_a_huge_image_is_refused_with_its_size(editor_client):
    response = editor_client.post(
        ADD_URL, article_form(hero_image=png_upload(size=(7000, 200)), hero_alt="x")
    )

    assert (
        "This image is 7000 × 200 pixels. Please upload one no more than 6000 pixels on each side."
        in response.content.decode()
    )
    assert not Article.objects.exists()


def test_an_image_over_10_mb_is_refused_with_its_size(editor_client):
    from PIL import Image

    buffer = io.BytesIO()
    # Noise does not compress: about 11 MB of PNG, within the 6000 px limit.
    Image.frombytes("RGB", (2200, 1700), os.urandom(2200 * 1700 * 3)).save(buffer, "PNG", compress_level=0)
    upload = SimpleUploadedFile("noise.png", buffer.getvalue(), content_type="image/png")

    response = editor_client.post(ADD_URL, article_form(hero_image=upload, hero_alt="x"))

    assert "This image is 10.7 MB. Please upload one of 10 MB or less." in response.content.decode()
    assert not Article.objects.exists()


def test_only_a_re_encoding_of_the_upload_is_stored_never_the_original(editor_client, media_root):
    data = article_form(hero_alt="A knee", hero_image=phone_photo())

    assert editor_client.post(ADD_URL, data).status_code == 302

    article = Article.objects.get()
    files = stored_files(media_root)
    assert len(files) == 1 + 6  # the stored image, and 3 widths × 2 formats of renditions
    assert not any("IMG_20261201" in path.name for path in files)  # no guessable original
    for path in files:
        assert_clean(path)
    assert (media_root / article.hero_image.name).is_file()
    with Image.open(media_root / article.hero_image.name) as stored:
        assert stored.size == (1200, 900)  # no larger than the largest rendition


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (POSTSCRIPT, NOT_AN_IMAGE),
        ("half-a-jpeg", INCOMPLETE),
        ("6000x1", "This image is 6000 × 1 pixels. Please upload one at least 100 pixels on each side"),
    ],
    ids=["postscript-named-png", "half-a-jpeg", "6000x1"],
)
def test_an_unusable_upload_is_refused_with_the_reason_and_leaves_no_file(
    editor_client, media_root, content, message
):
    content = {"half-a-jpeg": half_a_jpeg, "6000x1": lambda: png((6000, 1))}.get(content, lambda: content)()
    upload = SimpleUploadedFile("hip.png", content, content_type="image/png")

    response = editor_client.post(ADD_URL, article_form(hero_image=upload, hero_alt="x"))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


def signed_off(article, clinician, *, due):
    sign_off_revision(article.published_revision, user=clinician)
    Article.objects.filter(pk=article.pk).update(next_review_due=due)  # as if signed off long ago
    return article


def test_overdue_reviews_and_never_reviewed_articles_are_filterable_and_highlighted(editor_client, clinician):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    signed_off(make_article(slug="overdue", title="Old article"), clinician, due=yesterday)
    signed_off(
        make_article(slug="fresh", title="Fresh article"),
        clinician,
        due=timezone.localdate() + timezone.timedelta(days=30),
    )
    make_article(slug="never", title="Never reviewed article")

    html = editor_client.get("/admin/articles/article/?review=overdue").content.decode()

    assert "Old article" in html and "Never reviewed article" in html and "Fresh article" not in html
    assert "<strong>Overdue since" in html
    assert "Published; Unreviewed" in html and "Overdue for review" in html


def test_an_editor_writes_changes_and_publishes_articles_and_sources(editor_client):
    assert editor_client.post(ADD_URL, article_form()).status_code == 302
    article = Article.objects.get()
    source = article.sources.get()

    change = article_form(
        title="Prolotherapy and the hip joint",
        body="## Hips\n\nSome text [1] and more [2].\n\n## More\n\nMore text.",
        **{
            "sources-TOTAL_FORMS": "2",
            "sources-INITIAL_FORMS": "1",
            "sources-0-id": source.pk,
            "sources-0-article": article.pk,
            "sources-0-citation": "Hauser RA, et al. A systematic review, corrected. 2016;9:139-159.",
            "sources-1-position": "2",
            "sources-1-citation": "Sit RW, et al. Dextrose prolotherapy. Sci Rep. 2016;6:25247.",
            "sources-1-doi": "10.1038/srep25247",
            "sources-1-url": "",
            "sources-1-note": "",
        },
    )
    assert editor_client.post(f"/admin/articles/article/{article.pk}/change/", change).status_code == 302
    article.refresh_from_db()
    assert article.title == "Prolotherapy and the hip joint"
    assert [(s.position, s.citation[:8]) for s in article.sources.all()] == [(1, "Hauser R"), (2, "Sit RW, ")]

    editor_client.post(
        "/admin/articles/article/", {"action": "publish_now", "_selected_action": [article.pk]}
    )
    article.refresh_from_db()
    assert article.is_public


def test_an_editor_sees_no_appointment_request_and_manages_no_account(editor_client):
    appointment_request = make_appointment_request()

    index = editor_client.get("/admin/").content.decode()
    assert "Patient guide" in index
    assert "Appointment requests" not in index and "Users" not in index
    for url in (
        "/admin/appointments/appointmentrequest/",
        f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
    ):
        assert editor_client.get(url).status_code == 403, url
    assert appointment_request.name not in editor_client.get("/admin/").content.decode()


def test_a_body_nested_too_deep_to_show_is_refused_with_the_reason(editor_client):
    body = "".join("    " * depth + "- item\n" for depth in range(12))

    response = editor_client.post(ADD_URL, article_form(body=body))

    assert response.status_code == 200
    assert (
        "Line 10 is nested 9 levels deep (lists, quotes or indentation); the most is 8. "
        "Shorten or simplify the text so the page can be shown." in response.content.decode()
    )
    assert not Article.objects.exists()


def test_a_pasted_doi_link_is_stored_as_the_bare_doi(editor_client):
    data = article_form(**{"sources-0-doi": " https://doi.org/10.4137/CMAMD.S39160 "})

    assert editor_client.post(ADD_URL, data).status_code == 302

    assert Source.objects.get().doi == "10.4137/CMAMD.S39160"


def test_something_that_is_not_a_doi_is_refused(editor_client):
    response = editor_client.post(ADD_URL, article_form(**{"sources-0-doi": "10.12/not-a-doi"}))

    assert "A DOI looks like 10.1038/srep25247" in response.content.decode()
    assert not Article.objects.exists()


def test_publish_action_refuses_articles_that_are_not_ready(editor_client):
    ready = make_article(slug="ready", status=Article.Status.DRAFT, published_at=None)
    not_ready = make_article(
        slug="not-ready", summary="", status=Article.Status.DRAFT, published_at=None, sources=0
    )

    response = editor_client.post(
        "/admin/articles/article/",
        {"action": "publish_now", "_selected_action": [ready.pk, not_ready.pk]},
        follow=True,
    )

    ready.refresh_from_db()
    not_ready.refresh_from_db()
    assert ready.is_public and not not_ready.is_public
    assert (
        "“What is prolotherapy?” was not published: An article needs a summary before it can be "
        "published. An article needs at least one source before it can be published. An article "
        "needs a source numbered 1 (its text cites [1]) before it can be published."
        in response.content.decode()
    )


def test_publish_action_refuses_an_image_without_alt_text(editor_client, tiny_png):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.hero_image.save("knee.png", ContentFile(tiny_png))  # saved as older versions allowed
    record_revision(article, user=None)

    response = editor_client.post(
        "/admin/articles/article/", {"action": "publish_now", "_selected_action": [article.pk]}, follow=True
    )

    article.refresh_from_db()
    assert not article.is_public
    assert (
        "was not published: An article needs a description of its image (alt text) before it can be published."
        in response.content.decode()
    )


def test_review_due_command_prints_and_emails_the_editors_including_never_reviewed(editor, clinician):
    signed_off(
        make_article(slug="overdue", title="Old article"),
        clinician,
        due=timezone.localdate() - timezone.timedelta(days=3),
    )
    signed_off(make_article(slug="fine", title="Fine article"), clinician, due=timezone.localdate())
    make_article(slug="never", title="Unseen article")

    dry = StringIO()
    call_command("articles_review_due", "--dry-run", stdout=dry)
    assert "Old article" in dry.getvalue() and "Fine article" not in dry.getvalue()
    assert "Unseen article (never clinically reviewed)" in dry.getvalue()
    assert "would email editor@clinic.test" in dry.getvalue()
    assert mail.outbox == []

    call_command("articles_review_due", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["editor@clinic.test"]
    assert "Old article" in mail.outbox[0].body and "Unseen article" in mail.outbox[0].body


def test_load_guide_is_idempotent_and_keeps_editors_changes():
    call_command("load_guide", stdout=StringIO())
    count = Article.objects.count()
    article = Article.objects.get(slug="what-is-prolotherapy")
    article.title = "Edited by an editor"
    article.save()
    record_revision(article, user=None)

    call_command("load_guide", stdout=StringIO())

    assert count >= 7 and Article.objects.count() == count
    assert Article.objects.get(slug="what-is-prolotherapy").title == "Edited by an editor"
    assert all(article.sources.exists() and article.is_public for article in Article.objects.all())
    assert all(article.published_revision.number == 1 for article in Article.objects.all())
    assert not ArticleSignOff.objects.exists()  # the demo never invents a clinician's review
