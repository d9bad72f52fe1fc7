"""The privacy notice and accessibility statement say what the software does: each claim
that can be checked against the code is checked here."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from appointments.admin import AppointmentRequestAdmin
from appointments.models import AppointmentRequest
from tests.factories import make_article, make_clinic
from tests.helpers import FORM_URL, plain_text

PAGES_DIR = Path(__file__).resolve().parents[1] / "prolo_site" / "content" / "pages"

# Each answer anonymising keeps (PATIENT_ANSWERS minus IDENTIFYING_ANSWERS), as the
# privacy notice names it. A new kept answer fails the first test until the notice says so.
KEPT_ANSWERS = {
    "contact_method": "how you wanted us to contact you",
    "best_time": "the best time to reach you",
    "patient_type": "whether you were a new or returning patient",
    "visit_type": "the type of visit",
    "preferred_provider": "the provider you asked for",
    "areas": "where it hurts",
    "acknowledged_not_emergency": "that you ticked the emergency box",
}
REMOVED_ANSWERS = {
    "name": "your name",
    "phone": "your phone number",
    "email": "your email address",
    "message": "your message",
    "needs_interpreter": "the support you asked for",
    "interpreter_language": "the support you asked for",
    "access_needs": "the support you asked for",
}


def _text(slug):
    body = (PAGES_DIR / f"{slug}.md").read_text(encoding="utf-8").split("+++", 2)[2]
    return " ".join(plain_text(body).split())


def _section(slug, heading):
    body = (PAGES_DIR / f"{slug}.md").read_text(encoding="utf-8")
    [text] = re.findall(rf"^## {heading}\n(.*?)(?=^## |\Z)", body, flags=re.MULTILINE | re.DOTALL)
    return " ".join(plain_text(text).split())


def test_the_privacy_notice_names_every_answer_kept_and_removed_after_the_retention_period():
    kept = set(AppointmentRequest.PATIENT_ANSWERS) - set(AppointmentRequest.IDENTIFYING_ANSWERS)
    assert kept == set(KEPT_ANSWERS)
    assert set(AppointmentRequest.IDENTIFYING_ANSWERS) == set(REMOVED_ANSWERS)
    retention = _section("privacy", "How long we keep your request")
    for phrase in [*KEPT_ANSWERS.values(), *REMOVED_ANSWERS.values(), "staff's notes"]:
        assert phrase in retention, phrase
    assert "keep only" not in retention


def test_the_privacy_notice_mentions_the_exports_and_backups_the_software_makes():
    assert "export_csv" in AppointmentRequestAdmin.actions
    copies = _section("privacy", "Copies: exports and backups")
    assert "spreadsheet file (CSV)" in copies
    assert "backup" in copies


@pytest.mark.django_db
def test_reading_sets_no_cookie_and_opening_the_form_sets_only_the_security_cookie(client):
    make_clinic()
    make_article()

    for url in ("/", "/articles/", "/articles/what-is-prolotherapy/", "/search/?q=knee", "/about/privacy/"):
        response = client.get(url)
        assert not response.cookies, (url, list(response.cookies))
    form = client.get(FORM_URL)

    assert list(form.cookies) == [settings.CSRF_COOKIE_NAME]
    assert form.cookies[settings.CSRF_COOKIE_NAME]["max-age"] == settings.CSRF_COOKIE_AGE
    assert settings.CSRF_COOKIE_AGE <= 365 * 24 * 60 * 60  # "up to a year"
    summary = _text("privacy")
    assert "Reading our articles sets no cookies." in summary
    assert "Opening the form page sets a security cookie, before you type anything." in summary


def test_the_privacy_notice_says_pictures_may_come_from_a_storage_service():
    text = _text("privacy")
    assert "Every file on every page comes from the clinic's own server" not in text
    assert "or from a file storage service if the clinic has chosen to keep them there" in text
    # As shipped, uploads are on the clinic's own server: same origin, no other company.
    assert settings.MEDIA_URL.startswith("/") and settings.MEDIA_STORAGE != "s3"


def test_the_accessibility_statement_offers_a_way_in_that_is_not_the_phone():
    text = _text("accessibility")
    assert "Email us at {{ clinic_email }}." in text
    assert "dial 711" in text
    assert "We have not yet tested the site with people who use screen readers." in text


@pytest.mark.django_db
def test_the_form_page_offers_email_and_relay_to_deaf_patients(client):
    make_clinic(email="frontdesk@clinic.example")

    html = client.get(FORM_URL).content.decode()

    assert (
        'Email us at <a href="mailto:frontdesk@clinic.example">frontdesk@clinic.example</a>, or call' in html
    )
    assert "through a relay service: dial 711 and ask for (757) 596-1900." in html


@pytest.mark.django_db
def test_without_an_email_address_the_form_page_offers_only_the_relay(client):
    make_clinic()

    html = client.get(FORM_URL).content.decode()

    assert "mailto:" not in html
    assert "cannot use the phone? Call through a relay service: dial 711" in html


@pytest.mark.django_db
def test_the_accessibility_statement_leaves_out_the_email_sentences_until_the_clinic_has_one(client):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo_content", verbosity=0, stdout=StringIO())

    html = client.get("/about/accessibility/").content.decode()

    assert "dial 711, and the relay operator will connect you to (757) 596-1900." in html
    assert "please tell us. Call the clinic on (757) 596-1900. It helps" in html
    assert "Email us at" not in html and "{{" not in html


@pytest.mark.django_db
def test_the_privacy_notice_describes_the_confirmation_cookie_as_it_is(client):
    """'holds only a number for your request ... stops working after an hour'"""
    from appointments.views import CONFIRMATION_COOKIE, CONFIRMATION_MAX_AGE
    from tests.factories import appointment_request_answers
    from tests.helpers import hidden_input

    text = _section("privacy", "Cookies")
    assert (
        "holds only a number for your request, not your answers, and it stops working after an hour" in text
    )
    assert CONFIRMATION_MAX_AGE == 60 * 60

    make_clinic()
    token = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    response = client.post(FORM_URL, appointment_request_answers(submission_token=token))
    cookie = response.cookies[CONFIRMATION_COOKIE]
    appointment_request = AppointmentRequest.objects.get()
    assert cookie["max-age"] == CONFIRMATION_MAX_AGE
    assert cookie.value.split(":")[0] == str(appointment_request.pk)  # the id, signed; nothing else
    assert appointment_request.reference not in cookie.value
    assert appointment_request.name not in cookie.value


@pytest.mark.django_db
def test_the_privacy_notice_describes_the_kept_address_code_as_it_is(settings):
    """'a scrambled code made from your internet (IP) address ... we remove it when we
    remove your details'"""
    from appointments.rate_limit import client_key
    from appointments.workflow import appointment_request_anonymise
    from tests.factories import make_appointment_request

    assert "a scrambled code made from your internet (IP) address" in _text("privacy")
    settings.APPOINTMENTS_RATE_LIMIT = (5, 600)
    code = client_key("203.0.113.7")
    assert code and "203.0.113.7" not in code
    appointment_request = make_appointment_request(client_key=code)
    appointment_request_anonymise(appointment_request=appointment_request)
    appointment_request.refresh_from_db()
    assert appointment_request.client_key == ""
