"""An editor's Markdown can never run script, break the CSP or the page."""

import pytest

from prolo_site.markdown import render_markdown
from tests.factories import make_article

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    '<p style="position:fixed;top:0">cover</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="q"></form>',
    '<div class="notice" data-x="1">unclosed <b>bold',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!-- comment --><p>ok</p>",
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_is_neutralised(markdown):
    html = render_markdown(markdown).html.lower()

    for forbidden in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "style=",
        "<style",
        "<iframe",
        "<form",
        "<img",
    ):
        assert forbidden not in html, (forbidden, html)
    assert "<!--" not in html


def test_ordinary_markdown_survives():
    html = render_markdown(
        "## Heading\n\nSome **bold** and *italic* text with a [link](https://doi.org/10.1/x).\n\n- one\n- two"
    ).html

    assert '<h2 id="heading">Heading</h2>' in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert '<a href="https://doi.org/10.1/x" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html


def test_a_stray_h1_becomes_an_h2_so_the_title_stays_the_only_h1():
    html = render_markdown("# Big heading").html

    assert "<h1" not in html and '<h2 id="big-heading">Big heading</h2>' in html


@pytest.mark.django_db
def test_hostile_body_and_title_are_escaped_on_the_article_page(client):
    article = make_article(
        title="<script>alert('title')</script>",
        summary='"><img src=x onerror=alert(1)>',
        body="## Part\n\n<script>alert(1)</script>Safe text [1].\n\n## Two\n\nx",
    )

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "Safe text" in html
