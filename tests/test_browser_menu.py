"""The header on small screens: at 320 px and with 200 % text it leaves most of the first
screen to the page, and its Menu (a <details>, no JavaScript) opens with the keyboard."""

import io

import pytest
from django.core.management import call_command

from tests.browser import BrowserSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"width": 320, "height": 568}
TEXT_SIZES = ["100%", "200%"]


@pytest.fixture
def demo():
    call_command("load_demo_content", stdout=io.StringIO())


@pytest.fixture
def small_phone(chromium, live_server, request):
    session = BrowserSession(chromium, live_server.url, test_name=request.node.name, viewport=SMALL_PHONE)
    yield session
    session.close()
    session.assert_clean()


def _open(session, path, text_size):
    session.goto(path)
    # CSSOM, not a style attribute: the CSP allows it, as it allows the browser's own text zoom.
    session.page.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")


def _header_share(page):
    return page.evaluate(
        "document.querySelector('.site-header').getBoundingClientRect().height / innerHeight"
    )


def _focused(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
            return {text: el.textContent.trim(), tag: el.tagName, outline: style.outlineStyle,
                    outlineWidth: parseFloat(style.outlineWidth), width: box.width, height: box.height};
        }"""
    )


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_the_header_takes_less_than_a_third_of_a_small_screen(small_phone, demo, text_size):
    for path in ("/", "/articles/your-visit/", "/appointments/request/"):
        _open(small_phone, path, text_size)

        assert _header_share(small_phone.page) < 1 / 3, (path, _header_share(small_phone.page))
        assert small_phone.page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path
        main = small_phone.page.get_by_role("navigation", name="Main")
        assert not main.get_by_role("link", name="Prolotherapy guide").is_visible()
    small_phone.page.screenshot(path=str(_screenshot_path(small_phone, f"form-{text_size[:-1]}")))


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_the_menu_opens_with_the_keyboard_and_its_links_work(small_phone, demo, text_size):
    page = small_phone.page
    _open(small_phone, "/", text_size)

    for _ in range(3):  # the skip link, the clinic's name, then the menu
        page.keyboard.press("Tab")
    menu = _focused(page)
    assert (menu["tag"], menu["text"]) == ("SUMMARY", "Menu")
    assert menu["outline"] != "none" and menu["outlineWidth"] >= 2, menu
    assert menu["width"] >= 24 and menu["height"] >= 24, menu
    page.keyboard.press("Enter")

    nav = page.get_by_role("navigation", name="Main")
    for name in ("Home", "Prolotherapy guide", "Search", "Request appointment"):
        link = nav.get_by_role("link", name=name)
        assert link.is_visible(), name
        box = link.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (name, box)
    assert page.locator(".site-header .phone-link").is_visible()
    small_phone.assert_accessible()
    page.screenshot(path=str(_screenshot_path(small_phone, f"menu-open-{text_size[:-1]}")))

    nav.get_by_role("link", name="Prolotherapy guide").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/")
    assert page.locator("h1").inner_text() == "Prolotherapy guide"
    # A new page starts with the menu closed again.
    assert not page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").is_visible()


def test_the_menu_closes_again_with_the_keyboard(small_phone, demo):
    page = small_phone.page
    small_phone.goto("/")
    page.locator(".site-menu__button").focus()

    page.keyboard.press("Enter")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").is_visible()
    page.keyboard.press("Space")

    assert not page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").is_visible()


def test_wide_screens_show_the_links_without_a_menu_button(browser, demo):
    browser.page.set_viewport_size({"width": 1280, "height": 900})
    browser.goto("/")

    assert not browser.page.locator(".site-menu__button").is_visible()
    nav = browser.page.get_by_role("navigation", name="Main")
    for name in ("Home", "Prolotherapy guide", "Search", "Request appointment"):
        assert nav.get_by_role("link", name=name).is_visible(), name
    assert browser.page.locator(".site-header .phone-link").is_visible()
    browser.assert_accessible()


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_the_when_to_get_help_advice_on_an_article_is_readable_and_linked_at_320px(
    small_phone, demo, text_size
):
    page = small_phone.page
    _open(small_phone, "/articles/your-visit/", text_size)

    heading = page.get_by_role("heading", name="When to get help")
    heading.scroll_into_view_if_needed()
    section = page.locator(".article-body li", has_text="Call 911")
    assert section.is_visible()
    assert section.bounding_box()["x"] >= 0
    assert section.bounding_box()["x"] + section.bounding_box()["width"] <= SMALL_PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    link = page.locator(".article-body").get_by_role("link", name="When to get help")
    link.scroll_into_view_if_needed()
    page.screenshot(path=str(_screenshot_path(small_phone, f"when-to-get-help-{text_size[:-1]}")))
    box = link.bounding_box()
    assert box["height"] >= 24 or box["width"] >= 24, box

    link.click()
    page.wait_for_url("**/about/when-to-get-help/")
    assert page.locator("h1").inner_text().startswith("When to get help")
    assert page.get_by_role("link", name="911").count() + page.get_by_text("911").count() >= 1
    small_phone.assert_accessible()


def _screenshot_path(session, name):
    from tests.browser import SCREENSHOT_DIR

    SCREENSHOT_DIR.mkdir(exist_ok=True)
    return SCREENSHOT_DIR / f"{session.test_name}-{name}-320.png"
