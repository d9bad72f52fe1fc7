"""Revisions: a change waits behind the live page, goes live when published, and only a clinician signs it off."""

import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article, ArticleRevision, ArticleSignOff
from articles.revisions import publish_revision, record_revision, sign_off_revision, unpublish_article
from tests.factories import make_article, make_clinic, publish_changes

pytestmark = pytest.mark.django_db

NEW_PRICE = "At this clinic one shot costs the amount on our price list, which we will give you on the phone."


def admin_url(article, page=""):
    return f"/admin/articles/article/{article.pk}/{page}"


def change_form(article, **overrides):
    """The article's change form as the admin would post it back, with ``overrides`` typed in."""
    sources = list(article.sources.all())
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "position": article.position,
        "summary": article.summary,
        "body": article.body,
        "author_name": article.author_name,
        "next_review_due": "",
        "hero_alt": article.hero_alt,
        "hero_credit": article.hero_credit,
        "sources-TOTAL_FORMS": str(len(sources)),
        "sources-INITIAL_FORMS": str(len(sources)),
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    for index, source in enumerate(sources):
        data |= {
            f"sources-{index}-id": source.pk,
            f"sources-{index}-article": article.pk,
            f"sources-{index}-position": source.position,
            f"sources-{index}-citation": source.citation,
            f"sources-{index}-doi": source.doi,
            f"sources-{index}-url": source.url,
            f"sources-{index}-note": source.note,
        }
    data.update(overrides)
    return data


@pytest.fixture
def cost_article():
    make_clinic()
    call_command("load_guide", stdout=io.StringIO())
    return Article.objects.get(slug="cost-and-paying")


def staged_body(article):
    return article.body.replace(
        "That is a general figure, not this clinic's price.", f"That is a general figure. {NEW_PRICE}"
    )


def test_a_price_change_is_staged_previewed_scheduled_signed_off_and_goes_live_on_time(
    cost_article, editor_client, clinician_client
):
    reader = Client()
    today_text = "That is a general figure, not this clinic's price."
    assert today_text in reader.get(cost_article.get_absolute_url()).content.decode()

    # The editor saves the change: a draft revision, and the live page is exactly as it was.
    before = reader.get(cost_article.get_absolute_url()).content
    response = editor_client.post(
        admin_url(cost_article, "change/"), change_form(cost_article, body=staged_body(cost_article))
    )
    assert response.status_code == 302
    cost_article.refresh_from_db()
    assert cost_article.latest_revision.number == 2 and cost_article.published_revision.number == 1
    assert reader.get(cost_article.get_absolute_url()).content == before

    # The editor previews revision 2 on the real page; a reader asking for it gets the live text.
    preview = editor_client.get(cost_article.get_absolute_url() + "?revision=2")
    assert NEW_PRICE in preview.content.decode() and preview["X-Robots-Tag"] == "noindex, nofollow"
    assert NEW_PRICE not in reader.get(cost_article.get_absolute_url() + "?revision=2").content.decode()

    # Scheduled for tomorrow: still today's text until then.
    tomorrow = timezone.localtime() + timezone.timedelta(days=1)
    response = editor_client.post(
        admin_url(cost_article, "revisions/2/publish/"),
        {"when": "later", "at": f"{tomorrow:%Y-%m-%dT%H:%M}"},
    )
    assert response.status_code == 302
    live = reader.get(cost_article.get_absolute_url()).content.decode()
    assert today_text in live and NEW_PRICE not in live
    assert cost_article.title not in reader.get("/search/?q=price+list").content.decode()
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert "Scheduled for" in listing and "Waiting for sign-off" in listing

    # The clinician signs off revision 2 from their own login.
    signed_on = timezone.localdate()
    response = clinician_client.post(
        admin_url(cost_article, "revisions/2/sign-off/"), {"note": "Price checked."}
    )
    assert response.status_code == 302
    sign_off = ArticleSignOff.objects.get()
    assert sign_off.revision.number == 2 and sign_off.provider.name == "Alex Example"
    assert "Reviewed by" not in reader.get(cost_article.get_absolute_url()).content.decode()  # not live yet

    # At the scheduled time the new text is live, with its review line.
    with time_machine.travel(tomorrow + timezone.timedelta(minutes=1)):
        live = reader.get(cost_article.get_absolute_url()).content.decode()
        assert NEW_PRICE in live and today_text not in live
        assert f'Reviewed by Alex Example, MD on <time datetime="{signed_on:%Y-%m-%d}"' in live
        assert cost_article.title in reader.get("/search/?q=price+list").content.decode()
    cost_article.refresh_from_db()
    assert cost_article.published_revision.number == 2 and cost_article.scheduled_revision is None


