"""The request form and the front desk in a real browser: keyboard only, axe-clean, phone-sized."""

import re

import pytest
from playwright.sync_api import expect

from appointments.models import AppointmentRequest
from tests.factories import (
    FRONT_DESK_PASSWORD,
    make_appointment_request,
    make_clinic,
    make_front_desk_user,
    make_provider,
)
from tests.helpers import FORM_URL, RECEIVED_URL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = re.compile(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}")


def active_element(page):
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def tab_to(page, element_id, *, most=12):
    """Press Tab until the element with `element_id` has focus (and fail if it never does)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}; focus is on {active_element(page)!r}")


def test_patient_reads_the_errors_fixes_them_with_the_keyboard_and_gets_a_reference(browser):
    make_clinic(opening_hours="Monday to Friday, 8 am to 5 pm")
    make_provider()
    page = browser.page

    browser.goto(FORM_URL)
    assert page.title().startswith("Request an appointment")
    browser.check_page("form")

    with page.expect_navigation():
        page.locator("button.form-submit").click()

    # The error summary comes first, has focus without any script, and links each problem.
    assert page.title().startswith("Error: Request an appointment")
    # Chromium moves focus to an autofocus element at its next rendering step, which may come just
    # after the load event: to_be_focused waits for it (and fails if it never comes).
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert summary.locator("h2").inner_text() == "There is a problem"
    assert "Enter your name." in summary.inner_text()
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    browser.check_page("form-errors")

    # Keyboard only from here: the first link in the summary jumps to the name field.
    page.keyboard.press("Tab")
    assert active_element(page) == "Enter your name."
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_name"
    page.keyboard.type("Maria Example")

    tab_to(page, "id_patient_type_0")
    page.keyboard.press("Space")
    tab_to(page, "id_contact_method_0")
    page.keyboard.press("Space")
    tab_to(page, "id_phone")
    page.keyboard.type("(757) 555-0142")
    tab_to(page, "id_best_time_0")
    page.keyboard.press("ArrowDown")  # Morning
    tab_to(page, "id_visit_type_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Either is fine
    tab_to(page, "id_areas_0")
    page.keyboard.press("Space")  # Knee
    tab_to(page, "id_message")
    page.keyboard.type("Worse on stairs <b>since March</b>")
    tab_to(page, "id_acknowledged_not_emergency")
    page.keyboard.press("Space")
    # The next stop is the button: the honeypot is never in the way.
    page.keyboard.press("Tab")
    assert active_element(page) == "Send request"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{RECEIVED_URL}")

    reference = page.locator(".confirmation__reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    assert page.title().startswith("We have your request")
    assert "Monday to Friday, 8 am to 5 pm" in page.locator("main").inner_text()
    browser.check_page("confirmation")

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.display_reference == reference
    assert appointment_request.best_time == "morning"
    assert appointment_request.visit_type == "either"
    assert appointment_request.areas == "knee"
    assert appointment_request.message == "Worse on stairs <b>since March</b>"

    # A refresh shows the same confirmation and stores nothing new.
    page.reload()
    assert page.locator(".confirmation__reference").inner_text() == reference
    assert AppointmentRequest.objects.count() == 1


def test_error_state_is_accessible_in_dark_mode(browser):
    make_clinic()
    browser.page.emulate_media(color_scheme="dark")
    browser.goto(FORM_URL)

    with browser.page.expect_navigation():
        browser.page.locator("button.form-submit").click()

    browser.assert_accessible()
    browser.screenshot("form-errors-dark")


def test_honeypot_is_invisible_and_tap_targets_are_large(browser):
    make_clinic()
    browser.goto(FORM_URL)
    page = browser.page

    wrapper = page.locator("#div_id_website").locator("xpath=..").bounding_box()
    assert wrapper["width"] <= 1 and wrapper["height"] <= 1  # clipped to nothing on screen
    assert page.get_by_role("textbox", name="Leave this field empty").count() == 0  # not for screen readers
    assert page.get_by_role("textbox", name="Your full name").count() == 1
    for selector in ("#id_areas_0", "label[for=id_areas_0]", "button.form-submit", "#id_name"):
        target = page.locator(selector).bounding_box()
        assert target["height"] >= 24 and target["width"] >= 24, selector


def test_front_desk_logs_in_finds_the_request_and_marks_it_contacted(browser):
    make_clinic()
    user = make_front_desk_user()
    wanted = make_appointment_request(name="Maria Example")
    make_appointment_request(name="Someone Else", phone="+17575550199", email="else@example.com")
    page = browser.page

    browser.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", FRONT_DESK_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")

    with page.expect_navigation():
        page.locator("#content-main .model-appointmentrequest th a").click()
    page.fill("#searchbar", wanted.display_reference.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Maria Example" in rows.first.inner_text()

    with page.expect_navigation():
        rows.first.locator("th a").click()
    page.select_option("#id_status", "contacted")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    wanted.refresh_from_db()
    assert wanted.status == AppointmentRequest.Status.CONTACTED
    assert wanted.history.first().history_user == user

    # The history says who did it (and its page keeps to the Content-Security-Policy).
    browser.goto(f"/admin/appointments/appointmentrequest/{wanted.pk}/history/")
    latest = page.locator("#change-history tbody tr").first.inner_text()
    assert "frontdesk" in latest
    assert "new" in latest and "contacted" in latest
