"""Security headers, cookies, the admin lockout and the friendly CSRF page."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import make_clinic, make_front_desk_user
from tests.helpers import declared_settings

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/articles/",
    "/search/?q=knee",
    "/no-such-page/",
    "/admin/login/",
    "/robots.txt",
    "/sitemap.xml",
]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_a_strict_content_security_policy(client, url):
    make_clinic()

    response = client.get(url)

    directives = csp_directives(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    for source in ("style-src", "script-src", "img-src"):
        assert directives[source] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", [*PAGES, "static"])
def test_every_response_carries_the_other_security_headers(client, url):
    if url == "static":
        url = re.search(r'href="(/static/css/site\.[^"]+)"', client.get("/").content.decode()).group(1)

    response = client.get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in response["Permissions-Policy"]


def test_https_responses_carry_hsts_for_a_year_in_production(client):
    response = client.get("/", secure=True)

    max_age = int(re.search(r"max-age=(\d+)", response["Strict-Transport-Security"]).group(1))
    assert max_age >= 31_536_000
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_production_cookies_are_secure_http_only_and_host_prefixed(monkeypatch):
    declared = declared_settings(
        monkeypatch, DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="clinic.example"
    )

    assert (declared.SESSION_COOKIE_NAME, declared.CSRF_COOKIE_NAME) == (
        "__Host-sessionid",
        "__Host-csrftoken",
    )
    assert declared.SESSION_COOKIE_SECURE is declared.CSRF_COOKIE_SECURE is True
    assert declared.SESSION_COOKIE_HTTPONLY is declared.CSRF_COOKIE_HTTPONLY is True
    assert declared.SESSION_COOKIE_SAMESITE == "Lax"
    assert declared.SECURE_SSL_REDIRECT is True


def test_admin_pages_are_not_indexed(client):
    html = client.get("/admin/login/").content.decode()

    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_admin_locks_a_username_out_after_five_failed_attempts(client, django_user_model):
    make_clinic()
    django_user_model.objects.create_user("frontdesk", password="the-right-password-1", is_staff=True)
    for _ in range(4):
        response = client.post("/admin/login/", {"username": "frontdesk", "password": "wrong"})
        assert response.status_code == 200  # the admin's own "please enter a correct username" form

    fifth = client.post("/admin/login/", {"username": "frontdesk", "password": "wrong"})
    with_right_password = client.post(
        "/admin/login/", {"username": "frontdesk", "password": "the-right-password-1"}
    )

    assert fifth.status_code == 429
    assert with_right_password.status_code == 429
    html = with_right_password.content.decode()
    assert "Sign-in locked for now" in html
    assert "Please wait 1\xa0hour and try again" in html  # AXES_COOLOFF_MINUTES, 60 by default
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_says_how_long_the_configured_pause_is(client, django_user_model, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    django_user_model.objects.create_user("frontdesk", password="the-right-password-1", is_staff=True)
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "frontdesk", "password": "wrong"})

    assert response.status_code == 429
    assert "Please wait 15\xa0minutes and try again" in response.content.decode()


def test_lockout_is_per_username_so_colleagues_can_still_sign_in(client, django_user_model):
    django_user_model.objects.create_user("colleague", password="the-right-password-2", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "frontdesk", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "colleague", "password": "the-right-password-2"})

    assert response.status_code == 302


def test_an_expired_form_gets_a_friendly_page_not_a_bare_403():
    make_clinic()
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Please try again" in html and "forms on this website expire" in html
    assert 'href="tel:+17575961900"' in html


# --- Staff sessions end after an idle time -------------------------------------------------------


def staff_session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(pk=client.session.session_key)


def as_if_last_used(client, *, minutes_ago):
    """Move the staff session back in time: its expiry and its last refresh, as they would
    stand had its last visit been `minutes_ago`."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from prolo_site.sessions import REFRESHED_KEY

    session = SessionStore(session_key=client.session.session_key)
    session[REFRESHED_KEY] = int(time.time()) - minutes_ago * 60
    session.save()
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() + idle - timedelta(minutes=minutes_ago)
    )


def test_a_staff_session_that_is_used_is_kept_for_another_idle_period(client):
    client.force_login(make_front_desk_user())
    as_if_last_used(client, minutes_ago=50)
    assert staff_session_row(client).expire_date < timezone.now() + timedelta(minutes=11)

    response = client.get("/admin/")

    assert response.status_code == 200
    expires = staff_session_row(client).expire_date
    assert expires > timezone.now() + timedelta(minutes=59)
    assert expires <= timezone.now() + timedelta(minutes=60)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_a_staff_session_is_written_at_most_once_a_minute(client):
    client.force_login(make_front_desk_user())
    client.get("/admin/")
    as_if_last_used(client, minutes_ago=0)
    expires = staff_session_row(client).expire_date

    response = client.get("/admin/")

    assert staff_session_row(client).expire_date == expires
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_visitor_without_a_session_is_given_none(client):
    make_clinic()

    response = Client().get("/")

    assert settings.SESSION_COOKIE_NAME not in response.cookies
