"""Checks on the Spanish guide (articles/content/guide/es/) and site pages (prolo_site/content/pages/es/)."""

from __future__ import annotations

import contextlib
import re
import socket
from pathlib import Path

import pyphen
import pytest
import textstat

from articles.guide_content import CONTENT_DIR, citation_numbers, load_guide
from prolo_site.front_matter import read_front_matter
from prolo_site.markdown import markdown_problem
from tests.helpers import plain_text
from tests.test_articles_content import OTHER_PEOPLE, _author_surnames
from tests.test_prolo_site_pages_content import _sections

PAGES_DIR = Path(__file__).resolve().parents[1] / "prolo_site" / "content" / "pages"
ES_GUIDE_DIR = CONTENT_DIR / "guide" / "es"
ES_PAGES_DIR = PAGES_DIR / "es"

# Where the Spanish texts link to each other: the Spanish guide and the Spanish site pages.
ES_ARTICLE_URL = "/es/guia/{slug}/"
ES_PAGE_URL = "/es/informacion/{slug}/"
ES_HELP_PAGE = "cuando-pedir-ayuda"
# The English articles that carry their own "When to get help" section; their translations do too.
ARTICLES_WITH_A_HELP_SECTION = ("your-visit", "side-effects-and-safety", "a-course-of-treatment")

# INFLESZ (Szigriszt-Pazos): 65 and over is "bastante fácil" (fairly easy), 55-65 "normal".
MIN_ARTICLE_INFLESZ = 65
MIN_PAGE_INFLESZ = 55

