"""Markdown written by staff, rendered to HTML that cannot break the page or the CSP.

Markdown allows raw HTML, so the output is sanitised with nh3 against a short
allow-list: no script, no event handlers, no style attributes, no iframes, and
links only to http(s), mailto and tel.

Python-Markdown slows down sharply or recurses without end on some inputs (thousands
of nested brackets, lists nested hundreds deep, long runs of emphasis marks), so text
beyond the bounds below is refused when staff save it and shown as plain paragraphs,
never parsed, if it reaches the renderer all the same.
"""

import html
import re
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

# Far beyond what a patient page needs (the longest shipped page is under 4,000
# characters, its longest paragraph about 1,000), and small enough that the worst
# text within them renders in well under a second: Python-Markdown's slow cases
# grow with the square of a paragraph's length.
MAX_CHARACTERS = 20_000
MAX_PARAGRAPH = 5_000  # characters between two blank lines
MAX_HEADINGS = 100
MAX_NESTING = 8  # open brackets or parentheses at once; levels of lists or quotes
MAX_MARK_RUN = 3  # "***" is bold italic; longer runs of * or _ inside a line mean nothing
_INDENT_PER_LEVEL = 4  # Python-Markdown's tab length: one list level
_QUOTE_MARKS = re.compile(r"^(?:[ \t]*>)+")
_HEADING = re.compile(r"^ {0,3}#", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_MARK_RUN = re.compile(rf"\*{{{MAX_MARK_RUN + 1},}}|_{{{MAX_MARK_RUN + 1},}}")


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


def _length(text):
    if len(text) > MAX_CHARACTERS:
        return f"The text is {len(text):,} characters long; the most is {MAX_CHARACTERS:,}."
    first_line = 1
    for paragraph in _BLANK_LINES.split(text):
        if len(paragraph) > MAX_PARAGRAPH:
            return (
                f"The paragraph at line {first_line} is {len(paragraph):,} characters long; the most is "
                f"{MAX_PARAGRAPH:,}. Break it up with blank lines."
            )
        first_line += paragraph.count("\n") + 2
    headings = len(_HEADING.findall(text))
    if headings > MAX_HEADINGS:
        return f"The text has {headings} headings; the most is {MAX_HEADINGS}."
    return None


def _lines(text):
    for number, line in enumerate(text.split("\n"), start=1):
        expanded = line.expandtabs(_INDENT_PER_LEVEL)
        indent_levels = (len(expanded) - len(expanded.lstrip())) // _INDENT_PER_LEVEL
        quotes = _QUOTE_MARKS.match(line)
        levels = max(indent_levels, quotes.group(0).count(">") if quotes else 0)
        if levels > MAX_NESTING:
            return (
                f"Line {number} is nested {levels} levels deep (lists, quotes or indentation); "
                f"the most is {MAX_NESTING}."
            )
        run = _MARK_RUN.search(line)
        if run and set(line) - {"*", "_", "-", " ", "\t"}:  # a line of marks alone is a rule
            return f"Line {number} has {len(run.group(0))} {run.group(0)[0]} in a row; the most is {MAX_MARK_RUN}."
    return None


def _brackets(text):
    for opener, closer in ("[]", "()"):
        depth = deepest = 0
        for character in text:
            if character == opener:
                depth += 1
                deepest = max(deepest, depth)
            elif character == closer and depth:
                depth -= 1
        if deepest > MAX_NESTING:
            return (
                f"The text has {deepest} {opener} open at once (inside one another, or never closed "
                f"with {closer}); the most is {MAX_NESTING}."
            )
    return None


def markdown_problem(text: str) -> str | None:
    """Why `text` is too long or too deeply nested to render safely, for the editor; None if it is not."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a browser's textarea sends it
    problem = _length(text) or _lines(text) or _brackets(text)
    return f"{problem} Shorten or simplify the text so the page can be shown." if problem else None


def _plain_paragraphs(text):
    paragraphs = (paragraph.strip() for paragraph in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    return "\n".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs if paragraph)


def render_markdown(text: str) -> RenderedMarkdown:
    """HTML for `text`, with ids on its headings, and the headings for a table of contents."""
    if markdown_problem(text):
        # Saving refuses such text; if some reaches us anyway, show it rather than stall.
        return RenderedMarkdown(html=mark_safe(_plain_paragraphs(text)), headings=())  # noqa: S308 (escaped)
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
