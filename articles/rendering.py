"""An article's body as safe HTML, with its citations linked to its numbered sources."""

from django.core.cache import cache

from articles.guide_content import CITATION
from prolo_site.markdown import RenderedMarkdown, render_markdown


def link_citations(markdown, source_numbers):
    """Turn [n] into a link to source n, for every n the article has."""

    def replace(match):
        numbers = [int(number) for number in match.group("numbers").split(",")]
        if not all(number in source_numbers for number in numbers):
            return match.group(0)
        links = ", ".join(
            f'<a href="#source-{number}"><span class="visually-hidden">source </span>{number}</a>'
            for number in numbers
        )
        return f'<sup class="cite">[{links}]</sup>'

    return CITATION.sub(replace, markdown)


def render_article_body(revision, source_numbers) -> RenderedMarkdown:
    """Rendered once per revision (it never changes), then served from the cache; unsaved text every time."""
    source_numbers = frozenset(source_numbers)
    if revision.pk is None:
        return render_markdown(link_citations(revision.body, source_numbers))
    key = f"article-body:revision:{revision.pk}:{revision.fingerprint}"
    rendered = cache.get(key)
    if rendered is None:
        rendered = render_markdown(link_citations(revision.body, source_numbers))
        cache.set(key, rendered, timeout=60 * 60 * 24)
    return rendered
