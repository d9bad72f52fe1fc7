"""The site's own pages (privacy, accessibility, editorial policy) as shipped in
prolo_site/content/pages/: well formed, honest about placeholders, and easy to read.

Plain file checks: no database and no Django views are involved.
"""

import re
import tomllib
from pathlib import Path

import pytest

from tests.helpers import plain_text, reading_grade

PAGES_DIR = Path(__file__).resolve().parents[1] / "prolo_site" / "content" / "pages"
EXPECTED = {"privacy": 1, "accessibility": 2, "editorial-policy": 3}
FRONT_MATTER_KEYS = {"title", "slug", "summary", "position"}
ALLOWED_PLACEHOLDERS = {"{{ clinic_phone }}", "{{ retention_days }}"}
MAX_GRADE = 9

FRONT_MATTER = re.compile(
    r"\A\+\+\+[ \t]*\r?\n(?P<meta>.*?)^\+\+\+[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z",
    re.DOTALL | re.MULTILINE,
)
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?/?>|<!--")
TEMPLATE_MARK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def _read(slug: str) -> tuple[dict, str]:
    path = PAGES_DIR / f"{slug}.md"
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path}: must start with TOML front matter between two '+++' lines"
    return tomllib.loads(match.group("meta")), match.group("body").strip()


def test_the_folder_holds_exactly_the_three_pages():
    assert sorted(path.stem for path in PAGES_DIR.glob("*.md")) == sorted(EXPECTED)


@pytest.mark.parametrize("slug", EXPECTED)
def test_front_matter(slug):
    meta, _body = _read(slug)
    assert set(meta) == FRONT_MATTER_KEYS
    assert meta["slug"] == slug
    assert meta["position"] == EXPECTED[slug]
    assert isinstance(meta["title"], str) and meta["title"].strip()
    assert isinstance(meta["summary"], str) and meta["summary"].strip()
    assert len(meta["summary"]) <= 300
    assert not TEMPLATE_MARK.search(meta["summary"]), "the summary is shown as is: no placeholders"


@pytest.mark.parametrize("slug", EXPECTED)
def test_body_structure(slug):
    _meta, body = _read(slug)
    assert body.startswith("## "), "the body starts with a section heading"
    assert len(re.findall(r"^## \S", body, flags=re.MULTILINE)) >= 2
    assert not re.search(r"^# ", body, flags=re.MULTILINE), "the page title is the only h1"
    assert not HTML_TAG.search(body), "no raw HTML in the body"


@pytest.mark.parametrize("slug", EXPECTED)
def test_only_allowed_placeholders(slug):
    _meta, body = _read(slug)
    found = set(TEMPLATE_MARK.findall(body))
    assert found <= ALLOWED_PLACEHOLDERS, f"unexpected template marks: {sorted(found - ALLOWED_PLACEHOLDERS)}"
    assert "{{ clinic_phone }}" in body, "every page tells the reader how to reach the clinic"


def test_privacy_notice_states_retention_and_no_tracking():
    _meta, body = _read("privacy")
    text = " ".join(plain_text(body).split()).lower()
    assert "{{ retention_days }}" in body
    assert "no trackers" in text
    assert "sets no cookies" in text
    assert "no analytics" in text
    assert "no advertising" in text


@pytest.mark.parametrize("slug", EXPECTED)
def test_no_invented_legal_claims(slug):
    _meta, body = _read(slug)
    for word in ("HIPAA", "GDPR", "ADA", "Section 508", "certified by", "complies with", "compliant"):
        assert not re.search(rf"\b{re.escape(word)}\b", body, flags=re.IGNORECASE), word


@pytest.mark.parametrize("slug", EXPECTED)
def test_readability(slug):
    _meta, body = _read(slug)
    grade = reading_grade(body)
    assert grade <= MAX_GRADE, f"{slug}: Flesch-Kincaid grade {grade} is above {MAX_GRADE}"
