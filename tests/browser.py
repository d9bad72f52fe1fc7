"""The browser harness: headless Chromium through Playwright, axe-core checks, screenshots.

A BrowserSession records every console error (CSP violations included), page
error and request to another origin; the `browser` fixture fails the test on any.
"""

import contextlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@contextlib.contextmanager
def launch_chromium(executable):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class BrowserSession:
    """One browser context (its own cookies) with a page, watched for problems."""

    def __init__(self, chromium, base_url, *, test_name, viewport=PHONE, color_scheme="light"):
        self.base_url = base_url.rstrip("/")
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        self.problems = []
        self.context = chromium.new_context(viewport=viewport, color_scheme=color_scheme)
        self.context.route("**/*", self._only_our_origin)
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        return page

    def _only_our_origin(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or _origin(url) == _origin(self.base_url):
            route.continue_()
        else:
            self.problems.append(f"request to another origin: {url}")
            route.abort()

    def _on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def url(self, path):
        return f"{self.base_url}{path}"

    def goto(self, path):
        response = self.page.goto(self.url(path))
        self.page.wait_for_load_state("load")
        return response

    def assert_accessible(self, *, context=None):
        """axe-core finds no violation on the page as it is now (WCAG 2.2 AA and best practice)."""
        problems_before = len(self.problems)
        self.page.evaluate(AXE_SOURCE)  # evaluate, not a <script> tag: the CSP forbids those
        results = self.page.evaluate(
            "([context, tags]) => axe.run(context || document, {runOnly: {type: 'tag', values: tags}})",
            [context, AXE_TAGS],
        )
        # axe itself sets inline styles while it measures some elements, and the
        # page's CSP rightly blocks them: those reports are about our test tool,
        # not the site, so they are dropped (only those, only during the run).
        self.problems[problems_before:] = [
            problem for problem in self.problems[problems_before:] if "Applying inline style" not in problem
        ]
        violations = results["violations"]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n    "
            + "\n    ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"axe-core violations on {self.page.url}:\n{report}"

    def screenshot(self, name):
        """Save the whole page at phone and desktop widths into tests/screenshots/."""
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        original = self.page.viewport_size
        paths = []
        for size in (PHONE, DESKTOP):
            self.page.set_viewport_size(size)
            path = SCREENSHOT_DIR / f"{self.test_name}-{name}-{size['width']}.png"
            self.page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        self.page.set_viewport_size(original)
        return paths

    def check_page(self, name):
        """The usual checks for a page a person lands on: axe clean, and screenshots."""
        self.assert_accessible()
        self.screenshot(name)

    def close(self):
        self.context.close()

    def assert_clean(self):
        assert not self.problems, "The browser saw problems:\n" + "\n".join(self.problems)
