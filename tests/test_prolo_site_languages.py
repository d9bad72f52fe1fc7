"""The site in two languages: the address decides, each page links to itself in the other language,
hreflang and the sitemap list both, the page cache keeps each language apart."""

import re

import pytest
from django.test import override_settings

from tests.factories import (
    make_article,
    make_clinic,
    make_page,
    make_page_translation,
    make_translation,
)

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


def language_link(html):
    """(href, hreflang, text) of the header's link to the other language."""
    match = re.search(
        r'<a class="language-link" href="([^"]+)" hreflang="(\w+)" lang="\w+">([^<]+)</a>', html
    )
    assert match, "no language link on the page"
    return match.groups()


def alternates(html):
    return {
        hreflang: href
        for _, hreflang, href in re.findall(
            r'<link rel="alternate" (?:href="([^"]+)" )?hreflang="([\w-]+)" href="([^"]+)">', html
        )
    }


@pytest.fixture
def guide(settings):
    settings.SITE_URL = SITE
    make_clinic()
    english = make_article()
    spanish = make_translation(english)
    return english, spanish


@pytest.mark.parametrize(
    ("english_url", "spanish_url"),
    [
        ("/", "/es/"),
        ("/articles/", "/es/guia/"),
        ("/search/", "/es/buscar/"),
        ("/appointments/request/", "/es/solicitar-cita/"),
    ],
)
def test_each_page_is_at_its_translated_address_and_links_to_the_other(
    client, guide, english_url, spanish_url
):
    english = client.get(english_url).content.decode()
    spanish = client.get(spanish_url).content.decode()

    assert '<html lang="en">' in english and '<html lang="es">' in spanish
    assert language_link(english) == (spanish_url, "es", "Español")
    assert language_link(spanish) == (english_url, "en", "English")
    for html in (english, spanish):
        assert alternates(html) == {
            "en": f"{SITE}{english_url}",
            "es": f"{SITE}{spanish_url}",
            "x-default": f"{SITE}{english_url}",
        }
    assert f'<link rel="canonical" href="{SITE}{spanish_url}">' in spanish


def test_an_article_links_to_its_translation_and_says_so_in_hreflang(client, guide):
    english, spanish = guide
    assert spanish.get_absolute_url() == "/es/guia/que-es-la-proloterapia/"

    english_html = client.get(english.get_absolute_url()).content.decode()
    spanish_html = client.get(spanish.get_absolute_url()).content.decode()

    assert language_link(english_html)[0] == "/es/guia/que-es-la-proloterapia/"
    assert language_link(spanish_html)[0] == "/articles/what-is-prolotherapy/"
    assert alternates(spanish_html)["es"] == f"{SITE}/es/guia/que-es-la-proloterapia/"
    assert alternates(spanish_html)["x-default"] == f"{SITE}/articles/what-is-prolotherapy/"
    assert "¿Qué es la proloterapia?" in spanish_html and "Fuentes" in spanish_html
    assert '"inLanguage": "es-US"' in spanish_html and '"inLanguage": "en-US"' in english_html


def test_an_article_without_a_translation_links_to_the_other_guide_and_claims_no_alternate(client, guide):
    untranslated = make_article(title="Cost and paying", slug="cost-and-paying")

    html = client.get(untranslated.get_absolute_url()).content.decode()

    assert language_link(html)[0] == "/es/guia/"
    assert alternates(html) == {
        "en": f"{SITE}/articles/cost-and-paying/",
        "x-default": f"{SITE}/articles/cost-and-paying/",
    }
    # Nor is the English article reachable at a Spanish address.
    assert client.get("/es/guia/cost-and-paying/").status_code == 404


def test_the_guide_and_the_home_page_list_only_their_own_language(client, guide):
    spanish_home = client.get("/es/").content.decode()
    spanish_guide = client.get("/es/guia/").content.decode()
    english_guide = client.get("/articles/").content.decode()

    assert "¿Qué es la proloterapia?" in spanish_home and "What is prolotherapy?" not in spanish_home
    assert "¿Qué es la proloterapia?" in spanish_guide and "What is prolotherapy?" not in spanish_guide
    assert "Lo básico" in spanish_guide  # the shipped topic's name, from the catalogue
    assert "What is prolotherapy?" in english_guide and "¿Qué es la proloterapia?" not in english_guide


def test_site_pages_have_their_translation(client, settings):
    settings.SITE_URL = SITE
    privacy = make_page()
    spanish = make_page_translation(privacy)

    html = client.get("/es/informacion/privacidad/").content.decode()

    assert spanish.get_absolute_url() == "/es/informacion/privacidad/"
    assert "Aviso de privacidad" in html
    assert language_link(html)[0] == "/about/privacy/"
    assert language_link(client.get("/about/privacy/").content.decode())[0] == "/es/informacion/privacidad/"
    # The footer lists the Spanish page on Spanish pages, the English one on English pages.
    assert 'href="/es/informacion/privacidad/"' in client.get("/es/").content.decode()
    assert 'href="/about/privacy/"' in client.get("/").content.decode()
    # The form's privacy link follows the language too.
    assert 'href="/es/informacion/privacidad/"' in client.get("/es/solicitar-cita/").content.decode()


