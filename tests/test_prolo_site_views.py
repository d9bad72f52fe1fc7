"""The site frame, home page, staff pages, health check, static files and error pages."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from prolo_site.task_queue import task_queue_health
from tests.factories import make_clinic, make_page, make_provider

pytestmark = pytest.mark.django_db


def test_every_page_shows_the_clinic_phone_and_the_appointment_button(client):
    make_clinic()

    html = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert 'href="tel:+17575961900"' in html
    assert "(757) 596-1900" in html
    assert 'href="/appointments/request/"' in html
    assert "call 911" in html


def test_home_page_lists_active_providers_only(client):
    make_clinic()
    make_provider()
    make_provider(name="Retired Doctor", slug="retired", is_active=False)

    html = client.get("/").content.decode()

    assert "Jenny L. F. Andrus, MD" in html
    assert "Offers telehealth (video) visits" in html
    assert "Retired Doctor" not in html


def test_clinic_details_edited_by_staff_appear_on_the_page(client):
    make_clinic(address="1 Example Street\nNewport News", opening_hours="Monday to Friday, 8 am to 5 pm")

    html = client.get("/").content.decode()

    assert "1 Example Street<br>Newport News" in html
    assert "Monday to Friday, 8 am to 5 pm" in html


def test_pages_render_markdown_and_are_linked_from_the_footer(client):
    make_clinic()
    page = make_page(body="## What we collect\n\n<script>alert(1)</script>Only what we need.")

    home = client.get("/").content.decode()
    response = client.get(page.get_absolute_url())
    html = response.content.decode()

    assert f'href="{page.get_absolute_url()}"' in home
    assert '<h2 id="what-we-collect">What we collect</h2>' in html
    assert "<script>alert" not in html


def test_unpublished_page_is_not_found(client):
    page = make_page(is_published=False)

    assert client.get(page.get_absolute_url()).status_code == 404


def test_unknown_address_gets_the_friendly_404_page(client):
    make_clinic()

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'href="tel:+17575961900"' in response.content.decode()


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "ok"
    assert {"database: ok", "cache: ok", "task queue: ok (0 ready, the oldest waiting 0 s)"} <= set(lines[1:])


def test_healthz_reports_a_task_queue_whose_worker_is_down_and_stays_200(client):
    from appointments.submission import appointment_request_submit
    from tests.factories import appointment_submission

    appointment_request_submit(submission=appointment_submission())
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=11))

    response = client.get("/healthz")

    assert response.status_code == 200  # patients can still send requests
    lines = response.content.decode().splitlines()
    assert lines[0] == "degraded"
    [queue_line] = [line for line in lines if line.startswith("task queue:")]
    assert queue_line.startswith("task queue: down (1 ready, the oldest waiting 66")
    assert queue_line.endswith("s; is the worker running?)")


def test_task_queue_health_counts_only_tasks_that_are_due():
    from appointments.models import AppointmentRequest
    from appointments.notifications import appointment_request_queue_notifications
    from tests.factories import make_appointment_request

    appointment_request = make_appointment_request()
    now = timezone.now()
    appointment_request_queue_notifications(appointment_request=appointment_request)
    appointment_request_queue_notifications(
        appointment_request=appointment_request, run_after=now + timedelta(minutes=5)
    )

    DBTaskResult.objects.filter(run_after=get_date_max()).update(enqueued_at=now - timedelta(seconds=30))

    health = task_queue_health(now=now)

    assert health == {"ready": 1, "oldest_ready_seconds": 30, "worker_down": False}
    assert AppointmentRequest.objects.count() == 1


def broken_database():
    """Point the default connection at a database that cannot be reached."""
    connection.close()
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"  # nothing listens there
        connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    return saved


def restore_database(saved):
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_healthz_answers_503_when_the_database_does_not(client):
    saved = broken_database()
    try:
        response = client.get("/healthz")
    finally:
        restore_database(saved)

    assert response.status_code == 503
    assert "database: down (not answering)" in response.content.decode().splitlines()


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_500_page_renders_even_when_the_database_is_down(client):
    from prolo_site.views import server_error

    saved = broken_database()
    try:
        response = server_error(None)
    finally:
        restore_database(saved)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong" in html
    assert "call 911" in html


def test_500_page_gives_the_phone_number_when_the_database_answers():
    from prolo_site.views import server_error

    make_clinic()

    html = server_error(None).content.decode()

    assert 'href="tel:+17575961900"' in html


def test_static_css_is_hashed_compressed_and_cached_for_a_year(client):
    html = client.get("/").content.decode()
    css_url = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]

    response = client.get(css_url, headers={"accept-encoding": "br, gzip"})

    assert css_url.startswith("/static/css/site.") and css_url.count(".") == 2  # site.<hash>.css
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] in {"br", "gzip"}
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 31_536_000


def test_pages_fill_in_the_clinic_phone_and_retention_setting(client, settings):
    make_clinic()
    settings.APPOINTMENTS_RETENTION_DAYS = 180
    settings.APPOINTMENTS_OPEN_RETENTION_DAYS = 400
    page = make_page(
        body="Call {{ clinic_phone }}. We keep requests {{ retention_days }} days, "
        "open ones {{ open_retention_days }}. {{ other }}"
    )

    html = client.get(page.get_absolute_url()).content.decode()

    assert "Call (757) 596-1900. We keep requests 180 days, open ones 400." in html
    assert "{{ other }}" in html  # staff text is never run as a template


def test_demo_pages_are_loaded_and_linked_from_the_footer(client):

    call_command("load_demo_content", verbosity=0, stdout=StringIO())

    html = client.get("/").content.decode()
    for slug in ("privacy", "accessibility", "editorial-policy"):
        assert f'href="/about/{slug}/"' in html
        assert client.get(f"/about/{slug}/").status_code == 200
    assert "365 days" in client.get("/about/privacy/").content.decode()
