"""Reading the guide in a real browser on a phone-sized screen."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.models import Article
from tests.factories import make_article, make_clinic, publish_changes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def guide():
    make_clinic()
    call_command("load_guide", stdout=io.StringIO())
    return list(Article.objects.published())


def test_reader_goes_from_home_to_every_article_and_each_fits_a_phone(browser, guide):
    """Every article's axe check is test_browser_trust.py's (every public page, both widths)."""
    browser.goto("/")
    browser.page.get_by_role("link", name="See all articles in the prolotherapy guide").click()
    assert browser.page.title().startswith("Prolotherapy guide")
    browser.check_page("guide-index")

    for language, index in (("en", None), ("es", "/es/guia/")):
        if index:
            browser.goto(index)
        for article in [article for article in guide if article.language == language]:
            browser.page.get_by_role("link", name=article.title, exact=True).first.click()
            assert browser.page.locator("h1").inner_text() == article.title
            no_sideways_scroll = browser.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"
            )
            assert no_sideways_scroll, f"{article.slug} scrolls sideways at 390px"
            browser.page.go_back()
    browser.goto(guide[0].get_absolute_url())
    browser.screenshot("article")


def test_table_of_contents_link_moves_to_its_section(browser, guide):
    article = next(a for a in guide if a.slug == "conditions-and-evidence")
    browser.goto(article.get_absolute_url())
    toc_link = browser.page.locator(".toc a").nth(1)
    target_id = toc_link.get_attribute("href").lstrip("#")

    toc_link.click()

    assert browser.page.url.endswith(f"#{target_id}")
    heading = browser.page.locator(f"[id='{target_id}']")
    box = heading.bounding_box()
    assert 0 <= box["y"] < browser.page.viewport_size["height"] / 2


def test_citation_link_jumps_to_its_numbered_source(browser, guide):
    browser.goto(guide[0].get_absolute_url())

    browser.page.locator(".cite a").first.click()

    assert "#source-" in browser.page.url
    target = browser.page.url.rsplit("#", 1)[1]
    assert browser.page.locator(f"#{target}").is_visible()


def test_sensitive_image_stays_hidden_until_the_reader_opens_it(browser, tiny_png):
    make_clinic()
    article = make_article(hero_alt="An injection into a knee", hero_is_sensitive=True)
    article.hero_image = SimpleUploadedFile("knee.png", tiny_png, content_type="image/png")
    article.save()
    publish_changes(article)

    browser.goto(article.get_absolute_url())
    image = browser.page.get_by_alt_text("An injection into a knee")
    assert not image.is_visible()

    browser.page.get_by_text("This image may be upsetting").click()

    assert image.is_visible()
    assert browser.page.evaluate("document.querySelector('.hero-image img').currentSrc").endswith(".webp")
    browser.check_page("sensitive-image-open")


def test_search_for_knee_from_the_header(browser, guide):
    browser.goto("/")
    browser.page.get_by_text("Menu", exact=True).click()  # a phone: the links are behind the menu
    browser.page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    browser.page.get_by_label("Search for a word").fill("knee")
    browser.page.keyboard.press("Enter")

    browser.page.wait_for_url("**/search/?q=knee")
    assert "found for “knee”" in browser.page.locator("#results-heading").inner_text()
    browser.check_page("search-results")

    browser.goto("/search/?q=zebra")
    browser.check_page("search-no-results")
