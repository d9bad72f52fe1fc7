"""An editor stages, previews, schedules, compares and restores a change; a clinician signs it off."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from tests.browser import BrowserSession
from tests.factories import make_clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY_TEXT = "That is a general figure, not this clinic's price."
NEW_PRICE = "At this clinic one shot costs the amount on our price list, which we will give you on the phone."


def log_in(session, username, password):
    session.goto("/admin/login/?next=/admin/")
    session.page.fill("#id_username", username)
    session.page.fill("#id_password", password)
    with session.page.expect_navigation():
        session.page.locator("input[type=submit]").click()


@pytest.fixture
def other_session(chromium, live_server, request):
    sessions = []

    def open_session(name):
        session = BrowserSession(chromium, live_server.url, test_name=f"{request.node.name}-{name}")
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()
        session.assert_clean()


def test_a_price_change_goes_live_tomorrow_signed_off_and_can_be_compared_and_restored(
    browser, other_session, editor, clinician
):
    make_clinic()
    call_command("load_guide", stdout=io.StringIO())
    article = Article.objects.get(slug="cost-and-paying")
    page = browser.page
    log_in(browser, "editor", "a-long-password-1")

    # Stage the change and preview what is typed, before saving.
    browser.goto(f"/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    body.fill(body.input_value().replace(TODAY_TEXT, f"That is a general figure. {NEW_PRICE}"))
    with browser.context.expect_page() as popup:
        page.get_by_role("button", name="Preview what is typed, without saving (opens a new tab)").click()
    preview = popup.value
    preview.wait_for_load_state("load")
    assert NEW_PRICE in preview.locator("main").inner_text()
    assert "not saved yet" in preview.locator(".notice--warning").inner_text()
    preview.close()
    with page.expect_navigation():
        page.locator("input[name=_continue]").last.click()
    assert (
        "Saved as revision 2, a draft. The site still shows revision 1"
        in page.locator(".messagelist").inner_text()
    )

    # The revisions page: preview revision 2 on the real page, then schedule it for tomorrow.
    with page.expect_navigation():
        page.locator(".object-tools").get_by_role("link", name="Revisions").click()
    browser.check_page("revisions")
    with page.expect_navigation():
        page.get_by_role("link", name="Preview revision 2").click()
    assert NEW_PRICE in page.locator("main").inner_text()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("link", name="Publish or schedule revision 2").click()
    tomorrow = timezone.localtime() + timezone.timedelta(days=1)
    page.get_by_label("At the date and time below").check()
    page.get_by_label("Date and time (the clinic's time zone)").fill(f"{tomorrow:%Y-%m-%dT%H:%M}")
    browser.check_page("publish")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish or schedule revision 2").click()
    assert "is scheduled for" in page.locator(".messagelist").inner_text()

    reader = other_session("reader")
    reader.goto(article.get_absolute_url())
    live = reader.page.locator("main").inner_text()
    assert TODAY_TEXT in live and NEW_PRICE not in live

    # The clinician signs off revision 2 from their own login.
    doctor = other_session("clinician")
    log_in(doctor, "drandrus", "a-long-password-2")
    doctor.goto(f"/admin/articles/article/{article.pk}/revisions/")
    with doctor.page.expect_navigation():
        doctor.page.get_by_role("link", name="Sign off revision 2").click()
    doctor.check_page("sign-off")
    doctor.page.get_by_label("Note (optional)").fill("Checked the price wording.")
    with doctor.page.expect_navigation():
        doctor.page.get_by_role("button", name="I have reviewed revision 2: sign it off").click()
    assert "You signed off revision 2" in doctor.page.locator(".messagelist").inner_text()

    # Compare revision 1 with revision 2.
    browser.goto(f"/admin/articles/article/{article.pk}/revisions/")
    page.get_by_label("From revision").select_option("1")
    page.get_by_label("to revision").select_option("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    body_diff = page.locator("section.diff", has_text="Body").inner_text()
    assert "[removed: figure, not this clinic's price.]" in body_diff, body_diff
    assert "[added: figure. At this clinic one shot costs" in body_diff
    browser.check_page("compare")

    # Tomorrow, the new text is live with its review line.
    with time_machine.travel(tomorrow + timezone.timedelta(minutes=1)):
        reader.goto(article.get_absolute_url())
        live = reader.page.locator("main").inner_text()
        assert NEW_PRICE in live and TODAY_TEXT not in live
        assert "Reviewed by Alex Example, MD on" in reader.page.locator(".article-meta").inner_text()
        reader.check_page("live-with-review")

    # Restore revision 1 as a new draft: the live page keeps revision 2.
    browser.goto(f"/admin/articles/article/{article.pk}/revisions/")
    with page.expect_navigation():
        page.get_by_role("link", name="Restore revision 1 as a new draft").click()
    browser.check_page("restore")
    with page.expect_navigation():
        page.get_by_role("button", name="Restore revision 1 as a new draft").click()
    assert "restored as revision 3, a draft" in page.locator(".messagelist").inner_text()
    article.refresh_from_db()
    assert article.latest_revision.number == 3 and article.published_revision.number == 2

    # Unpublish asks first.
    with page.expect_navigation():
        page.get_by_role("link", name="Unpublish…").click()
    browser.check_page("unpublish")
