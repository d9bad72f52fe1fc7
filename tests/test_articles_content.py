"""Checks on the patient guide content in ``articles/content/``.

These are plain functions over files: they need no database and no Django
settings, so they also run with ``-p no:django``.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from articles.doi import is_doi  # noqa: E402
from articles.guide_content import (  # noqa: E402
    CONTENT_DIR,
    TOPICS,
    citation_numbers,
    load_guide,
    load_sources,
)
from tests.helpers import plain_text, reading_grade  # noqa: E402

ORIGINALITY_CHECK = Path(__file__).resolve().parents[2] / "shared" / "tools" / "originality-check"

MIN_ARTICLES = 7
MAX_GRADE = 8.0
MAX_MEDIAN_GRADE = 7.0

# People named in the source documents who are not authors of a listed source.
# Author surnames are read from sources.toml below.
OTHER_PEOPLE = ("Andrus", "Jenny", "Climan", "Anastasia")
# Titles and credentials that only appear next to a person's name.
PERSON_MARKERS = re.compile(r"\bDr\.?\s+[A-Z]|\b(?:MD|PhD|RDN|CD-N|DPM|MPH)\b|\breviewed by\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def guide():
    return load_guide()


def _author_surnames() -> set[str]:
    """Surnames of every author in sources.toml ("Hauser RA, Lackner JB, ..." -> Hauser, Lackner).

    Only "Surname INITIALS" counts as a person: an organisation that is its own
    author ("Orthopaedic & Spine Center") is a name the articles may use.
    """
    surnames = set()
    for source in load_sources().values():
        authors = source.citation.split(". ", 1)[0]
        for author in authors.split(","):
            words = author.split()
            if len(words) == 2 and words[0] != "et" and re.fullmatch(r"[A-Z][A-Za-z]{0,3}", words[1]):
                surnames.add(words[0])
    return surnames


# --- Structure -------------------------------------------------------------


def test_there_are_enough_articles(guide):
    assert len(guide) >= MIN_ARTICLES, f"only {len(guide)} articles; need at least {MIN_ARTICLES}"


def test_articles_are_in_order_with_unique_slugs(guide):
    slugs = [article.slug for article in guide]
    assert len(set(slugs)) == len(slugs), f"duplicate slugs: {slugs}"
    positions = [article.position for article in guide]
    assert positions == sorted(set(positions)), f"positions not unique and ascending: {positions}"


@pytest.mark.parametrize("article", load_guide(), ids=lambda article: article.slug)
def test_article_is_complete(article):
    assert article.title.strip()
    assert article.topic in TOPICS
    assert len(article.summary.split()) >= 10, "summary should answer the title in a few sentences"
    sections = re.findall(r"^## \S", article.body, flags=re.MULTILINE)
    assert len(sections) >= 2, "needs at least two '## ' sections"
    assert not re.search(r"^# ", article.body, flags=re.MULTILINE), "the page supplies the h1; start at '## '"
    assert article.sources, "needs at least one numbered source"


@pytest.mark.parametrize("article", load_guide(), ids=lambda article: article.slug)
def test_citations_are_in_range_and_every_source_is_cited(article):
    cited = set(citation_numbers(article.body))
    listed = set(range(1, len(article.sources) + 1))
    assert not cited - listed, f"citations {sorted(cited - listed)} out of range 1..{len(listed)}"
    never_cited = [article.sources[n - 1].key for n in sorted(listed - cited)]
    assert not never_cited, f"sources listed but never cited: {never_cited}"


def test_every_source_is_used_by_some_article(guide):
    used = {source.key for article in guide for source in article.sources}
    unused = set(load_sources()) - used
    assert not unused, f"sources.toml lists sources no article cites: {sorted(unused)}"


def test_dois_look_like_dois():
    data = tomllib.loads((CONTENT_DIR / "sources.toml").read_text(encoding="utf-8"))
    bad = {
        key: table.get("doi") for key, table in data.items() if table.get("doi") and not is_doi(table["doi"])
    }
    assert not bad, f"DOIs must look like 10.NNNN/...: {bad}"
    assert all(table.get("citation") for table in data.values()), "every source needs a citation"


# --- Writing ----------------------------------------------------------------


def test_readability(guide):
    grades = {article.slug: reading_grade(article.summary + "\n\n" + article.body) for article in guide}
    report = ", ".join(f"{slug}: {grade:.1f}" for slug, grade in grades.items())
    median = statistics.median(grades.values())
    too_hard = {slug: grade for slug, grade in grades.items() if grade > MAX_GRADE}
    assert not too_hard, f"Flesch-Kincaid grade above {MAX_GRADE}: {too_hard} (all: {report})"
    assert median <= MAX_MEDIAN_GRADE, f"median grade {median:.1f} > {MAX_MEDIAN_GRADE} ({report})"


def test_no_sentences_copied_from_the_sources():
    if not ORIGINALITY_CHECK.is_file():
        pytest.skip(f"originality-check tool not found at {ORIGINALITY_CHECK}")
    result = subprocess.run(
        [sys.executable, str(ORIGINALITY_CHECK), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_articles_name_no_people(guide):
    names = _author_surnames() | set(OTHER_PEOPLE)
    name_pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b")
    problems = []
    for article in guide:
        text = "\n".join((article.title, article.summary, article.body))
        for pattern in (name_pattern, PERSON_MARKERS):
            problems += [f"{article.slug}: {match.group(0)!r}" for match in pattern.finditer(text)]
    assert not problems, f"articles must not name people: {problems}"


WHEN_TO_GET_HELP = "/about/when-to-get-help/"
# The articles about having the shots carry their own "When to get help" section.
ARTICLES_WITH_A_HELP_SECTION = ("your-visit", "side-effects-and-safety", "a-course-of-treatment")
MAX_ECHO_SHARE = 0.10
ECHO_SIMILARITY = 0.6


def _sentences(text: str) -> list[tuple[str, frozenset]]:
    """The sentences a reader reads, each with its set of word trigrams (lower case,
    punctuation dropped). Sentences of fewer than three words have no trigrams and
    are left out: a lone "swelling." in two lists is not an echo."""
    sentences = []
    for line in plain_text(text).split("\n"):
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
            words = re.findall(r"[a-z0-9%$]+(?:'[a-z]+)?", sentence.lower())
            if len(words) >= 3:
                sentences.append((sentence, frozenset(zip(words, words[1:], words[2:], strict=False))))
    return sentences


def _echoes(guide) -> dict[str, tuple[list[str], int]]:
    """For each article: its sentences that nearly repeat a sentence of another
    article (trigram Jaccard similarity >= ECHO_SIMILARITY), and its sentence count."""
    sentences = {article.slug: _sentences(article.summary + "\n\n" + article.body) for article in guide}
    echoes = {}
    for slug, own in sentences.items():
        others = [trigrams for other, theirs in sentences.items() if other != slug for _s, trigrams in theirs]
        echoed = [
            sentence
            for sentence, trigrams in own
            if any(len(trigrams & other) / len(trigrams | other) >= ECHO_SIMILARITY for other in others)
        ]
        echoes[slug] = (echoed, len(own))
    return echoes


def test_articles_say_each_thing_once(guide):
    too_many = {
        slug: echoed
        for slug, (echoed, total) in _echoes(guide).items()
        if len(echoed) > MAX_ECHO_SHARE * total
    }
    assert not too_many, f"more than one sentence in ten repeats another article: {too_many}"


def test_echo_check_catches_a_definition_copied_into_another_article(guide):
    definition = "A tendon is a strong cord of tissue. It fixes a muscle to a bone."
    first, second, *rest = guide
    copies = [
        dataclasses.replace(article, body=article.body + ("\n\n" + definition) * 6)
        for article in (first, second)
    ]
    echoes = _echoes([*copies, *rest])
    assert definition.split(". ")[0] + "." in echoes[first.slug][0]


def test_every_article_links_to_when_to_get_help(guide):
    missing = [article.slug for article in guide if f"]({WHEN_TO_GET_HELP})" not in article.body]
    assert not missing, f"articles without a link to {WHEN_TO_GET_HELP}: {missing}"


@pytest.mark.parametrize("slug", ARTICLES_WITH_A_HELP_SECTION)
def test_articles_about_the_shots_say_when_to_call_the_clinic_or_911(guide, slug):
    [article] = [article for article in guide if article.slug == slug]
    match = re.search(
        r"^## When to get help\n(?P<text>.*?)(?=^## |\Z)", article.body, re.MULTILINE | re.DOTALL
    )
    assert match, f"{slug}: needs a '## When to get help' section"
    text = " ".join(plain_text(match.group("text")).split())
    assert "911" in text
    assert "trouble breathing" in text
    assert "keeps getting worse" in text
    assert f"]({WHEN_TO_GET_HELP})" in match.group("text")


def test_no_article_calls_a_rise_in_pain_harmless_without_a_condition(guide):
    # The old wording ("not a sign that something has gone wrong") reassured a
    # patient whose pain was a warning sign.
    problems = [article.slug for article in guide if "gone wrong" in (article.summary + article.body).lower()]
    assert not problems, problems


def test_the_foot_and_ankle_figures_appear_once_with_their_single_source(guide):
    with_figure = [article for article in guide if "81%" in article.summary + article.body]
    assert [article.slug for article in with_figure] == ["conditions-and-evidence"]
    [article] = with_figure
    keys = [source.key for source in article.sources]
    paragraph = next(p for p in article.body.split("\n\n") if "81%" in p)
    cited = {keys[n - 1] for n in citation_numbers(paragraph)}
    assert "hajimirsadhegh" in cited
    assert "single publication" in paragraph
    assert "$" not in paragraph, "the figure is never put beside the price"


def test_the_clinics_own_claims_are_labelled_as_its_view(guide):
    # The clinic's claims (back and knee pain, loose joints as a cause of pain)
    # are opinion: they belong in a box labelled as such, not among the findings.
    [evidence] = [article for article in guide if article.slug == "conditions-and-evidence"]
    findings = re.search(
        r"^## What studies have found\n(.*?)(?=^## )", evidence.body, re.MULTILINE | re.DOTALL
    )
    assert findings and "back pain" not in findings.group(1).lower()
    boxes = [
        line
        for article in guide
        for line in article.body.splitlines()
        if line.startswith("> **The clinic's view:**")
    ]
    assert any("back pain and knee pain" in box.lower() for box in boxes)
    assert any("loose joints" in box.lower() for box in boxes)


def test_every_source_has_a_year_or_says_it_has_none():
    undated = [
        key
        for key, source in load_sources().items()
        if not re.search(r"\b(19|20)\d{2}\b", source.citation) and "No date given" not in source.citation
    ]
    assert not undated, f"sources with neither a year nor 'No date given': {undated}"


# --- The loader ---------------------------------------------------------------

SOURCES_TOML = """
[one]
citation = "Author A. A study. J Test. 2020;1:1."
doi = "10.1234/test.1"
note = ""

