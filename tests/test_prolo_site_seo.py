"""What search engines and link previews see: titles, canonical URLs, sitemap, JSON-LD."""

import io
import json
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from articles.revisions import sign_off_revision
from tests.factories import make_article, publish_changes

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/articles/",
    "/search/",
    "/search/?q=knee",
    "/about/privacy/",
    "/about/accessibility/",
    "/about/editorial-policy/",
    "/articles/what-is-prolotherapy/",
    "/articles/cost-and-paying/",
]


@pytest.fixture
def demo(db):
    call_command("load_demo_content", stdout=io.StringIO())


def head_of(client, url):
    html = client.get(url).content.decode()
    return html.split("</head>", 1)[0]


def meta(head, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head)
    return match.group(1) if match else None


def json_ld(client, url):
    html = client.get(url).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return [json.loads(block) for block in blocks]


def test_every_public_page_has_a_unique_title_description_canonical_and_open_graph(client, demo):
    titles = set()
    for url in PUBLIC_URLS:
        head = head_of(client, url)
        title = re.search(r"<title>(.*?)</title>", head).group(1)
        titles.add(title)
        assert meta(head, "name", "description"), url
        assert meta(head, "property", "og:title") and meta(head, "property", "og:description"), url
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', head).group(1)
        assert canonical == "http://127.0.0.1:8000" + url.split("?")[0]
        assert meta(head, "property", "og:url") == canonical
    assert len(titles) == len(PUBLIC_URLS), "titles must differ from page to page"


def test_sitemap_lists_public_pages_and_articles_with_dates_but_never_drafts(client, demo, settings):
    settings.SITE_URL = "https://www.example-clinic.com"
    make_article(slug="secret-draft", status=Article.Status.DRAFT, published_at=None)

    # Whatever Host the request names (behind a proxy, the backend's own), the public address.
    xml = client.get("/sitemap.xml", headers={"host": "localhost"}).content.decode()

    for path in (
        "/",
        "/articles/",
        "/articles/what-is-prolotherapy/",
        "/about/privacy/",
        "/appointments/request/",
    ):
        assert f"<loc>https://www.example-clinic.com{path}</loc>" in xml
    assert "localhost" not in xml
    assert "secret-draft" not in xml
    assert xml.count("<lastmod>") >= Article.objects.published().count()


def test_robots_txt_points_to_the_sitemap_and_never_names_the_admin(client, settings):
    text = client.get("/robots.txt").content.decode()

    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    assert "Disallow: /search/" in text
    # robots.txt is public: naming DJANGO_ADMIN_URL there would undo choosing it.
    assert settings.ADMIN_URL not in text and "admin" not in text.lower()


def test_home_page_describes_the_clinic_with_only_the_facts_staff_entered(client, demo):
    [data] = json_ld(client, "/")

    clinic, *physicians = data["@graph"]
    assert clinic["@type"] == "MedicalClinic"
    assert clinic["name"] == "Orthopaedic & Spine Center"
    assert clinic["telephone"] == "(757) 596-1900"
    assert "address" not in clinic and "openingHours" not in clinic  # never invented
    assert clinic["availableService"]["@type"] == "MedicalTherapy"
    assert physicians == [{"@type": "Physician", "name": "Jenny L. F. Andrus, MD"}]


def test_article_is_a_medical_web_page_about_prolotherapy_with_its_citations(client, demo):
    [data] = json_ld(client, "/articles/conditions-and-evidence/")

    assert data["@type"] == "MedicalWebPage"
    assert data["about"] == {
        "@type": "MedicalTherapy",
        "name": "Prolotherapy",
        "alternateName": ["Proliferation therapy", "Dextrose prolotherapy"],
    }
    assert data["url"] == "http://127.0.0.1:8000/articles/conditions-and-evidence/"
    assert data["author"]["@type"] == "Organization"
    assert len(data["citation"]) == 7
    # The article cites the health article first (no DOI, so no url), then the review it reports.
    assert data["citation"][0] == {"@type": "CreativeWork", "name": data["citation"][0]["name"]}
    assert {
        "@type": "CreativeWork",
        "name": data["citation"][1]["name"],
        "url": "https://doi.org/10.4137/CMAMD.S39160",
    } in data["citation"]
    assert "lastReviewed" not in data and "reviewedBy" not in data


def test_a_sign_off_appears_in_the_structured_data_only_while_its_text_is_shown(client, clinician):
    article = make_article()
    with time_machine.travel(timezone.datetime(2026, 9, 1, 12, tzinfo=timezone.get_current_timezone())):
        sign_off_revision(article.published_revision, user=clinician)

    [data] = json_ld(client, article.get_absolute_url())

    assert data["lastReviewed"] == "2026-09-01"
    assert data["reviewedBy"] == {"@type": "Person", "name": "Alex Example, MD"}
    article.summary = "A changed summary nobody has reviewed."
    article.save()
    publish_changes(article)
    [data] = json_ld(client, article.get_absolute_url())
    assert "reviewedBy" not in data and "lastReviewed" not in data


def test_json_ld_cannot_be_broken_out_of_by_an_editor(client):
    article = make_article(title="</script><script>alert(1)</script>")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "</script><script>alert(1)" not in html
    [data] = json_ld(client, article.get_absolute_url())
    assert data["name"] == "</script><script>alert(1)</script>"
