"""An editor's Markdown can never run script, break the CSP or the page."""

import pytest
from django.core.exceptions import ValidationError

from prolo_site.markdown import markdown_problem, render_markdown
from tests.factories import make_article, make_page

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


# Text that makes Python-Markdown take minutes or recurse without end; each is
# refused at save and shown as plain paragraphs if it reaches the renderer anyway.
STALLING = {
    "nested brackets": "[" * 12_000 + "x" + "]" * 12_000,
    "unclosed links": "[a](" * 3_000,
    "list nested 500 deep": "".join("    " * depth + "- item\n" for depth in range(500)),
    "a run of emphasis marks": "*" * 5_000 + "x" + "*" * 5_000,
    "quotes nested 500 deep": ">" * 500 + " x",
    "one enormous paragraph": "<a " * 10_000,
    "thousands of headings": "## x\n\n" * 5_000,
}


@pytest.mark.parametrize("markdown", STALLING.values(), ids=STALLING.keys())
def test_text_that_would_stall_the_renderer_is_shown_as_plain_text(markdown):
    rendered = render_markdown(markdown)  # finishes: no timeout, no RecursionError

    assert rendered.html.startswith("<p>") and rendered.headings == ()
    assert "<li>" not in rendered.html and "<a" not in rendered.html
    assert markdown_problem(markdown)


@pytest.mark.django_db
@pytest.mark.parametrize("markdown", STALLING.values(), ids=STALLING.keys())
def test_an_editor_cannot_save_text_that_would_stall_the_page(markdown):
    article = make_article()
    article.body = markdown

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert error.value.message_dict["body"] == [markdown_problem(markdown)]
    assert markdown_problem(markdown).endswith("Shorten or simplify the text so the page can be shown.")


@pytest.mark.django_db
def test_staff_cannot_save_a_site_page_that_would_stall_either():
    page = make_page(body="[" * 12_000 + "x" + "]" * 12_000)

    with pytest.raises(ValidationError) as error:
        page.full_clean()

    assert error.value.message_dict["body"] == [
        "The text is 24,001 characters long; the most is 20,000. Shorten or simplify the text so the page can be shown."
    ]


def test_the_limits_name_what_to_change():
    advice = " Shorten or simplify the text so the page can be shown."
    assert markdown_problem("[" * 100 + "x" + "]" * 100) == (
        "The text has 100 [ open at once (inside one another, or never closed with ]); the most is 8."
        + advice
    )
    assert markdown_problem("".join("    " * depth + "- item\n" for depth in range(12))) == (
        "Line 10 is nested 9 levels deep (lists, quotes or indentation); the most is 8." + advice
    )
    assert (
        markdown_problem("word " * 5_000)
        == "The text is 25,000 characters long; the most is 20,000." + advice
    )
    assert markdown_problem("Intro.\n\n" + "word " * 1_100) == (
        "The paragraph at line 3 is 5,500 characters long; the most is 5,000. Break it up with blank lines."
        + advice
    )


def test_rich_text_within_the_limits_renders_as_markdown():
    markdown = (
        "## Heading\r\n\r\n"  # as a browser's textarea sends it
        "***Bold italic***, [a link](https://example.org) and [[nested]] brackets.\r\n\r\n"
        + "".join("    " * depth + "- level\r\n" for depth in range(8))
        + "\r\n---\r\n\r\n> > > quoted\r\n\r\n"
        + "A long paragraph. " * 250  # 4,500 characters
    )

    assert markdown_problem(markdown) is None
    html = render_markdown(markdown).html
    assert '<h2 id="heading">Heading</h2>' in html and "<strong><em>Bold italic</em></strong>" in html
    assert html.count("<ul>") == 8 and "<hr>" in html and html.count("<blockquote>") == 3


def test_every_shipped_article_and_page_is_within_the_limits():
    from pathlib import Path

    content = Path(__file__).resolve().parents[1]
    files = [*content.glob("articles/content/guide/*.md"), *content.glob("prolo_site/content/pages/*.md")]

    assert len(files) >= 10
    assert {path.name: markdown_problem(path.read_text()) for path in files} == {
        path.name: None for path in files
    }
