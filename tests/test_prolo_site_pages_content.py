"""The site's own pages (privacy, accessibility, editorial policy, when to get help) as shipped in
prolo_site/content/pages/: well formed, honest about placeholders, and easy to read.

Plain file checks: no database and no Django views are involved.
"""

import re
import tomllib
from pathlib import Path

import pytest

from tests.helpers import plain_text, reading_grade

PAGES_DIR = Path(__file__).resolve().parents[1] / "prolo_site" / "content" / "pages"
EXPECTED = {"privacy": 1, "accessibility": 2, "editorial-policy": 3, "when-to-get-help": 4}
FRONT_MATTER_KEYS = {"title", "slug", "summary", "position"}
ALLOWED_PLACEHOLDERS = {
    "{{ clinic_phone }}",
    "{{ clinic_email }}",
    "{{ retention_days }}",
    "{{ open_retention_days }}",
}
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


def test_the_folder_holds_exactly_the_expected_pages():
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
    sections = _sections(body)
    assert "{{ open_retention_days }} days" in sections["how long we keep your request"]  # open ones too
    assert "no trackers" in text
    assert "sets no cookies" in text
    assert "no analytics" in text
    assert "no advertising" in text


def _sections(body: str) -> dict[str, str]:
    """Each '## ' heading of *body*, lower-cased, mapped to its text in plain words."""
    parts = re.split(r"^## (.+)$", body, flags=re.MULTILINE)
    return {
        heading.strip().lower(): " ".join(plain_text(text).split()).lower()
        for heading, text in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_when_to_get_help_sends_each_warning_sign_to_the_right_place():
    _meta, body = _read("when-to-get-help")
    sections = _sections(body)
    [emergency] = [text for heading, text in sections.items() if "911" in heading]
    assert "trouble breathing" in emergency
    assert "swollen face, lips or throat" in emergency
    [infection] = [text for heading, text in sections.items() if "infection" in heading]
    assert "{{ clinic_phone }}" in infection
    for sign in ("fever", "redness", "hot", "pus"):
        assert sign in infection, sign
    [pain] = [text for heading, text in sections.items() if "pain" in heading]
    assert "keeps getting worse" in pain
    assert "has not settled by the time your provider told you" in pain


def test_editorial_policy_says_who_is_responsible_for_the_aftercare_advice():
    _meta, body = _read("editorial-policy")
    [text] = [text for heading, text in _sections(body).items() if "aftercare advice" in heading]
    assert "when to get help" in text
    assert "providers, who give the shots, are responsible" in text


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