def test_an_editors_post_cannot_set_a_reviewer_a_review_date_or_the_publication(editor_client, clinician):
    article = make_article(status=Article.Status.DRAFT)
    provider = clinician.provider
    typed = change_form(
        article,
        title="A new title",
        reviewer=provider.pk,
        reviewed_on="2027-06-01",
        legacy_reviewed_on="2027-06-01",
        last_sign_off="1",
        status="published",
        published_at_0="2026-01-01",
        published_at_1="09:00",
        published_revision=article.latest_revision_id,
    )

    assert editor_client.post(admin_url(article, "change/"), typed).status_code == 302

    article.refresh_from_db()
    assert article.title == "A new title"  # the form was saved...
    assert not ArticleSignOff.objects.exists()  # ...and nothing else was taken from it
    assert article.last_sign_off is None and article.legacy_reviewed_on is None
    assert article.status == Article.Status.DRAFT and article.published_revision is None
    form_html = editor_client.get(admin_url(article, "change/")).content.decode()
    assert 'name="reviewer"' not in form_html and 'name="reviewed_on"' not in form_html
    html = Client().get(article.get_absolute_url())
    assert html.status_code == 404


def test_only_a_clinician_linked_to_a_provider_can_sign_off(editor_client, clinician, django_user_model):
    article = make_article()
    url = admin_url(article, "revisions/1/sign-off/")

    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"note": "I am not a doctor"}).status_code == 403
    unlinked = django_user_model.objects.create_user("nurse", password="a-long-password-3", is_staff=True)
    unlinked.groups.add(Group.objects.get(name="Clinical reviewers"))
    nurse = Client()
    nurse.force_login(unlinked)
    assert nurse.post(url, {"note": ""}).status_code == 403
    assert not ArticleSignOff.objects.exists()


def test_a_sign_off_is_dated_by_the_server_whatever_is_posted(clinician_client):
    article = make_article()
    moment = timezone.datetime(2026, 11, 3, 10, 0, tzinfo=timezone.get_current_timezone())

    with time_machine.travel(moment, tick=False):
        clinician_client.post(
            admin_url(article, "revisions/1/sign-off/"),
            {"note": "Fine.", "signed_at": "2027-06-01 09:00", "provider": "99"},
        )

    sign_off = ArticleSignOff.objects.get()
    assert sign_off.signed_at == moment and sign_off.note == "Fine."
    article.refresh_from_db()
    assert article.next_review_due == timezone.datetime(2027, 11, 3).date()  # 12 months by default


def test_next_review_can_be_brought_forward_but_not_put_off(editor_client, clinician):
    article = make_article()
    with time_machine.travel(timezone.datetime(2026, 11, 3, 10, tzinfo=timezone.get_current_timezone())):
        sign_off_revision(article.published_revision, user=clinician)

    later = editor_client.post(
        admin_url(article, "change/"), change_form(article, next_review_due="2027-12-01")
    )
    assert "A review can be brought forward, not put off: choose 03 November 2027 or earlier." in (
        later.content.decode()
    )
    sooner = editor_client.post(
        admin_url(article, "change/"), change_form(article, next_review_due="2027-05-01")
    )
    assert sooner.status_code == 302
    article.refresh_from_db()
    assert article.next_review_due == timezone.datetime(2027, 5, 1).date()


def test_the_review_line_goes_when_the_published_text_changes_and_returns_with_the_same_text(clinician):
    article = make_article()
    signed = article.published_revision
    sign_off_revision(signed, user=clinician)
    assert "Reviewed by Alex Example" in Client().get(article.get_absolute_url()).content.decode()

    article.summary = "A new summary, not yet reviewed."
    article.save()
    publish_changes(article)
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Reviewed by" not in html and "Last clinically reviewed" in html

    # Publishing the signed revision again brings its review line back: it is the text they saw.
    publish_revision(signed, user=None)
    assert "Reviewed by Alex Example" in Client().get(article.get_absolute_url()).content.decode()


