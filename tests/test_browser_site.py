"""The site frame in a real browser: accessible, keyboard-friendly, no foreign requests."""

import pytest

from tests.factories import make_clinic, make_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_is_accessible_on_phone_and_desktop(browser):
    make_clinic()
    make_provider()

    browser.goto("/")

    assert browser.page.title().startswith("Prolotherapy for joint, back and tendon pain")
    browser.check_page("home")


def test_home_page_is_accessible_in_dark_mode(browser):
    make_clinic()
    browser.page.emulate_media(color_scheme="dark")

    browser.goto("/")

    browser.assert_accessible()
    browser.screenshot("home-dark")


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(browser):
    make_clinic()
    browser.goto("/")
    page = browser.page

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_phone_number_and_appointment_button_are_large_enough_to_tap(browser):
    make_clinic()
    browser.goto("/")
    browser.page.get_by_text("Menu", exact=True).click()  # a phone: they are behind the menu

    for selector in (".phone-link", ".site-header .button"):
        box = browser.page.locator(selector).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, selector


def test_404_page_is_friendly_and_accessible(browser):
    make_clinic()

    response = browser.goto("/no-such-page/")

    assert response.status == 404
    # The browser logs the 404 status itself as a console error; that one is expected.
    browser.problems = [p for p in browser.problems if "404" not in p]
    assert browser.page.locator("h1").inner_text() == "Page not found"
    browser.check_page("404")
