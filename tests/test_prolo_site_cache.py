"""With the cache down (Redis not answering, the file cache's folder unusable) the site serves
every patient without it, logs it once, and /healthz says so and stays 200."""

import logging
import sqlite3

import pytest
from django.test import Client
from django.urls import reverse

from appointments.models import AppointmentRequest
from prolo_site import cache as resilient
from tests.factories import (
    appointment_request_answers,
    make_article,
    make_clinic,
    make_front_desk_user,
    publish_changes,
)
from tests.helpers import FORM_URL, RECEIVED_URL, hidden_input, run_manage
from tests.servers import Client as HttpClient
from tests.servers import Gunicorn, free_port, sqlite_site, submit_appointment_request

WRAPPED = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "files": "django.core.cache.backends.filebased.FileBasedCache",
}


@pytest.fixture(autouse=True)
def no_outage_carried_over():
    resilient._outages.clear()
    yield
    resilient._outages.clear()


def cache_down(kind, tmp_path):
    """CACHES for a cache that is down: Redis on a port nothing listens on, or the file
    cache's folder replaced by a file (what a lost or unwritable disk looks like to it,
    whoever runs the test: root can write to a read-only folder)."""
    if kind == "redis":
        location = f"redis://127.0.0.1:{free_port()}/0"
    else:
        location = tmp_path / "cache"
        location.write_text("not a folder")
    return {
        "default": {
            "BACKEND": "prolo_site.cache.ResilientCache",
            "WRAPPED_BACKEND": WRAPPED[kind],
            "LOCATION": str(location),
            "KEY_PREFIX": "prolo",
        }
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["redis", "files"])
def test_with_the_cache_down_pages_are_served_and_a_request_is_stored(kind, tmp_path, settings, caplog):
    settings.CACHES = cache_down(kind, tmp_path)
    settings.PAGE_CACHE_SECONDS = 600  # on, as in production
    settings.APPOINTMENTS_RATE_LIMIT = (5, 600)
    make_clinic()
    article = make_article()
    patient = Client()

    with caplog.at_level(logging.WARNING, logger="prolo_site.cache"):
        for _ in range(3):
            assert Client().get("/").status_code == 200
            assert Client().get(article.get_absolute_url()).status_code == 200
        page = patient.get(FORM_URL).content.decode()
        response = patient.post(
            FORM_URL, appointment_request_answers(submission_token=hidden_input(page, "submission_token"))
        )
        confirmation = patient.get(RECEIVED_URL)
        health = Client().get("/healthz")

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    stored = AppointmentRequest.objects.get()
    assert stored.status == AppointmentRequest.Status.NEW
    assert stored.display_reference in confirmation.content.decode()
    front_desk = Client()
    front_desk.force_login(make_front_desk_user())
    changelist = front_desk.get(reverse("admin:appointments_appointmentrequest_changelist"))
    assert stored.display_reference in changelist.content.decode()
    assert health.status_code == 200
    lines = health.content.decode().splitlines()
    assert lines[0] == "degraded"
    assert "database: ok" in lines
    assert any(line.startswith("cache: down") for line in lines)
    # Once for the outage, not once a request.
    assert len([r for r in caplog.records if "is not answering" in r.getMessage()]) == 1


@pytest.mark.django_db(transaction=True)
def test_an_editors_save_while_the_cache_was_down_shows_once_it_is_back(tmp_path, settings, caplog):
    """The new page-cache version could not be written during the outage: once the cache
    answers again, the pages cached before it are not served."""
    folder = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "prolo_site.cache.ResilientCache",
            "WRAPPED_BACKEND": WRAPPED["files"],
            "LOCATION": str(folder),
            "RETRY_SECONDS": 0,
        }
    }
    settings.PAGE_CACHE_SECONDS = 600
    make_clinic()
    article = make_article()
    assert "What is prolotherapy?" in Client().get(article.get_absolute_url()).content.decode()

    # The cache's folder goes (its disk lost), an editor saves, the folder comes back.
    folder.rename(tmp_path / "cache-away")
    folder.write_text("not a folder")
    article.title = "Prolotherapy, explained"
    article.save()
    publish_changes(article)
    assert "Prolotherapy, explained" in Client().get(article.get_absolute_url()).content.decode()
    folder.unlink()
    (tmp_path / "cache-away").rename(folder)

    with caplog.at_level(logging.WARNING, logger="prolo_site.cache"):
        page = Client().get(article.get_absolute_url()).content.decode()
    assert "Prolotherapy, explained" in page
    assert "What is prolotherapy?" not in page
    assert any("answers again" in record.getMessage() for record in caplog.records)


def test_the_site_starts_and_serves_under_gunicorn_with_redis_down(tmp_path):
    """The whole start, as `make run` does it (migrate, collectstatic, demo content, check,
    gunicorn), with CACHE_URL pointing at a Redis that is not there."""
    env = sqlite_site(
        tmp_path, CACHE_URL=f"redis://127.0.0.1:{free_port()}/0", APPOINTMENTS_RATE_LIMIT="5/10m"
    )
    assert run_manage("check", env=env, timeout=300).returncode == 0
    log = tmp_path / "gunicorn.log"

    with Gunicorn(env, workers=1, log_path=log) as server:
        reader = HttpClient(server.url)
        assert reader.get("/")[0] == 200
        assert reader.get("/articles/")[0] == 200
        acknowledged = [submit_appointment_request(HttpClient(server.url), f"CACHEDOWN{n}") for n in range(3)]
        status, _, health = reader.get("/healthz")

    assert acknowledged == [(True, 302)] * 3
    with sqlite3.connect(tmp_path / "bench.sqlite3") as database:
        stored = database.execute(
            "SELECT count(*) FROM appointments_appointmentrequest WHERE name LIKE 'Bench Patient CACHEDOWN%'"
            " AND status = 'new'"
        ).fetchone()[0]
    assert stored == 3
    assert status == 200
    assert any(line.startswith("cache: down") for line in health.splitlines())
    assert log.read_text().count("is not answering") == 1