ARTICLE_FILENAME = re.compile(r"^(?P<position>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
TEMPLATE_MARK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s", re.MULTILINE)
SECTION = re.compile(r"^## \S", re.MULTILINE)
# Words common in English sentences that are not Spanish words.
ENGLISH_WORDS = frozenset(
    "the and you your is are with that this of to for it have what when will can if or they "  # noqa: SIM905
    "we our be from by which does about".split()
)


def _english_pages() -> dict[str, tuple[dict, str]]:
    return {path.stem: read_front_matter(path) for path in sorted(PAGES_DIR.glob("*.md"))}


def _spanish_articles() -> list[Path]:
    return sorted(ES_GUIDE_DIR.glob("*.md"))


def _spanish_pages() -> list[Path]:
    return sorted(ES_PAGES_DIR.glob("*.md"))


ENGLISH_GUIDE = {article.slug: article for article in load_guide()}


def _original(path: Path):
    meta, _body = read_front_matter(path)
    return ENGLISH_GUIDE[meta["translation_of"]]


def _reader_text(meta: dict, body: str) -> str:
    return plain_text(meta["title"] + "\n\n" + meta["summary"] + "\n\n" + body)


# --- Readability, measured in Spanish ---------------------------------------


@contextlib.contextmanager
def spanish_textstat():
    """textstat counting syllables with Pyphen's Spanish dictionary, back to English afterwards
    so the English readability tests that run later in this process are unaffected."""
    textstat.set_lang("es")
    try:
        yield textstat
    finally:
        textstat.set_lang("en_US")


_STRONG_VOWELS = frozenset("aeoáéó")
_ACCENTED_WEAK_VOWELS = frozenset("íú")
_VOWELS = _STRONG_VOWELS | _ACCENTED_WEAK_VOWELS | frozenset("iuü")


def spoken_syllables(word: str) -> int:
    """Syllables of a Spanish word by the spelling rules: each vowel group is one syllable
    (a diphthong), split where two strong vowels meet or an accented í/ú stands (a hiatus).

    Pyphen's dictionary gives hyphenation points, and no hyphen may leave one letter alone, so
    textstat counts "ósea" as one syllable and "músculos" as two: this count keeps the score honest.
    """
    word = word.lower()
    word = re.sub(r"qu", "q", word)  # the u of que, qui is silent
    word = re.sub(r"gu(?=[eéií])", "g", word)  # and so is that of gue, gui (but not güe)
    word = re.sub(r"y(?![aeiouáéíóú])", "i", word)  # y is a vowel at the end: muy, hay
    count, previous = 0, None
    for letter in word:
        if letter not in _VOWELS:
            previous = None
            continue
        if previous is None or (
            (previous in _STRONG_VOWELS and letter in _STRONG_VOWELS)
            or _ACCENTED_WEAK_VOWELS & {previous, letter}
        ):
            count += 1
        previous = letter
    return max(count, 1)


def inflesz(text: str) -> tuple[float, float]:
    """The Szigriszt-Pazos (INFLESZ) score of *text* as textstat 0.7.3 gives it, and the same
    formula with spoken_syllables (textstat's word and sentence counts in both)."""
    with spanish_textstat() as measure:
        words = measure.lexicon_count(text)
        sentences = measure.sentence_count(text)
        syllables = sum(spoken_syllables(word) for word in measure.remove_punctuation(text.lower()).split())
        return measure.szigriszt_pazos(text), 206.835 - 62.3 * syllables / words - words / sentences


def test_spanish_syllables_are_counted_offline_from_pyphens_own_dictionary(monkeypatch):
    dictionary = Path(pyphen.LANGUAGES["es"])
    assert dictionary.is_file() and Path(pyphen.__file__).parent in dictionary.parents

    def no_network(*args, **kwargs):
        raise OSError("the readability tests must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    # English rules count "tratamiento" as 2 syllables and "proloterapia" as 3.
    with spanish_textstat() as measure:
        assert measure.syllable_count("tratamiento") == 4
        assert measure.syllable_count("proloterapia") == 5
        assert measure.szigriszt_pazos("El perro come pan. La casa es blanca.") > 80


def test_spanish_measure_leaves_textstat_in_english():
    english = "The tendon joins the muscle to the bone. Rest the knee for three days."
    before = textstat.flesch_kincaid_grade(english)
    inflesz("La proloterapia es un tratamiento con inyecciones de dextrosa.")
    assert textstat.syllable_count("tratamiento") == 2
    assert textstat.flesch_kincaid_grade(english) == before


def test_spoken_syllables_follow_spanish_spelling_rules():
    counts = {"ósea": 3, "músculos": 3, "proveedor": 4, "guía": 2, "muy": 1, "quiere": 2, "cuándo": 2}
    assert {word: spoken_syllables(word) for word in counts} == counts


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_article_is_fairly_easy_to_read_in_spanish(path):
    meta, body = read_front_matter(path)
    by_textstat, by_rule = inflesz(plain_text(meta["summary"] + "\n\n" + body))
    assert by_textstat >= MIN_ARTICLE_INFLESZ, f"{path.name}: INFLESZ {by_textstat:.1f} (textstat)"
    assert by_rule >= MIN_ARTICLE_INFLESZ, f"{path.name}: INFLESZ {by_rule:.1f} with spoken syllables"


@pytest.mark.parametrize("path", _spanish_pages(), ids=lambda path: path.stem)
def test_page_is_at_least_normal_to_read_in_spanish(path):
    _meta, body = read_front_matter(path)
    by_textstat, by_rule = inflesz(plain_text(body))
    assert by_textstat >= MIN_PAGE_INFLESZ, f"{path.name}: INFLESZ {by_textstat:.1f} (textstat)"
    assert by_rule >= MIN_PAGE_INFLESZ, f"{path.name}: INFLESZ {by_rule:.1f} with spoken syllables"


def test_the_measure_tells_hard_spanish_from_easy_spanish():
    hard = (
        "La administración intraarticular de soluciones hiperosmolares de dextrosa constituye una "
        "intervención terapéutica cuya eficacia comparativa permanece insuficientemente caracterizada "
        "en la literatura científica contemporánea, particularmente respecto a sus mecanismos fisiológicos."
    )
    assert max(inflesz(hard)) < MIN_PAGE_INFLESZ


# --- Translations of the English texts -----------------------------------------


def test_every_english_article_has_exactly_one_spanish_translation():
    originals = [read_front_matter(path)[0]["translation_of"] for path in _spanish_articles()]
    assert sorted(originals) == sorted(ENGLISH_GUIDE)


def test_every_english_page_has_exactly_one_spanish_translation():
    originals = [read_front_matter(path)[0]["translation_of"] for path in _spanish_pages()]
    assert sorted(originals) == sorted(_english_pages())


def test_spanish_slugs_are_their_own_and_unique():
    slugs = [read_front_matter(path)[0]["slug"] for path in [*_spanish_articles(), *_spanish_pages()]]
    assert len(set(slugs)) == len(slugs), slugs
    english = set(ENGLISH_GUIDE) | set(_english_pages())
    assert not english & set(slugs), "a Spanish slug reads in Spanish"


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_article_front_matter_matches_its_original(path):
    meta, body = read_front_matter(path)
    original = _original(path)
    assert set(meta) == {"title", "slug", "topic", "summary", "sources", "translation_of"}
    name = ARTICLE_FILENAME.match(path.name)
    assert name and name["slug"] == meta["slug"], "the file is named NN-<slug>.md"
    assert int(name["position"]) == original.position, "same place in the guide as the English"
    assert meta["topic"] == original.topic, "the topic is the English topic's name, for the loader"
    assert meta["sources"] == [source.key for source in original.sources], "same sources, same order"
    assert meta["title"].strip() and len(meta["summary"].split()) >= 10
    assert len(SECTION.findall(body)) >= 2 and not re.search(r"^# ", body, re.MULTILINE)


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_every_citation_has_a_source_and_every_source_is_cited(path):
    meta, body = read_front_matter(path)
    cited = set(citation_numbers(body))
    listed = set(range(1, len(meta["sources"]) + 1))
    assert cited == listed, f"cited {sorted(cited)}, sources 1..{len(listed)}"


@pytest.mark.parametrize("path", _spanish_pages(), ids=lambda path: path.stem)
def test_page_matches_its_original(path):
    meta, body = read_front_matter(path)
    english_meta, english_body = _english_pages()[meta["translation_of"]]
    assert set(meta) == set(english_meta) | {"translation_of"}
    assert path.stem == meta["slug"]
    assert meta["position"] == english_meta["position"]
    assert sorted(TEMPLATE_MARK.findall(body)) == sorted(TEMPLATE_MARK.findall(english_body))
    assert not TEMPLATE_MARK.search(meta["summary"])
    # Same promises, one for one: as many sections and list items as the English.
    assert len(SECTION.findall(body)) == len(SECTION.findall(english_body))
    assert len(LIST_ITEM.findall(body)) == len(LIST_ITEM.findall(english_body))


@pytest.mark.parametrize("path", [*_spanish_articles(), *_spanish_pages()], ids=lambda path: path.stem)
def test_the_admin_would_accept_the_text(path):
    _meta, body = read_front_matter(path)
    assert markdown_problem(body) is None


# --- Links and safety call-outs -------------------------------------------------


def _spanish_targets() -> set[str]:
    articles = {
        ES_ARTICLE_URL.format(slug=read_front_matter(path)[0]["slug"]) for path in _spanish_articles()
    }
    pages = {ES_PAGE_URL.format(slug=read_front_matter(path)[0]["slug"]) for path in _spanish_pages()}
    return articles | pages


@pytest.mark.parametrize("path", [*_spanish_articles(), *_spanish_pages()], ids=lambda path: path.stem)
def test_links_within_the_site_lead_to_spanish_texts(path):
    _meta, body = read_front_matter(path)
    internal = [match["target"] for match in LINK.finditer(body) if match["target"].startswith("/")]
    assert set(internal) <= _spanish_targets(), sorted(set(internal) - _spanish_targets())


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_article_links_to_the_spanish_help_page(path):
    _meta, body = read_front_matter(path)
    assert f"]({ES_PAGE_URL.format(slug=ES_HELP_PAGE)})" in body


@pytest.mark.parametrize("slug", ARTICLES_WITH_A_HELP_SECTION)
def test_articles_about_the_shots_say_when_to_call_the_clinic_or_911(slug):
    [path] = [path for path in _spanish_articles() if read_front_matter(path)[0]["translation_of"] == slug]
    _meta, body = read_front_matter(path)
    match = re.search(r"^## Cuándo pedir ayuda\n(?P<text>.*?)(?=^## |\Z)", body, re.MULTILINE | re.DOTALL)
    assert match, f"{path.name}: needs a '## Cuándo pedir ayuda' section"
    text = " ".join(plain_text(match["text"]).split())
    for words in ("911", "le cuesta respirar", "sigue empeorando", "fiebre"):
        assert words in text, words
    assert f"]({ES_PAGE_URL.format(slug=ES_HELP_PAGE)})" in match["text"]


def test_help_page_sends_each_warning_sign_to_the_right_place():
    [path] = [path for path in _spanish_pages() if path.stem == ES_HELP_PAGE]
    _meta, body = read_front_matter(path)
    sections = _sections(body)
    [emergency] = [text for heading, text in sections.items() if "911" in heading]
    assert "le cuesta respirar" in emergency and "la cara, los labios o la garganta" in emergency
    [infection] = [text for heading, text in sections.items() if "infección" in heading]
    assert "{{ clinic_phone }}" in infection
    for sign in ("fiebre", "roja", "caliente", "pus"):
        assert sign in infection, sign
    [pain] = [text for heading, text in sections.items() if "dolor" in heading]
    assert "sigue empeorando" in pain and "no se ha calmado en el tiempo que su proveedor le dijo" in pain


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_the_clinics_view_is_labelled_as_in_the_english(path):
    _meta, body = read_front_matter(path)
    english = _original(path).body.count("> **The clinic's view:**")
    assert body.count("> **La opinión de la clínica:**") == english


def test_the_foot_and_ankle_figures_appear_once_with_their_single_source():
    with_figure = [path for path in _spanish_articles() if "81%" in _reader_text(*read_front_matter(path))]
    assert [read_front_matter(path)[0]["translation_of"] for path in with_figure] == [
        "conditions-and-evidence"
    ]
    [path] = with_figure
    meta, body = read_front_matter(path)
    paragraph = next(paragraph for paragraph in body.split("\n\n") if "81%" in paragraph)
    assert "hajimirsadhegh" in {meta["sources"][n - 1] for n in citation_numbers(paragraph)}
    assert "una sola publicación" in paragraph
    assert "$" not in paragraph, "the figure is never put beside the price"


@pytest.mark.parametrize("path", _spanish_articles(), ids=lambda path: path.stem)
def test_articles_name_no_people(path):
    meta, body = read_front_matter(path)
    names = _author_surnames() | set(OTHER_PEOPLE)
    found = re.findall(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b", _reader_text(meta, body))
    assert not found, found
    assert not re.search(r"\bDr\.?\s+[A-Z]|\b(?:MD|PhD|DPM|MPH)\b|\brevisad[oa] por\b", body, re.IGNORECASE)


# --- No English left over -------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [
        sentence
        for line in text.split("\n")
        for sentence in re.split(r"(?<=[.!?:])\s+", line.strip())
        if sentence
    ]


def english_leftovers(spanish: str, english_texts: list[str]) -> list[str]:
    """Sentences of *spanish* (plain text) that an English text also has, or that read as English."""
    english_sentences = {
        " ".join(sentence.split()).lower()
        for text in english_texts
        for sentence in _sentences(text)
        if len(sentence.split()) >= 3
    }
    leftovers = []
    for sentence in _sentences(spanish):
        words = re.findall(r"[a-záéíóúüñ']+", sentence.lower())
        english = sum(word in ENGLISH_WORDS for word in words)
        if " ".join(sentence.split()).lower() in english_sentences or (
            english >= 2 and english >= 0.2 * len(words)
        ):
            leftovers.append(sentence)
    return leftovers


def _english_texts() -> list[str]:
    articles = [_reader_text(vars(article), article.body) for article in ENGLISH_GUIDE.values()]
    pages = [_reader_text(meta, body) for meta, body in _english_pages().values()]
    return articles + pages


@pytest.mark.parametrize("path", [*_spanish_articles(), *_spanish_pages()], ids=lambda path: path.stem)
def test_no_english_sentence_is_left_in_a_spanish_text(path):
    assert not english_leftovers(_reader_text(*read_front_matter(path)), _english_texts())


def test_leftover_check_catches_an_english_sentence_and_a_copied_one():
    [path] = [
        path for path in _spanish_articles() if read_front_matter(path)[0]["translation_of"] == "your-visit"
    ]
    spanish = _reader_text(*read_front_matter(path))
    assert english_leftovers(spanish, _english_texts()) == []
    english = "Then you can ask what is in the shot."
    assert english_leftovers(spanish + "\n\n" + english, _english_texts()) == [english]
    copied = "Llame al 911 ahora mismo."
    assert english_leftovers("Texto propio. " + copied, ["Otra cosa. " + copied]) == [copied]
