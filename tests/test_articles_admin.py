"""Editors draft, preview, publish, schedule, upload images and keep reviews current."""

import io
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        "editor", email="editor@clinic.test", password="a-long-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def article_form(**overrides):
    data = {
        "title": "Prolotherapy and the hip",
        "slug": "prolotherapy-and-the-hip",
        "topic": make_topic().pk,
        "position": 0,
        "summary": "What we know about the hip.",
        "body": "## Hips\n\nSome text [1].\n\n## More\n\nMore text.",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "author_name": "",
        "reviewer": "",
        "reviewed_on": "",
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


def test_editor_drafts_previews_publishes_and_sees_it_live(editor_client, client):
    response = editor_client.post(ADD_URL, article_form())
    assert response.status_code == 302
    article = Article.objects.get(slug="prolotherapy-and-the-hip")
    assert article.status == Article.Status.DRAFT

    preview = editor_client.get(article.get_absolute_url())
    assert preview.status_code == 200 and "This draft is not published" in preview.content.decode()

    change_url = f"/admin/articles/article/{article.pk}/change/"
    data = article_form(
        status="published", **{"sources-INITIAL_FORMS": "1", "sources-0-id": article.sources.get().pk}
    )
    data["sources-0-article"] = article.pk
    assert editor_client.post(change_url, data).status_code == 302

    editor_client.logout()
    live = client.get(article.get_absolute_url())
    assert live.status_code == 200
    assert "Prolotherapy and the hip" in live.content.decode()
    assert "This draft is not published" not in live.content.decode()


def test_publishing_without_a_source_is_refused_with_a_clear_message(editor_client):
    data = article_form(
        status="published", **{"sources-0-position": "", "sources-0-citation": "", "sources-0-doi": ""}
    )

    response = editor_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "An article needs at least one source before it can be published." in response.content.decode()
    assert not Article.objects.exists()


def test_publishing_without_a_summary_is_refused(editor_client):
    response = editor_client.post(ADD_URL, article_form(status="published", summary=""))

    assert "An article needs a summary before it can be published." in response.content.decode()
    assert not Article.objects.exists()


def test_a_draft_may_be_saved_without_sources(editor_client):
    data = article_form(**{"sources-0-position": "", "sources-0-citation": "", "sources-0-doi": ""})

    assert editor_client.post(ADD_URL, data).status_code == 302


def test_scheduling_keeps_the_article_hidden_until_its_time(editor_client):
    later = timezone.localtime() + timezone.timedelta(days=2)
    data = article_form(
        status="published", published_at_0=f"{later:%Y-%m-%d}", published_at_1=f"{later:%H:%M:%S}"
    )

    assert editor_client.post(ADD_URL, data).status_code == 302

    article = Article.objects.get()
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert "This article is scheduled for" in editor_client.get(article.get_absolute_url()).content.decode()
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert "Scheduled for" in listing


def png_upload(size=(1600, 900), name="hip.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 60)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_uploaded_image_gets_webp_renditions_and_a_thumbnail_in_the_admin(editor_client, client):
    data = article_form(status="published", hero_alt="A drawing of a hip joint", hero_image=png_upload())

    assert editor_client.post(ADD_URL, data).status_code == 302

    article = Article.objects.get()
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
    data = article_form(
        status="published", hero_alt="A needle", hero_image=png_upload(), hero_is_sensitive="on"
    )
    editor_client.post(ADD_URL, data)

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
    assert "Upload a valid image" in response.content.decode() or "not an image" in response.content.decode()
    assert not Article.objects.exists()


def test_a_huge_image_is_refused_with_its_size(editor_client):
    response = editor_client.post(
        ADD_URL, article_form(hero_image=png_upload(size=(7000, 200)), hero_alt="x")
    )

    assert "no more than 6000 pixels on each side" in response.content.decode()
    assert not Article.objects.exists()


def test_overdue_reviews_are_filterable_and_highlighted(editor_client):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    make_article(slug="overdue", title="Old article", next_review_due=yesterday)
    make_article(
        slug="fresh",
        title="Fresh article",
        next_review_due=timezone.localdate() + timezone.timedelta(days=30),
    )

    html = editor_client.get("/admin/articles/article/?review=overdue").content.decode()

    assert "Old article" in html and "Fresh article" not in html
    assert "<strong>Overdue since" in html


def test_editors_cannot_manage_appointments_or_users(editor_client):
    assert editor_client.get("/admin/auth/user/").status_code == 403


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
    assert "was not published: add a summary, add at least one source." in response.content.decode()


def test_review_due_command_prints_and_emails_the_editors(editor):
    make_article(
        slug="overdue", title="Old article", next_review_due=timezone.localdate() - timezone.timedelta(days=3)
    )
    make_article(slug="fine", title="Fine article")

    dry = StringIO()
    call_command("articles_review_due", "--dry-run", stdout=dry)
    assert "Old article" in dry.getvalue() and "Fine article" not in dry.getvalue()
    assert "would email editor@clinic.test" in dry.getvalue()
    assert mail.outbox == []

    call_command("articles_review_due", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["editor@clinic.test"]
    assert "Old article" in mail.outbox[0].body


def test_load_guide_is_idempotent_and_keeps_editors_changes():
    call_command("load_guide", stdout=StringIO())
    count = Article.objects.count()
    article = Article.objects.get(slug="what-is-prolotherapy")
    article.title = "Edited by an editor"
    article.save()

    call_command("load_guide", stdout=StringIO())

    assert count >= 7 and Article.objects.count() == count
    assert Article.objects.get(slug="what-is-prolotherapy").title == "Edited by an editor"
    assert all(article.sources.exists() and article.is_public for article in Article.objects.all())
    assert not Article.objects.filter(reviewer__isnull=False).exists()
