"""Every public page in a real browser: axe-clean in light and dark, reflows at 320px,
survives 200% text, shows focus, has big enough targets and prints cleanly."""

import io

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.browser import BrowserSession
from tests.factories import FRONT_DESK_PASSWORD, make_appointment_request, make_front_desk_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATIC_PAGES = [
    ("home", "/"),
    ("guide", "/articles/"),
    ("search", "/search/"),
    ("search-results", "/search/?q=knee"),
    ("search-no-results", "/search/?q=zebra"),
    ("privacy", "/about/privacy/"),
    ("accessibility", "/about/accessibility/"),
    ("editorial-policy", "/about/editorial-policy/"),
    ("request-form", "/appointments/request/"),
]

# Interactive elements outside running text, which WCAG 2.5.8 wants at least 24 × 24 px.
TARGETS = "header a, nav a, footer a, button, input, select, textarea, summary, .toc a, .sources a, .button"


@pytest.fixture
def demo():
    call_command("load_demo_content", stdout=io.StringIO())


def every_public_page():
    pages = list(STATIC_PAGES)
    pages += [(f"article-{a.slug}", a.get_absolute_url()) for a in Article.objects.published()]
    return pages


def small_targets(page):
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.width < 24 || box.height < 24)
            .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${box.width}x${box.height}`)""",
        TARGETS,
    )


@pytest.mark.parametrize(
    ("color_scheme", "widths"),
    # Colours do not change with the width: the dark scheme is checked on the phone only.
    [("light", (390, 1280)), ("dark", (390,))],
    ids=["light", "dark"],
)
def test_every_public_page_is_accessible_at_phone_and_desktop_widths(
    chromium, live_server, demo, request, color_scheme, widths
):
    for width in widths:
        session = BrowserSession(
            chromium,
            live_server.url,
            test_name=f"{request.node.name}-{width}",
            viewport={"width": width, "height": 900},
            color_scheme=color_scheme,
        )
        try:
            for name, url in every_public_page():
                session.goto(url)
                session.assert_accessible()
                assert not small_targets(session.page), (url, small_targets(session.page))
                if width == 390:
                    session.screenshot(f"{name}-{color_scheme}")
        finally:
            session.close()
        session.assert_clean()


def test_pages_reflow_at_320px_and_with_text_at_200_percent(chromium, live_server, demo, request):
    session = BrowserSession(
        chromium, live_server.url, test_name=request.node.name, viewport={"width": 320, "height": 640}
    )
    try:
        for _name, url in every_public_page():
            session.goto(url)
            assert session.page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
                f"{url} at 320px"
            )
            session.page.evaluate("document.documentElement.style.fontSize = '200%'")
            assert session.page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
                f"{url} at 200% text"
            )
    finally:
        session.close()
    session.assert_clean()


def test_keyboard_focus_is_always_visible_and_in_a_sensible_order(browser, demo):
    browser.goto("/articles/what-is-prolotherapy/")
    page = browser.page
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
                return {text: el.textContent.trim().slice(0, 40), outline: style.outlineStyle,
                        width: parseFloat(style.outlineWidth), top: box.top, bottom: box.bottom,
                        inView: box.bottom > 0 && box.top < innerHeight};
            }"""
        )
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
        assert focused["inView"], f"focused element scrolled out of view: {focused}"
        seen.append(focused["text"])
    assert seen[0] == "Skip to main content"
    # The clinic's name link holds its full and its short name (one is shown, by width).
    order = [
        next(i for i, text in enumerate(seen) if text.startswith(label))
        for label in ("Orthopaedic & Spine Center", "Menu", "The short answer")
    ]
    assert order == sorted(order), seen


def test_reduced_motion_is_respected(browser, demo):
    browser.page.emulate_media(reduced_motion="reduce")
    browser.goto("/")

    durations = browser.page.evaluate(
        "[...document.querySelectorAll('*')].map(el => getComputedStyle(el).transitionDuration)"
    )
    assert all(duration in ("0s", "1e-05s") for duration in durations)


def test_an_article_prints_with_its_sources_and_address(browser, demo):
    browser.goto("/articles/conditions-and-evidence/")
    page = browser.page

    page.emulate_media(media="print")

    assert page.locator(".print-only").is_visible()
    assert (
        "Printed from http://127.0.0.1:8000/articles/conditions-and-evidence/"
        in page.locator(".print-only").inner_text()
    )
    assert page.locator("#sources-heading").is_visible()
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".cta").is_visible()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_front_desk_admin_pages_are_accessible_and_keep_to_the_csp(
    chromium, live_server, demo, request, color_scheme
):
    user = make_front_desk_user()
    appointment = make_appointment_request(name="<b>Maria</b> Example")
    session = BrowserSession(
        chromium,
        live_server.url,
        test_name=request.node.name,
        viewport={"width": 1280, "height": 900},
        color_scheme=color_scheme,
    )
    page = session.page
    try:
        session.goto("/admin/login/")
        session.assert_accessible()
        page.fill("#id_username", user.username)
        page.fill("#id_password", FRONT_DESK_PASSWORD)
        with page.expect_navigation():
            page.locator("input[type=submit]").click()
        for name, url in [
            ("admin-list", "/admin/appointments/appointmentrequest/"),
            ("admin-change", f"/admin/appointments/appointmentrequest/{appointment.pk}/change/"),
            ("admin-history", f"/admin/appointments/appointmentrequest/{appointment.pk}/history/"),
        ]:
            session.goto(url)
            session.assert_accessible()
            if name != "admin-history":
                assert page.get_by_text("<b>Maria</b> Example").count() >= 1  # shown as text...
            assert page.locator("b", has_text="Maria").count() == 0  # ...never as markup
            session.screenshot(f"{name}-{color_scheme}")
    finally:
        session.close()
    session.assert_clean()
