"""Markdown written by staff, rendered to HTML that cannot break the page or the CSP.

Markdown allows raw HTML, so the output is sanitised with nh3 against a short
allow-list: no script, no event handlers, no style attributes, no iframes, and
links only to http(s), mailto and tel.
"""

from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "blockquote",
    "ul", "ol", "li", "a", "code", "pre", "sup", "sub", "abbr",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "th": {"scope"},
}
ALLOWED_CLASSES = {"span": {"visually-hidden"}, "sup": {"cite"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class RenderedMarkdown:
    html: SafeString
    headings: tuple[Heading, ...]


def _flatten(tokens):
    for token in tokens:
        yield token
        yield from _flatten(token["children"])


def render_markdown(text: str) -> RenderedMarkdown:
    """HTML for `text`, with ids on its headings, and the headings for a table of contents."""
    converter = markdown.Markdown(
        extensions=["toc", "tables", "sane_lists"],
        extension_configs={"toc": {"toc_depth": "2-3"}},
        output_format="html",
    )
    # Demote a stray top-level heading: the page title is the only <h1>.
    raw_html = converter.convert(text.replace("\x00", ""))
    raw_html = raw_html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    clean_html = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    headings = tuple(
        Heading(level=token["level"], id=token["id"], text=unescape(token["name"]))
        for token in _flatten(converter.toc_tokens)
        if 2 <= token["level"] <= 3
    )
    return RenderedMarkdown(html=mark_safe(clean_html), headings=headings)  # noqa: S308  (sanitised above)