def test_compare_shows_what_was_added_and_removed_with_text_labels(editor_client):
    article = make_article()
    article.summary = "Prolotherapy is a course of injections into a sore ligament or tendon."
    article.body = article.body.replace("Orthopedic clinics [1].", "Spine clinics [1].\n\nA new paragraph.")
    article.save()
    article.sources.update(citation="Author 1. A corrected study. J Test. 2016;1:1-9.")
    record_revision(article, user=None)

    html = editor_client.get(admin_url(article, "revisions/compare/?from=1&to=2")).content.decode()

    assert '<del><span class="diff-label">[removed:</span> series<span' in html
    assert '<ins><span class="diff-label">[added:</span> course<span' in html
    assert "[added:</span> A new paragraph." in html
    assert "[removed:</span> Orthopedic" in html and "[added:</span> Spine" in html
    assert "[added:</span> corrected" in html
    assert "Title: unchanged" in html and "Image: unchanged" in html
    for bad in ("?from=1&to=9", "?from=x&to=2", ""):
        response = editor_client.get(admin_url(article, f"revisions/compare/{bad}"), follow=True)
        assert "Choose two of the article&#x27;s revisions to compare." in response.content.decode()


def test_restore_makes_a_new_draft_and_leaves_history_and_the_live_page_alone(editor_client):
    article = make_article()
    first_body = article.body
    article.body = "## Changed\n\nA changed body [1]."
    article.save()
    publish_changes(article)

    response = editor_client.post(admin_url(article, "revisions/1/restore/"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == first_body and article.latest_revision.number == 3
    assert article.latest_revision.restored_from.number == 1
    assert list(article.revisions.values_list("number", flat=True)) == [3, 2, 1]
    assert ArticleRevision.objects.get(article=article, number=2).body == "## Changed\n\nA changed body [1]."
    assert "A changed body" in Client().get(article.get_absolute_url()).content.decode()  # still live


def test_the_edit_forms_preview_shows_what_is_typed_and_saves_nothing(editor_client):
    article = make_article()
    typed = change_form(article, title="A typed title", body="## Typed\n\nTyped but not saved [1].")

    response = editor_client.post(admin_url(article, "preview/"), typed)

    html = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    assert "A typed title" in html and "Typed but not saved" in html
    assert "This is the text in the edit form, not saved yet" in html
    article.refresh_from_db()
    assert article.title != "A typed title" and article.revisions.count() == 1
    assert Client().post(admin_url(article, "preview/"), typed).status_code == 302  # to the login


def test_editors_cannot_delete_a_published_article_the_clinic_administrator_can(
    editor_client, django_user_model
):
    live = make_article()
    draft = make_article(slug="a-draft", status=Article.Status.DRAFT)

    assert editor_client.post(admin_url(live, "delete/"), {"post": "yes"}).status_code == 403
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert 'value="delete_selected"' not in listing
    assert editor_client.post(admin_url(draft, "delete/"), {"post": "yes"}).status_code == 302
    assert Article.objects.filter(pk=live.pk).exists() and not Article.objects.filter(pk=draft.pk).exists()

    administrator = Client()
    administrator.force_login(
        django_user_model.objects.create_superuser("clinicadmin", password="a-long-pw-4")
    )
    assert administrator.post(admin_url(live, "delete/"), {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=live.pk).exists()


def test_unpublish_asks_first_then_the_address_is_gone_or_redirects(editor_client):
    article = make_article()
    other = make_article(slug="another", title="Another article")

    page = editor_client.get(admin_url(article, "unpublish/")).content.decode()
    assert "Unpublishing takes" in page and Article.objects.get(pk=article.pk).is_public
    refused = editor_client.post(admin_url(article, "unpublish/"), {"outcome": "redirect"})
    assert "Choose the article readers should be sent to." in refused.content.decode()
    assert Article.objects.get(pk=article.pk).is_public

    editor_client.post(admin_url(article, "unpublish/"), {"outcome": "gone"})
    gone = Client().get(article.get_absolute_url())
    assert gone.status_code == 410 and "This article has been removed" in gone.content.decode()
    assert "What is prolotherapy?" not in Client().get("/articles/").content.decode()
    assert "/articles/what-is-prolotherapy/" not in Client().get("/sitemap.xml").content.decode()

    publish_changes(article)
    editor_client.post(admin_url(article, "unpublish/"), {"outcome": "redirect", "redirect_to": other.pk})
    moved = Client().get(article.get_absolute_url())
    assert moved.status_code == 301 and moved["Location"] == "/articles/another/"


def test_with_sign_off_required_nothing_unsigned_goes_live(settings, editor_client, clinician):
    settings.PUBLISH_NEEDS_SIGN_OFF = True
    article = make_article(status=Article.Status.DRAFT)

    refused = editor_client.post(admin_url(article, "revisions/1/publish/"), {"when": "now"})
    assert "A clinician must sign off this revision before it goes live." in refused.content.decode()

    soon = timezone.localtime() + timezone.timedelta(hours=1)
    editor_client.post(
        admin_url(article, "revisions/1/publish/"), {"when": "later", "at": f"{soon:%Y-%m-%dT%H:%M}"}
    )
    with time_machine.travel(soon + timezone.timedelta(minutes=5)):
        assert Client().get(article.get_absolute_url()).status_code == 404  # waits for its sign-off
        sign_off_revision(article.latest_revision, user=clinician)
        assert Client().get(article.get_absolute_url()).status_code == 200


def test_the_article_list_shows_each_articles_editorial_status(editor_client, clinician):
    make_article(slug="never", title="Never reviewed")
    changed = make_article(slug="changed", title="Changed since")
    sign_off_revision(changed.published_revision, user=clinician)
    changed.summary = "Changed after its review."
    changed.save()
    publish_changes(changed)
    waiting = make_article(slug="waiting", title="Waiting one")
    sign_off_revision(waiting.published_revision, user=clinician)
    waiting.summary = "A draft waiting for its clinician."
    waiting.save()
    record_revision(waiting, user=None)
    soon = make_article(slug="soon", title="Soon", published_at=timezone.now() + timezone.timedelta(days=1))

    rows = {
        title: row
        for row in editor_client.get("/admin/articles/article/").content.decode().split("<tr")[1:]
        for title in ("Never reviewed", "Changed since", "Waiting one", "Soon")
        if f">{title}</a>" in row
    }

    assert "Published; Unreviewed" in rows["Never reviewed"]
    assert "Published; Changed since review" in rows["Changed since"]
    assert "Published; Waiting for sign-off" in rows["Waiting one"]
    assert f"Scheduled for {timezone.localtime(soon.scheduled_for):%d %b %Y %H:%M}" in rows["Soon"]


def test_search_and_the_sitemap_read_the_published_revision(client):
    article = make_article()
    article.body += "\n\nZanzibar is mentioned only in a draft."
    article.title = "A draft title"
    article.save()
    record_revision(article, user=None)

    link = 'href="/articles/what-is-prolotherapy/"'
    assert link not in client.get("/search/?q=zanzibar").content.decode()
    assert link in client.get("/search/?q=dextrose").content.decode()
    assert "A draft title" not in client.get("/search/?q=dextrose").content.decode()
    assert "What is prolotherapy?" in client.get("/articles/").content.decode()
    assert "/articles/what-is-prolotherapy/" in client.get("/sitemap.xml").content.decode()


def test_the_demo_loader_publishes_revision_1_and_invents_no_review():
    call_command("load_guide", stdout=io.StringIO())

    assert all(article.published_revision.number == 1 for article in Article.objects.all())
    assert not ArticleSignOff.objects.exists()
    assert Article.objects.review_overdue().count() == Article.objects.count()  # never reviewed
    unpublish_article(Article.objects.get(slug="cost-and-paying"))
    assert not Article.objects.published().filter(slug="cost-and-paying").exists()


def test_the_editorial_policy_says_what_the_review_rules_do(settings):
    policy = (settings.BASE_DIR / "prolo_site/content/pages/editorial-policy.md").read_text()

    assert "A change goes on the website only when an editor publishes it" in policy
    assert (
        "Nobody can type in a reviewer's name or a review date by hand." in policy
    )  # see the POST test above
    assert "exactly the wording the clinician signed off" in policy
    assert f"after a set period: {settings.ARTICLE_REVIEW_MONTHS} months, unless the clinic" in policy
    assert "or have never been reviewed" in policy


def test_the_article_list_makes_the_same_number_of_queries_for_more_articles(
    editor_client, clinician, django_assert_max_num_queries
):
    make_article(slug="first")
    editor_client.get("/admin/articles/article/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        editor_client.get("/admin/articles/article/")
    for number in range(6):
        article = make_article(slug=f"more-{number}")
        sign_off_revision(article.published_revision, user=clinician)
    with django_assert_max_num_queries(len(few)):
        assert editor_client.get("/admin/articles/article/").status_code == 200


def test_the_clinic_administrator_links_a_provider_to_a_staff_login_only(django_user_model, clinician):
    administrator = Client()
    administrator.force_login(
        django_user_model.objects.create_superuser("clinicadmin", password="a-long-pw-4")
    )
    django_user_model.objects.create_user("patient-like", password="a-long-pw-5")  # not staff

    form = administrator.get(f"/admin/prolo_site/provider/{clinician.provider.pk}/change/").content.decode()

    assert 'name="user"' in form and ">drandrus</option>" in form and "patient-like" not in form