def test_the_browser_language_never_redirects_nor_changes_a_page(client, guide):
    asked_for_spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    with_cookie = client.get("/articles/", HTTP_COOKIE="django_language=es")

    assert asked_for_spanish.status_code == 200 and with_cookie.status_code == 200
    assert '<html lang="en">' in asked_for_spanish.content.decode()
    assert "Prolotherapy guide" in with_cookie.content.decode()
    assert "Accept-Language" not in asked_for_spanish.get("Vary", "")
    assert client.get("/es/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "es"
    # An unknown unprefixed address is a plain 404, not a redirect to /es/...
    assert client.get("/guia/", HTTP_ACCEPT_LANGUAGE="es").status_code == 404


def test_staff_pages_stay_english_whatever_the_browser_asks(client, admin_user):
    client.force_login(admin_user)

    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Work and content" in html and "Log out" in html
    assert client.get("/es/admin/").status_code == 404


def test_not_found_is_in_the_language_of_the_address(client, guide):
    spanish = client.get("/es/no-existe/")
    english = client.get("/no-such-page/")

    assert spanish.status_code == 404 and english.status_code == 404
    assert "No encontramos la página" in spanish.content.decode()
    assert '<html lang="es">' in spanish.content.decode()
    assert "Page not found" in english.content.decode()


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_server_error_is_in_the_language_of_the_address(client, guide, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr(views, "render_article_body", broken)
    client.raise_request_exception = False

    spanish = client.get("/es/guia/que-es-la-proloterapia/")
    english = client.get("/articles/what-is-prolotherapy/")

    assert spanish.status_code == 500 and english.status_code == 500
    assert "Lo sentimos, algo salió mal" in spanish.content.decode()
    assert 'href="/es/"' in spanish.content.decode()
    assert "Sorry, something went wrong" in english.content.decode()


def test_expired_form_page_is_spanish_under_es(guide):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/es/solicitar-cita/", {"name": "María"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Su solicitud todavía no se envió" in html
    assert 'value="María"' in html


def test_sitemap_lists_each_language_with_its_alternates(client, guide):
    make_article(title="Cost and paying", slug="cost-and-paying")  # English only

    xml = client.get("/sitemap.xml").content.decode()

    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert f"{SITE}/es/guia/que-es-la-proloterapia/" in locations
    assert f"{SITE}/articles/what-is-prolotherapy/" in locations
    assert f"{SITE}/es/" in locations and f"{SITE}/es/solicitar-cita/" in locations
    assert f"{SITE}/articles/cost-and-paying/" in locations
    assert f"{SITE}/es/guia/cost-and-paying/" not in xml
    entry = re.search(r"<url><loc>[^<]*/es/guia/que-es-la-proloterapia/</loc>.*?</url>", xml).group()
    assert f'hreflang="en" href="{SITE}/articles/what-is-prolotherapy/"' in entry
    assert f'hreflang="x-default" href="{SITE}/articles/what-is-prolotherapy/"' in entry


def test_robots_keeps_both_searches_out(client):
    text = client.get("/robots.txt").content.decode()

    assert "Disallow: /search/" in text and "Disallow: /es/buscar/" in text


def test_language_assistance_is_in_both_languages_on_every_page(client, guide):
    for url in ("/", "/es/", "/es/guia/que-es-la-proloterapia/", "/es/solicitar-cita/"):
        html = client.get(url).content.decode()
        assert "To ask for an interpreter" in html, url
        assert "Para pedir un intérprete" in html, url
        assert "tel:+17575961900" in html
    # Free only where the clinic says so.
    assert "son gratis" not in client.get("/es/").content.decode()
    from prolo_site.models import Clinic

    Clinic.objects.update(interpreters_free=True)
    assert "Los intérpretes son gratis" in client.get("/es/").content.decode()
    assert "Interpreters are free" in client.get("/es/").content.decode()


@pytest.mark.django_db(transaction=True)  # the page cache moves on at commit
def test_the_page_cache_keeps_each_language_its_own_page(settings, django_assert_num_queries):
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 600
    make_clinic()
    english = make_article()
    make_translation(english)
    for path in ("/", "/es/"):
        assert Client().get(path).status_code == 200

    with django_assert_num_queries(0):
        english_home = Client().get("/").content.decode()
        spanish_home = Client().get("/es/").content.decode()
        # The browser's language never picks the other copy.
        asked_in_spanish = Client().get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<html lang="en">' in english_home and "What is prolotherapy?" in english_home
    assert '<html lang="es">' in spanish_home and "¿Qué es la proloterapia?" in spanish_home
    assert asked_in_spanish == english_home


def test_a_spanish_article_makes_a_fixed_number_of_queries(client, clinician, django_assert_max_num_queries):
    from articles.revisions import sign_off_revision

    make_clinic()
    english = make_article(sources=12)
    spanish = make_translation(english, sources=12)
    sign_off_revision(spanish.published_revision, user=clinician)
    for number in range(8):
        other = make_article(slug=f"other-{number}", sources=2)
        make_translation(other, slug=f"otro-{number}", sources=2)

    with django_assert_max_num_queries(7):
        response = client.get(spanish.get_absolute_url())
    with django_assert_max_num_queries(6):
        assert client.get("/es/").status_code == 200

    assert response.content.decode().count('id="source-') == 12
    assert "Revisado por Alex Example, MD el" in response.content.decode()


def test_too_many_requests_is_spanish_under_es(client, settings):
    from tests.factories import appointment_request_answers

    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    make_clinic()
    client.post("/es/solicitar-cita/", appointment_request_answers())
    response = client.post("/es/solicitar-cita/", appointment_request_answers(name="Otra Persona"))

    assert response.status_code == 429
    html = response.content.decode()
    assert "Su solicitud todavía no se envió" in html and "espere 10 minutos" in html
    assert 'value="Otra Persona"' in html


def test_a_spanish_page_leaves_the_next_thing_in_the_thread_in_english(client):
    """The address's language is the request's only: what runs next in the same thread (a
    form's messages, an email built outside a request) is not in Spanish by accident."""
    from django.utils import translation

    from appointments.forms import AppointmentRequestForm

    assert client.get("/es/").status_code == 200
    assert translation.get_language() == "en"
    form = AppointmentRequestForm({"name": "   "})
    assert form.errors["name"] == ["Enter your name."]
