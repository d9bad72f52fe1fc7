"""Spanish articles: linked to their English original, flagged when it changes, loaded from
articles/content/guide/es/, searched in Spanish."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from articles import guide_content
from articles.models import Article
from tests.factories import make_article, make_source, make_translation, publish_changes, put_live

pytestmark = pytest.mark.django_db

NOTICE = "Cambiamos la versión en inglés de este artículo"


def correct_source(source):
    source.doi = "10.1000/corrected"
    source.save()


@pytest.fixture
def pair():
    english = make_article()
    return english, make_translation(english)


def test_a_new_translation_is_current_and_shows_no_notice(client, pair):
    _english, spanish = pair

    assert not spanish.is_translation_out_of_date
    assert NOTICE not in client.get(spanish.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda article: (
            setattr(article, "body", article.body.replace("dextrose", "dextrose 15%")) or article.save()
        ),
        lambda article: setattr(article, "title", "What prolotherapy is") or article.save(),
        lambda article: make_source(article, position=2),
        lambda article: correct_source(article.sources.get()),
        lambda article: article.sources.get().delete(),
    ],
    ids=["body", "title", "source added", "source corrected", "source removed"],
)
def test_a_change_to_the_english_marks_the_translation_out_of_date_and_tells_readers(client, pair, change):
    english, spanish = pair

    english = Article.objects.get(pk=english.pk)
    change(english)
    # A draft of the English changes nothing readers see, so the translation is still current...
    assert not Article.objects.get(pk=spanish.pk).is_translation_out_of_date

    put_live(english)  # ...until the English publishes it.

    spanish = Article.objects.select_related("translation_of").get(pk=spanish.pk)
    assert spanish.is_translation_out_of_date
    html = client.get(spanish.get_absolute_url()).content.decode()
    assert NOTICE in html
    assert 'href="/articles/what-is-prolotherapy/" hreflang="en">Lea la versión en inglés</a>' in html


def test_saving_the_english_unchanged_keeps_the_translation_current(pair):
    english, spanish = pair

    Article.objects.get(pk=english.pk).save()

    assert not Article.objects.get(pk=spanish.pk).is_translation_out_of_date


def test_marking_the_translation_current_clears_the_flag(client, pair):
    english, spanish = pair
    english.summary = "A corrected summary."
    english.save()
    publish_changes(english)

    spanish = Article.objects.get(pk=spanish.pk)
    spanish.mark_translation_current()

    assert not Article.objects.get(pk=spanish.pk).is_translation_out_of_date
    assert NOTICE not in client.get(spanish.get_absolute_url()).content.decode()


def test_editors_see_and_filter_out_of_date_translations(editor_client, pair):
    english, _spanish = pair
    english.body += "\n\nA new finding [1]."
    english.save()
    publish_changes(english)

    listing = editor_client.get("/admin/articles/article/").content.decode()
    filtered = editor_client.get("/admin/articles/article/?translation=out_of_date").content.decode()

    assert "<strong>Out of date</strong>" in listing
    assert "¿Qué es la proloterapia?" in filtered and "What is prolotherapy?</a>" not in filtered


def test_the_editors_list_keeps_a_fixed_number_of_queries(editor_client, pair):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get("/admin/articles/article/").status_code == 200
        return len(captured)

    queries()  # the first request fills the permission and content-type caches
    before = queries()
    for number in range(3):
        original = make_article(title=f"Article {number}", slug=f"article-{number}")
        make_translation(original, title=f"Artículo {number}", slug=f"articulo-{number}")

    assert queries() == before


def admin_form(english, *, sources=(), **fields):
    """The article change form's POST for a Spanish translation of `english`."""
    data = {
        "title": "¿Qué es la proloterapia?", "slug": "que-es-la-proloterapia", "topic": english.topic_id,
        "position": 0, "summary": "Unas inyecciones.", "body": "Dextrosa [1].", "language": "es",
        "translation_of": english.pk, "status": "published", "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00", "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": str(len(sources)),
        "sources-MIN_NUM_FORMS": "0", "sources-MAX_NUM_FORMS": "1000", "sources-0-position": "1",
        "sources-0-citation": "Author 1. A study.", "sources-0-doi": "10.1000/test.1",
        **({"sources-0-id": sources[0].pk, "sources-0-article": sources[0].article_id} if sources else {}),
    }  # fmt: skip
    data.update(fields)
    return data


def test_an_editor_ticks_the_box_to_mark_the_translation_current(editor_client, pair):
    english, spanish = pair
    english.title = "What is prolotherapy, really?"
    english.save()
    publish_changes(english)
    url = f"/admin/articles/article/{spanish.pk}/change/"
    assert "This translation now says what the English says" in editor_client.get(url).content.decode()

    left_unticked = editor_client.post(url, admin_form(english, sources=[spanish.sources.get()]))
    assert left_unticked.status_code == 302
    assert Article.objects.select_related("translation_of").get(pk=spanish.pk).is_translation_out_of_date

    ticked = editor_client.post(
        url, admin_form(english, sources=[spanish.sources.get()], translation_is_current="on")
    )
    assert ticked.status_code == 302
    assert not Article.objects.select_related("translation_of").get(pk=spanish.pk).is_translation_out_of_date


