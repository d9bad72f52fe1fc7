"""Every public page is valid HTML according to the Nu HTML Checker (vnu.jar)."""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article

VNU_JAR = Path(__file__).resolve().parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.django_db


def vnu_or_skip():
    missing = []
    if not shutil.which("java"):
        missing.append("Java (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append("vnu.jar (make test installs it with npm)")
    if missing:
        message = "The Nu HTML Checker needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def public_pages(client):
    """(name, html) for every public page and state a patient can reach."""
    pages = {
        "home": "/",
        "guide": "/articles/",
        "search-empty": "/search/",
        "search-results": "/search/?q=knee",
        "search-no-results": "/search/?q=zebra",
        "not-found": "/no-such-page/",
        "privacy": "/about/privacy/",
        "accessibility": "/about/accessibility/",
        "editorial-policy": "/about/editorial-policy/",
    }
    for article in Article.objects.published():
        pages[f"article-{article.slug}"] = article.get_absolute_url()
    for name, url in pages.items():
        yield name, client.get(url).content


def test_public_pages_have_no_html_errors(client, tmp_path):
    vnu_or_skip()
    call_command("load_demo_content", stdout=io.StringIO())
    files = []
    for name, html in public_pages(client):
        path = tmp_path / f"{name}.html"
        path.write_bytes(html)
        files.append(str(path))

    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )

    messages = json.loads(result.stderr or result.stdout)["messages"]
    report = "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()[:80]}]"
        for m in messages
    )
    assert len(files) >= 17
    assert not messages, f"The Nu HTML Checker found errors:\n{report}"
