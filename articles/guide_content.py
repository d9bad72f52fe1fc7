"""Load the patient guide: Markdown articles plus a shared list of sources.

The guide lives in plain files so that editors can change it without touching
code or the database::

    articles/content/
        sources.toml            one table per source: citation, doi, note
        guide/
            01-what-is-prolotherapy.md
            02-...

Each article file is named ``NN-slug.md``; ``NN`` sets the display order. It
starts with TOML front matter between two ``+++`` lines, followed by the
Markdown body::

    +++
    title = "What is prolotherapy?"
    slug = "what-is-prolotherapy"
    topic = "The basics"
    summary = "Two or three plain sentences."
    sources = ["hauser2016", "sit2016"]
    +++
    ## First section
    Text that cites its sources as [1], [2] ...

Translations live in a folder per language, ``guide/es/NN-slug.md``, with the
same front matter plus ``translation_of``, the English article's slug (their
slugs are their own, in their language; their topic is the original's).

A citation ``[n]`` points at the n-th key of that article's ``sources`` list.
The loader checks that every number is in range and that every listed source
is cited at least once, and raises ``ValueError`` naming the file otherwise.

Only the standard library is used, so the module can be imported (and tested)
without Django.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from articles.doi import DOI_FORMAT_HINT, is_doi, normalise_doi
from prolo_site.front_matter import read_front_matter

__all__ = [
    "CITATION",
    "CONTENT_DIR",
    "TOPICS",
    "GuideArticle",
    "GuideSource",
    "citation_numbers",
    "load_guide",
    "load_sources",
    "load_translations",
]

#: Folder holding ``sources.toml`` and the ``guide/`` folder of articles.
CONTENT_DIR = Path(__file__).resolve().parent / "content"

#: The topics an article may belong to, in the order the site lists them.
TOPICS = ("The basics", "Treatment", "Evidence and safety", "Practical matters")

SOURCES_FILENAME = "sources.toml"
GUIDE_DIRNAME = "guide"

_ARTICLE_FILENAME = re.compile(r"^(?P<position>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
# A citation marker: "[1]" or "[1, 3]". Not a link ("[1](...)"), not a
# reference-style link label ("[text][1]") and not a footnote ("[^1]").
CITATION = re.compile(r"(?<!\])\[(?P<numbers>\d+(?:\s*,\s*\d+)*)\](?![(\[:])")
_ARTICLE_KEYS = {"title", "slug", "topic", "summary", "sources"}
_TRANSLATION_KEYS = _ARTICLE_KEYS | {"translation_of"}
_SOURCE_KEYS = {"citation", "doi", "note"}


@dataclass(frozen=True)
class GuideSource:
    """One published source that articles can cite."""

    key: str
    citation: str
    doi: str
    note: str


@dataclass(frozen=True)
class GuideArticle:
    """One article of the patient guide, ready to render."""

    slug: str
    title: str
    topic: str
    summary: str
    body: str
    sources: tuple[GuideSource, ...]
    position: int
    translation_of: str = ""  # a translation's English slug


def _require_exactly(expected, given, message):
    """A table or front matter must have exactly the `expected` keys: say which are off."""
    missing, unknown = expected - given, given - expected
    if missing or unknown:
        raise ValueError(f"{message} (missing: {sorted(missing)}, unknown: {sorted(unknown)})")


def load_sources(directory: Path | str = CONTENT_DIR) -> dict[str, GuideSource]:
    """Read ``sources.toml`` in *directory* into a dict keyed by source key.

    The dict keeps the order of the file.
    """
    path = Path(directory) / SOURCES_FILENAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc

    sources: dict[str, GuideSource] = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [{key}] must be a table with citation, doi and note")
        _require_exactly(_SOURCE_KEYS, table.keys(), f"{path}: [{key}] needs exactly citation, doi and note")
        for field in sorted(_SOURCE_KEYS):
            if not isinstance(table[field], str):
                raise ValueError(f"{path}: [{key}] {field} must be a string")
        if not table["citation"].strip():
            raise ValueError(f"{path}: [{key}] has an empty citation")
        doi = normalise_doi(table["doi"])
        if doi and not is_doi(doi):
            raise ValueError(f"{path}: [{key}] doi {table['doi']!r}: {DOI_FORMAT_HINT}")
        sources[key] = GuideSource(
            key=key,
            citation=table["citation"].strip(),
            doi=doi,
            note=table["note"].strip(),
        )
    return sources


def load_guide(directory: Path | str = CONTENT_DIR) -> list[GuideArticle]:
    """Read every article in ``<directory>/guide``, sorted by position.

    Raises ``ValueError`` naming the file for malformed front matter, an
    unknown source key, a citation out of range, a listed source that is never
    cited, or a slug or position used twice.
    """
    directory = Path(directory)
    sources = load_sources(directory)
    articles = [_load_article(path, sources) for path in sorted((directory / GUIDE_DIRNAME).glob("*.md"))]

    _each_used_once(articles, ("slug", "position"), directory / GUIDE_DIRNAME)
    return sorted(articles, key=lambda article: article.position)


def _each_used_once(articles, attributes, folder):
    """A ValueError naming the folder if two articles share a value of one of `attributes`."""
    for attribute in attributes:
        seen: dict[object, str] = {}
        for article in articles:
            value = getattr(article, attribute)
            if value in seen:
                raise ValueError(
                    f"{folder}: {attribute} {value!r} is used by both {seen[value]} and {article.slug}"
                )
            seen[value] = article.slug


def load_translations(language: str, directory: Path | str = CONTENT_DIR) -> list[GuideArticle]:
    """Read the translations in ``<directory>/guide/<language>/`` (none if the folder is
    missing), sorted by position, with the same checks as load_guide, and each
    English slug translated once."""
    directory = Path(directory)
    folder = directory / GUIDE_DIRNAME / language
    if not folder.is_dir():
        return []
    sources = load_sources(directory)
    articles = [_load_article(path, sources, translation=True) for path in sorted(folder.glob("*.md"))]
    _each_used_once(articles, ("slug", "translation_of"), folder)
    return sorted(articles, key=lambda article: article.position)


def citation_numbers(markdown: str) -> list[int]:
    """Every citation number in *markdown*, in reading order ("[1, 3]" gives 1 and 3)."""
    return [
        int(number) for match in CITATION.finditer(markdown) for number in match.group("numbers").split(",")
    ]


def _load_article(path: Path, sources: dict[str, GuideSource], *, translation: bool = False) -> GuideArticle:
    """Parse and check one ``NN-slug.md`` file (a translation's has ``translation_of`` too)."""
    name = _ARTICLE_FILENAME.match(path.name)
    if not name:
        raise ValueError(f"{path}: file name must look like NN-slug.md (e.g. 01-what-is-prolotherapy.md)")

    meta, body = read_front_matter(path)

    keys_needed = _TRANSLATION_KEYS if translation else _ARTICLE_KEYS
    _require_exactly(keys_needed, meta.keys(), f"{path}: front matter needs exactly {sorted(keys_needed)}")
    for field in ("title", "slug", "topic", "summary", *(["translation_of"] if translation else [])):
        if not isinstance(meta[field], str) or not meta[field].strip():
            raise ValueError(f"{path}: {field} must be a non-empty string")
    if meta["slug"] != name.group("slug"):
        raise ValueError(f"{path}: slug {meta['slug']!r} does not match the file name")
    if not translation and meta["topic"] not in TOPICS:  # a translation's topic is its original's
        raise ValueError(f"{path}: topic {meta['topic']!r} is not one of {list(TOPICS)}")

    keys = meta["sources"]
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ValueError(f"{path}: sources must be a list of source keys")
    if not keys:
        raise ValueError(f"{path}: lists no sources; every article needs at least one")
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path}: sources lists a key more than once: {keys}")
    unknown_keys = [key for key in keys if key not in sources]
    if unknown_keys:
        raise ValueError(f"{path}: unknown source key(s) {unknown_keys}; see {SOURCES_FILENAME}")

    cited = citation_numbers(body)
    out_of_range = sorted({n for n in cited if not 1 <= n <= len(keys)})
    if out_of_range:
        raise ValueError(
            f"{path}: citation(s) {out_of_range} out of range; this article lists {len(keys)} source(s)"
        )
    never_cited = [key for n, key in enumerate(keys, start=1) if n not in cited]
    if never_cited:
        raise ValueError(f"{path}: source(s) {never_cited} listed but never cited in the body")

    return GuideArticle(
        slug=meta["slug"],
        title=meta["title"].strip(),
        topic=meta["topic"],
        summary=" ".join(meta["summary"].split()),
        body=body,
        sources=tuple(sources[key] for key in keys),
        position=int(name.group("position")),
        translation_of=meta["translation_of"].strip() if translation else "",
    )