[two]
citation = "Writer B. Another study. Some Foundation."
doi = ""
note = ""
"""

GOOD_ARTICLE = """+++
title = "A title"
slug = "a-title"
topic = "The basics"
summary = "A summary."
sources = ["one", "two"]
+++
## First

Text [1].

## Second

More text [2].
"""


def _write_guide(tmp_path: Path, article: str, name: str = "01-a-title.md") -> Path:
    (tmp_path / "guide").mkdir()
    (tmp_path / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    (tmp_path / "guide" / name).write_text(article, encoding="utf-8")
    return tmp_path


def test_loader_reads_a_good_article(tmp_path):
    [article] = load_guide(_write_guide(tmp_path, GOOD_ARTICLE))
    assert article.position == 1
    assert article.slug == "a-title"
    assert [source.key for source in article.sources] == ["one", "two"]
    assert article.body.startswith("## First")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text.replace("+++\n## First", "## First"), "front matter"),
        (lambda text: text.replace('title = "A title"\n', ""), "missing"),
        (lambda text: text.replace('"two"]', '"three"]'), "unknown source"),
        (lambda text: text.replace("More text [2].", "More text [3] [2]."), "out of range"),
        (lambda text: text.replace("More text [2].", "More text."), "never cited"),
        (lambda text: text.replace('slug = "a-title"', 'slug = "other"'), "does not match"),
    ],
    ids=["no-front-matter", "missing-key", "unknown-source", "out-of-range", "never-cited", "slug-mismatch"],
)
def test_loader_names_the_file_when_something_is_wrong(tmp_path, change, message):
    directory = _write_guide(tmp_path, change(GOOD_ARTICLE))
    with pytest.raises(ValueError, match=message) as error:
        load_guide(directory)
    assert "01-a-title.md" in str(error.value)


def test_loader_keeps_the_bare_doi_and_refuses_what_is_not_one(tmp_path):
    directory = _write_guide(tmp_path, GOOD_ARTICLE)
    sources = directory / "sources.toml"
    sources.write_text(SOURCES_TOML.replace('"10.1234/test.1"', '"https://doi.org/10.1234/test.1"'))
    [article] = load_guide(directory)
    assert article.sources[0].doi == "10.1234/test.1"

    sources.write_text(SOURCES_TOML.replace('"10.1234/test.1"', '"10.12/test.1"'))
    with pytest.raises(ValueError, match=r"\[one\] doi '10.12/test.1': A DOI looks like 10.1038/srep25247"):
        load_guide(directory)


def test_plain_text_keeps_only_what_a_reader_reads():
    markdown = (
        "## A heading\n\n"
        "Some **bold**, *italic* and [linked](https://example.org) words [1] [2, 3].\n\n"
        "- a list item\n"
        "1. a numbered item!\n\n"
        "> A quote."
    )
    assert plain_text(markdown) == (
        "A heading.\n\nSome bold, italic and linked words.\n\na list item.\na numbered item!\n\nA quote."
    )
