"""Forwarded headers count only from DJANGO_TRUSTED_PROXIES: the lockout, the rate limit, HTTPS."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from appointments.models import AppointmentRequest
from prolo_site.env import trusted_proxies
from tests.factories import appointment_request_answers, make_clinic
from tests.helpers import FORM_URL, hidden_input, run_manage, site_environ

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
PROXY = "10.0.0.5"
ATTACKER = "203.0.113.9"


def submission_token(client, **meta):
    return hidden_input(client.get(FORM_URL, **meta).content.decode(), "submission_token")


def send_request(client, name, **meta):
    answers = appointment_request_answers(submission_token=submission_token(client, **meta), name=name)
    return client.post(FORM_URL, answers, **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.AXES_FAILURE_LIMIT = 5


def test_a_new_forwarded_for_on_each_guess_does_not_escape_the_lockout(
    client, django_user_model, behind_proxy
):
    make_clinic()
    django_user_model.objects.create_user("clinicadmin", password="the-right-password-9", is_staff=True)

    answers = []
    for attempt in range(12):
        response = client.post(
            LOGIN_URL,
            {"username": "clinicadmin", "password": f"guess-{attempt}"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt + 1}",
        )
        answers.append(response.status_code)
    right_password = client.post(
        LOGIN_URL,
        {"username": "clinicadmin", "password": "the-right-password-9"},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )

    assert answers[:4] == [200] * 4
    assert answers[4:] == [429] * 8
    assert right_password.status_code == 429
    assert "Sign-in locked for now" in right_password.content.decode()


def test_behind_the_trusted_proxy_each_forwarded_client_is_locked_out_on_its_own(
    client, django_user_model, behind_proxy
):
    django_user_model.objects.create_user("clinicadmin", password="the-right-password-9", is_staff=True)
    for attempt in range(5):
        client.post(
            LOGIN_URL,
            {"username": "clinicadmin", "password": f"guess-{attempt}"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )

    # The real administrator, at another address behind the same proxy, still signs in.
    response = client.post(
        LOGIN_URL,
        {"username": "clinicadmin", "password": "the-right-password-9"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )

    assert response.status_code == 302


def test_forwarded_for_from_an_untrusted_peer_does_not_reset_the_rate_limit(client, settings, behind_proxy):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    first = send_request(client, "First Person", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="198.51.100.1")

    second = send_request(client, "Second Person", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert first.status_code == 302
    assert second.status_code == 429
    assert AppointmentRequest.objects.count() == 1


def test_a_client_written_entry_left_of_the_proxys_own_is_never_believed(client, settings, behind_proxy):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    send_request(client, "First Person", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)

    forged = send_request(
        client, "Second Person", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.7, {ATTACKER}"
    )

    assert forged.status_code == 429


def test_forwarded_proto_from_an_untrusted_peer_is_not_https(client, settings, behind_proxy):
    settings.SECURE_SSL_REDIRECT = True

    from_anyone = client.get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    from_the_proxy = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    # Not secure: redirected to HTTPS, and no HSTS on a plain-HTTP answer.
    assert from_anyone.status_code == 301
    assert from_anyone["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in from_anyone
    assert from_the_proxy.status_code == 200
    assert "Strict-Transport-Security" in from_the_proxy


def test_trusted_proxies_are_addresses_or_networks():
    assert trusted_proxies(" 127.0.0.1, 10.0.0.0/8 ,::1", name="X") == ["127.0.0.1", "10.0.0.0/8", "::1"]
    with pytest.raises(ImproperlyConfigured, match=r"X: 'nginx' is not an IP address"):
        trusted_proxies("127.0.0.1,nginx", name="X")


def test_the_old_behind_proxy_switch_refuses_to_start_with_the_new_name():
    result = run_manage("check", env=site_environ(DJANGO_BEHIND_PROXY="true", DJANGO_DEBUG="true"))

    assert result.returncode != 0
    assert "DJANGO_BEHIND_PROXY is replaced by DJANGO_TRUSTED_PROXIES" in result.stderr
    assert "Traceback" not in result.stderr