def test_a_translation_made_in_the_admin_starts_current(editor_client):
    english = make_article()

    response = editor_client.post("/admin/articles/article/add/", admin_form(english))

    assert response.status_code == 302
    spanish = Article.objects.select_related("translation_of").get(language="es")
    assert spanish.translation_of == english and not spanish.is_translation_out_of_date


def test_slugs_are_unique_per_language_and_one_translation_per_language(pair):
    english, spanish = pair
    make_article(slug=spanish.slug)  # an English article may share a Spanish slug

    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug=spanish.slug, language="es")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_translation(english, slug="otra-traduccion")


def test_an_english_article_translates_nothing(pair):
    english, spanish = pair
    english.translation_of = spanish

    with pytest.raises(Exception, match="The English is the original"):
        english.full_clean()


def test_spanish_search_ignores_accents_and_finds_only_spanish(client, pair):
    html = client.get("/es/buscar/?q=inyeccion").content.decode()
    english_search = client.get("/search/?q=inyección").content.decode()

    assert "1 artículo encontrado" in html and "¿Qué es la proloterapia?" in html
    assert "No articles found" in english_search


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own Spanish stemming")
def test_postgres_searches_spanish_with_its_spanish_configuration(client, pair):
    html = client.get("/es/buscar/?q=ortopedias").content.decode()  # the plural stems to "ortoped"

    assert "¿Qué es la proloterapia?" in html


# --- The loader ---------------------------------------------------------------


def write_translation(
    content_dir, name="01-que-es-la-proloterapia.md", translation_of="what-is-prolotherapy"
):
    folder = content_dir / "guide" / "es"
    folder.mkdir(parents=True, exist_ok=True)
    english = guide_content.load_guide(content_dir)[0]
    body = "## Qué es\n\nUna serie de inyecciones de dextrosa [1]."
    body += "".join(f" Otra fuente [{n}]." for n in range(2, len(english.sources) + 1))
    sources = ", ".join(f'"{source.key}"' for source in english.sources)
    (folder / name).write_text(
        f'+++\ntitle = "¿Qué es la proloterapia?"\nslug = "{name[3:-3]}"\ntopic = "Lo básico"\n'
        f'summary = "Unas inyecciones."\nsources = [{sources}]\ntranslation_of = "{translation_of}"\n+++\n{body}\n',
        encoding="utf-8",
    )


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    shutil.copytree(guide_content.CONTENT_DIR, tmp_path / "content", ignore=shutil.ignore_patterns("es"))
    directory = tmp_path / "content"
    monkeypatch.setattr(guide_content, "CONTENT_DIR", directory)
    for function in ("load_guide", "load_sources", "load_translations"):  # their default folder
        monkeypatch.setattr(getattr(guide_content, function), "__defaults__", (directory,))
    return directory


def test_the_loader_links_translations_once_and_never_overwrites_them(content_dir):
    write_translation(content_dir)

    call_command("load_guide", stdout=io.StringIO())
    spanish = Article.objects.select_related("translation_of").get(language="es")
    spanish.title = "Editado por una editora"
    spanish.save()
    out = io.StringIO()
    call_command("load_guide", stdout=out)

    spanish = Article.objects.select_related("translation_of", "topic").get(language="es")
    assert spanish.title == "Editado por una editora"
    assert spanish.translation_of.slug == "what-is-prolotherapy"
    assert spanish.topic == spanish.translation_of.topic
    assert spanish.sources.count() == spanish.translation_of.sources.count()
    assert not spanish.is_translation_out_of_date
    assert "Created" not in out.getvalue()
    assert Article.objects.filter(language="es").count() == 1


def test_a_translation_of_english_text_editors_have_since_changed_loads_as_out_of_date(content_dir):
    call_command("load_guide", stdout=io.StringIO())
    english = Article.objects.get(slug="what-is-prolotherapy")
    english.summary = "An editor's corrected summary."
    english.save()
    publish_changes(english)
    write_translation(content_dir)

    call_command("load_guide", stdout=io.StringIO())

    assert Article.objects.select_related("translation_of").get(language="es").is_translation_out_of_date


def test_the_loader_refuses_a_translation_without_its_key(content_dir):
    write_translation(content_dir)
    path = next((content_dir / "guide" / "es").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace('translation_of = "what-is-prolotherapy"\n', ""))

    with pytest.raises(ValueError, match="translation_of"):
        guide_content.load_translations("es", content_dir)
