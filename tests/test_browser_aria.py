"""The accessibility tree screen readers read, checked with Playwright's ARIA snapshots on the
main pages: headings, landmarks, the names of links and fields, and the error summary.
The accessibility statement claims this structure, and no more."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(browser):
    call_command("load_demo_content", stdout=io.StringIO())
    browser.page.set_viewport_size({"width": 1280, "height": 900})


def test_the_home_page_has_its_landmarks_headings_and_named_links(browser, demo):
    browser.goto("/")

    expect(browser.page.locator("body")).to_match_aria_snapshot(
        """
        - link "Skip to main content"
        - banner:
          - link "Orthopaedic & Spine Center"
          - group:
            - link "Call us on (757) 596-1900"
            - link "Request appointment"
            - navigation "Main":
              - list:
                - listitem:
                  - link "Home"
                - listitem:
                  - link "Prolotherapy guide"
                - listitem:
                  - link "Search"
                - listitem:
                  - link "Request appointment"
        - main:
          - region "Prolotherapy for joint, back and tendon pain":
            - heading "Prolotherapy for joint, back and tendon pain" [level=1]
          - region "Start with our guide":
            - heading "Start with our guide" [level=2]
          - region "Our providers":
            - heading "Our providers" [level=2]
        - contentinfo:
          - region "Not for emergencies":
            - heading "Not for emergencies" [level=2]
          - navigation "About this website":
            - list:
              - listitem:
                - link "Privacy notice"
              - listitem:
                - link "Accessibility statement"
        """
    )


def test_an_article_has_one_title_its_sections_and_sources(browser, demo):
    browser.goto("/articles/your-visit/")

    expect(browser.page.locator("main")).to_match_aria_snapshot(
        """
        - main:
          - 'article "Your prolotherapy visit: what to expect"':
            - navigation "Breadcrumb":
              - list:
                - listitem:
                  - link "Prolotherapy guide"
            - 'heading "Your prolotherapy visit: what to expect" [level=1]'
            - region "In short":
              - heading "In short" [level=2]
            - navigation "On this page":
              - heading "On this page" [level=2]
            - heading "When to get help" [level=2]
            - region "Sources":
              - heading "Sources" [level=2]
            - complementary "Questions about prolotherapy?":
              - heading "Questions about prolotherapy?" [level=2]
        """
    )


def test_the_form_names_every_field_and_its_errors_are_summarised_with_links(browser, demo):
    page = browser.page
    browser.goto("/appointments/request/")
    expect(page.locator("main")).to_match_aria_snapshot(
        """
        - main:
          - heading "Request an appointment" [level=1]
          - region "This form is not for emergencies"
          - textbox "Your full name"
          - group "Have you been to the clinic before?":
            - radio "No, I am a new patient"
            - radio "Yes, I am a returning patient"
          - group "How would you like us to contact you?"
        """
    )

    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state("load")

    expect(page.locator("main")).to_match_aria_snapshot(
        """
        - main:
          - alert "There is a problem":
            - heading "There is a problem" [level=2]
            - list:
              - listitem:
                - link "Enter your name."
              - listitem:
                - link "Confirm that you understand this form is not for emergencies."
          - heading "Request an appointment" [level=1]
          - textbox "Your full name" [invalid]
        """
    )
    expect(page.get_by_role("alert")).to_be_focused()
    page.get_by_role("link", name="Enter your name.").click()
    assert page.evaluate("document.activeElement.id") == "id_name"
