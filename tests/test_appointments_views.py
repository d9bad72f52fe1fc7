"""The patient's pages: the form, POST-redirect-GET, the duplicate guard, no-store, rate limit, honeypot."""

import logging
import re
import time
from datetime import timedelta

import pytest
from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django_tasks_db.models import DBTaskResult

from appointments.forms import AppointmentRequestForm
from appointments.models import AppointmentRequest
from appointments.views import CONFIRMATION_COOKIE, CONFIRMATION_MAX_AGE, CONFIRMATION_SALT
from tests.factories import (
    appointment_request_answers,
    make_appointment_request,
    make_clinic,
    make_front_desk_user,
    make_provider,
)
from tests.helpers import FORM_URL, RECEIVED_URL, hidden_input
from tests.vnu import html_errors, vnu_or_skip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clinic():
    return make_clinic()


def send(client, meta=None, **overrides):
    """GET the form, then POST it with its token, as a browser does (`meta`: request headers)."""
    meta = meta or {}
    token = hidden_input(client.get(FORM_URL, **meta).content.decode(), "submission_token")
    return client.post(FORM_URL, appointment_request_answers(submission_token=token, **overrides), **meta)


def test_urls_have_the_names_other_pages_link_to():
    assert reverse("appointments:request") == FORM_URL
    assert reverse("appointments:request-received") == RECEIVED_URL


# --- The form page ----------------------------------------------------------------


def test_form_page_is_never_cached(client):
    response = client.get(FORM_URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("answers", [None, {"name": ""}], ids=["empty", "with errors"])
def test_form_page_shows_the_emergency_notice_once_above_the_form(client, answers):
    if answers is None:
        html = client.get(FORM_URL).content.decode()
    else:
        html = client.post(FORM_URL, appointment_request_answers(**answers)).content.decode()

    assert html.count('class="emergency"') == 1
    assert len(re.findall(r"\b911\b", html)) == 1  # not inside a random token
    notice = html.index("This form is not for emergencies")
    form = html.index('id="appointment-request"')
    assert notice < form
    assert "call 911" in html[notice:form]
    assert 'For anything urgent, call us on <a href="tel:+17575961900">(757) 596-1900</a>' in html


def test_form_page_links_the_privacy_notice_and_loads_its_own_stylesheet(client):
    html = client.get(FORM_URL).content.decode()

    assert 'href="/about/privacy/"' in html
    assert re.search(r'<link rel="stylesheet" href="/static/css/forms\.[0-9a-f]+\.css">', html)
    assert "<title>Request an appointment |" in html


def test_form_is_rendered_by_crispy_with_labels_autocomplete_and_no_browser_validation(client):
    html = client.get(FORM_URL).content.decode()

    assert 'novalidate=""' in html
    assert re.search(r'<label\s+for="id_name" class="form-label requiredField">', html)
    assert 'autocomplete="name"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
    assert 'autocomplete="email"' in html
    assert "<legend" in html and "Where does it hurt?" in html
    assert (
        len(re.findall(r'<input type="checkbox" name="areas" value="\w+" class="form-check-input"', html))
        == 8
    )


def test_every_form_page_gets_a_fresh_one_time_token(client):
    first = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    second = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")

    assert first != second


def test_the_form_is_never_a_cached_public_page(settings):
    """The page cache serves one copy to every reader without cookies; the form,
    with its one-time token, must never be one of them. Its CSRF cookie keeps it
    out of the cache today, so the opt-in itself is checked too."""
    settings.PAGE_CACHE_SECONDS = 600
    tokens = [hidden_input(Client().get(FORM_URL).content.decode(), "submission_token") for _ in range(2)]

    assert tokens[0] != tokens[1]
    assert not getattr(resolve(FORM_URL).func, "public_page", False)
    assert not getattr(resolve(RECEIVED_URL).func, "public_page", False)


# --- The empty form, rendered once for every visitor -------------------------------------------


def form_element(page):
    return re.search(r'<form [^>]*id="appointment-request".*?</form>', page, re.DOTALL)[0]


def provider_queries(queries):
    return [query["sql"] for query in queries if "prolo_site_provider" in query["sql"]]


def test_the_kept_form_is_a_fresh_render_but_for_the_visitors_tokens(settings, client):
    settings.PAGE_CACHE_SECONDS = 600
    make_provider(name="Jenny L. F. Andrus", credentials="MD")
    client.get(FORM_URL)  # renders and keeps the layout

    with CaptureQueriesContext(connection) as queries:
        page = client.get(FORM_URL).content.decode()

    assert provider_queries(queries) == []  # the layout was not rendered again
    csrf_token = hidden_input(page, "csrfmiddlewaretoken")
    submission_token = hidden_input(page, "submission_token")
    fresh_form = AppointmentRequestForm(initial={"submission_token": submission_token})
    fresh = render_crispy_form(fresh_form, context={"csrf_token": csrf_token})
    assert form_element(page) == fresh.strip()
    assert "Jenny L. F. Andrus, MD" in fresh


def test_the_whole_page_is_kept_for_visitors_without_a_session(settings, client, clinic):
    """The page around the form (header, clinic details, footer) is rendered once too: a
    visitor with no session is answered without a single query, with the page as first
    rendered but for their tokens."""
    settings.PAGE_CACHE_SECONDS = 600
    make_provider(name="Jenny L. F. Andrus", credentials="MD")
    first = client.get(FORM_URL).content.decode()

    visitor = Client()
    with CaptureQueriesContext(connection) as queries:
        second = visitor.get(FORM_URL).content.decode()

    assert [query["sql"] for query in queries] == []

    def without_tokens(page):
        for name in ("csrfmiddlewaretoken", "submission_token"):
            page = page.replace(hidden_input(page, name), "TOKEN")
        return page

    assert hidden_input(first, "submission_token") != hidden_input(second, "submission_token")
    assert without_tokens(second) == without_tokens(first)
    assert "Jenny L. F. Andrus, MD" in second and clinic.phone in second


def test_a_visitor_with_a_message_waiting_still_sees_it_on_the_kept_form(settings, client):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    settings.PAGE_CACHE_SECONDS = 600
    Client().get(FORM_URL)  # keeps the whole page, for visitors without a session or message
    message = Message(constants.SUCCESS, "The call was logged.")
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([message])

    page = client.get(FORM_URL).content.decode()

    assert '<div class="notice notice--success" role="status">The call was logged.</div>' in page
    assert hidden_input(page, "submission_token")
    assert "The call was logged." not in Client().get(FORM_URL).content.decode()


def test_each_visitor_gets_their_own_tokens_and_can_send_the_kept_form(settings):
    settings.PAGE_CACHE_SECONDS = 600
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = [visitor.get(FORM_URL).content.decode() for visitor in visitors]

    csrf_tokens = [hidden_input(page, "csrfmiddlewaretoken") for page in pages]
    submission_tokens = [hidden_input(page, "submission_token") for page in pages]
    assert len(set(csrf_tokens)) == len(set(submission_tokens)) == 2
    for number, visitor, csrf_token, submission_token in zip(
        (1, 2), visitors, csrf_tokens, submission_tokens, strict=True
    ):
        answers = appointment_request_answers(name=f"Patient {number}", submission_token=submission_token)
        response = visitor.post(FORM_URL, {**answers, "csrfmiddlewaretoken": csrf_token})
        assert response.status_code == 302
    assert AppointmentRequest.objects.count() == 2


def test_a_provider_change_shows_on_the_next_visit(settings, client, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=True):
        provider = make_provider(name="Jenny L. F. Andrus", credentials="MD")
    assert "Jenny L. F. Andrus, MD" in client.get(FORM_URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        provider.name = "Jenny Andrus-Smith"
        provider.save()  # as the admin's change form does, then commits
    page = client.get(FORM_URL).content.decode()
    assert "Jenny Andrus-Smith, MD" in page
    assert "Jenny L. F. Andrus" not in page

    with django_capture_on_commit_callbacks(execute=True):
        provider.is_active = False
        provider.save()
    assert "Who would you like to see?" not in client.get(FORM_URL).content.decode()


def test_a_form_with_errors_is_rendered_as_sent_after_the_empty_one_was_kept(settings, client):
    settings.PAGE_CACHE_SECONDS = 600
    client.get(FORM_URL)

    page = client.post(
        FORM_URL, appointment_request_answers(name="", email="maria@example.com")
    ).content.decode()

    assert "Enter your name." in page
    assert 'value="maria@example.com"' in page
    assert hidden_input(page, "csrfmiddlewaretoken")


def test_honeypot_is_hidden_from_people_screen_readers_and_the_keyboard(client):
    html = client.get(FORM_URL).content.decode()

    honeypot = re.search(
        r'<div\s+class="visually-hidden"\s+aria-hidden="true">(.*?)</div> </div>', html, re.S
    )
    assert honeypot, "the honeypot's wrapper is missing"
    assert "Leave this field empty" in honeypot[1]
    assert '<input type="text" name="website" tabindex="-1" autocomplete="off"' in honeypot[1]


# --- Errors --------------------------------------------------------------------------


def test_empty_form_shows_the_error_summary_and_stores_nothing(client):
    response = client.post(FORM_URL, {})
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert re.search(r"<title>Error: Request an appointment", html)
    summary = re.search(r'<div class="error-summary"[^>]*>', html)[0]
    assert 'tabindex="-1"' in summary and "autofocus" in summary and 'role="alert"' in summary
    assert "There is a problem" in html
    assert '<a href="#id_name">Enter your name.</a>' in html
    assert '<a href="#id_areas_0">Choose at least one area where it hurts.</a>' in html
    assert html.index("There is a problem") < html.index("<h1>")
    assert AppointmentRequest.objects.count() == 0


def test_errors_sit_beside_their_fields_and_are_tied_to_them(client):
    html = client.post(FORM_URL, appointment_request_answers(name="", phone="12")).content.decode()

    assert re.search(
        r'<input type="text" name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html
    )
    assert re.search(
        r'<input type="tel" name="phone"[^>]*aria-describedby="id_phone_helptext id_phone_error"', html
    )
    assert '<div id="id_name_error" class="invalid-feedback">' in html
    assert re.search(r'<fieldset aria-describedby="id_areas_helptext">', html)  # no error there
    errors = client.post(FORM_URL, appointment_request_answers(areas=[])).content.decode()
    group = re.search(r'<div id="div_id_areas".*?</fieldset>', errors, re.S)[0]
    assert '<fieldset aria-describedby="id_areas_helptext id_areas_error">' in group
    # The error comes right under the question, before the options.
    assert group.index('id="id_areas_error"') < group.index('id="id_areas_0"')
    assert 'aria-invalid="true"' in group


def test_everything_typed_is_kept_after_an_error(client):
    answers = appointment_request_answers(
        acknowledged_not_emergency="",
        message="Right knee, <b>worse</b> on stairs",
        interpreter_language="Spanish",
        access_needs="Step-free access",
        areas=["knee", "hip"],
        best_time="afternoon",
    )
    html = client.post(FORM_URL, answers).content.decode()

    assert 'value="Maria Example"' in html
    assert 'value="(757) 555-0142"' in html
    assert 'value="maria@example.com"' in html
    assert "Right knee, &lt;b&gt;worse&lt;/b&gt; on stairs</textarea>" in html
    assert 'value="Spanish"' in html
    assert "Step-free access</textarea>" in html
    assert re.search(r'name="areas" value="knee"[^>]*id="id_areas_0"[^>]* checked', html)
    assert re.search(r'name="areas" value="hip"[^>]*id="id_areas_4"[^>]* checked', html)
    assert not re.search(r'name="areas" value="neck"[^>]* checked', html)
    assert re.search(r'name="best_time" value="afternoon"[^>]* checked', html)
    assert re.search(r'name="contact_method" value="phone"[^>]* checked', html)


def test_null_bytes_get_a_plain_message_not_a_server_error(client):
    response = client.post(FORM_URL, appointment_request_answers(name="Maria\x00Example"))

    assert response.status_code == 200
    assert "This has hidden characters in it that we cannot accept" in response.content.decode()
    assert AppointmentRequest.objects.count() == 0


def test_an_expired_form_comes_back_filled_in_and_unsent(clinic):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    answers = appointment_request_answers(
        areas=["hip"], message="Hip hurts <at night>", submission_token="ab" * 16
    )

    response = strict.post(FORM_URL, answers)
    html = response.content.decode()

    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]
    assert "<title>Not sent yet: Request an appointment" in html
    assert "Your request has not been sent yet" in html
    assert 'value="Maria Example"' in html
    assert re.search(r'name="areas" value="hip"[^>]*id="id_areas_4"[^>]* checked', html)
    assert "Hip hurts &lt;at night&gt;</textarea>" in html
    # A fresh one-time token: the posted one is never carried across.
    assert hidden_input(html, "submission_token") not in ("", "ab" * 16)
    assert 'name="csrfmiddlewaretoken"' in html
    assert AppointmentRequest.objects.count() == 0


def test_a_page_on_another_site_cannot_make_the_patients_request_spam(
    clinic, mailoutbox, django_capture_on_commit_callbacks, settings
):
    """Another site posts the hidden honeypot and a token of its choosing to the form; the
    CSRF check fails and the form comes back for the patient to finish. What they send
    then is a normal request that reaches the front desk."""
    settings.APPOINTMENTS_NOTIFY_EMAILS = ["frontdesk@clinic.test"]
    patient = Client(enforce_csrf_checks=True)
    forged = appointment_request_answers(website="http://cheap-pills.example", submission_token="cd" * 16)

    # No CSRF cookie or token: what a cross-site form post carries.
    page = patient.post(FORM_URL, forged, HTTP_ORIGIN="https://attacker.example")
    html = page.content.decode()

    assert page.status_code == 403
    assert "Your request has not been sent yet" in html
    assert 'value="Maria Example"' in html  # what the patient can see is still filled in
    assert hidden_input(html, "website") == ""
    token = hidden_input(html, "submission_token")
    assert token and token != "cd" * 16

    # The patient checks the answers and presses Send: the browser posts the page as shown.
    resent = appointment_request_answers(
        website=hidden_input(html, "website"),
        submission_token=token,
        csrfmiddlewaretoken=hidden_input(html, "csrfmiddlewaretoken"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.post(FORM_URL, resent)

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.status == AppointmentRequest.Status.NEW
    front_desk = Client()
    front_desk.force_login(make_front_desk_user())
    changelist = front_desk.get(reverse("admin:appointments_appointmentrequest_changelist"))
    assert appointment_request.display_reference in changelist.content.decode()
    # Its emails wait in the task queue for the worker, like any patient's request.
    [task] = DBTaskResult.objects.filter(status="READY")
    assert task.args_kwargs["kwargs"] == {"appointment_request_id": appointment_request.pk}


# --- Success: POST-redirect-GET ---------------------------------------------------------------


def test_a_complete_request_is_stored_and_redirects_to_the_confirmation(client):
    response = send(client)

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.status == AppointmentRequest.Status.NEW
    assert appointment_request.name == "Maria Example"
    assert str(appointment_request.phone) == "+17575550142"
    assert appointment_request.areas == "knee,lower_back"
    assert confirmed_reference(client) == appointment_request.display_reference


def test_confirmation_shows_the_reference_next_steps_and_phone_but_no_patient_data(client):
    send(client, name="Maria Confidential", email="maria.private@example.com")
    appointment_request = AppointmentRequest.objects.get()

    response = client.get(RECEIVED_URL)
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert f'<p class="confirmation__reference">{appointment_request.display_reference}</p>' in html
    assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", appointment_request.display_reference)
    assert "What happens next" in html
    assert "contact you by phone call" in html
    assert 'href="tel:+17575961900"' in html
    assert "Maria Confidential" not in html
    assert "maria.private" not in html
    assert "757) 555-0142" not in html


def test_no_patient_data_or_reference_ever_goes_into_a_url(client):
    response = send(client)
    appointment_request = AppointmentRequest.objects.get()

    assert response["Location"] == RECEIVED_URL
    assert appointment_request.reference not in response["Location"]
    assert str(appointment_request.pk) not in response["Location"]


def test_confirmation_gives_the_clinic_hours_when_staff_have_entered_them(client, clinic):
    clinic.opening_hours = "Monday to Friday, 8 am to 5 pm\nSaturday, 9 am to noon"
    clinic.save()
    send(client)

    html = client.get(RECEIVED_URL).content.decode()

    assert "<li>Monday to Friday, 8 am to 5 pm</li><li>Saturday, 9 am to noon</li>" in html


def test_confirmation_never_invents_hours(client):
    send(client)

    html = client.get(RECEIVED_URL).content.decode()

    assert "opening hours" not in html  # staff have not entered them: nothing stands in
    assert not re.search(r"\d\s*(am|pm)", html)


def test_confirmation_without_a_request_in_the_session_goes_back_to_the_form(client):
    response = client.get(RECEIVED_URL)

    assert response.status_code == 302
    assert response["Location"] == FORM_URL


def confirmed_reference(client):
    """The reference the confirmation page shows this browser."""
    page = client.get(RECEIVED_URL).content.decode()
    return re.search(r'<p class="confirmation__reference">([A-Z0-9-]+)</p>', page)[1]


def test_the_confirmation_cookie_holds_only_a_signed_id_for_the_confirmation_page(client):
    response = send(client)
    appointment_request = AppointmentRequest.objects.get()

    cookie = response.cookies[CONFIRMATION_COOKIE]
    assert cookie["httponly"]
    assert cookie["path"] == RECEIVED_URL
    assert cookie["max-age"] == CONFIRMATION_MAX_AGE
    assert cookie["samesite"] == "Lax"
    assert appointment_request.reference not in cookie.value
    assert appointment_request.display_reference not in cookie.value
    assert "Maria" not in cookie.value
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # the POST writes no session


def test_an_altered_confirmation_cookie_shows_nothing(client):
    send(client)
    other = make_appointment_request(name="Someone Else")
    value = client.cookies[CONFIRMATION_COOKIE].value
    client.cookies[CONFIRMATION_COOKIE] = value.replace(value.split(":")[0], str(other.pk), 1)

    response = client.get(RECEIVED_URL)

    assert response.status_code == 302
    assert response["Location"] == FORM_URL


def test_the_confirmation_page_ends_after_an_hour(client):
    send(client)
    appointment_request = AppointmentRequest.objects.get()
    signer = signing.get_cookie_signer(salt=CONFIRMATION_COOKIE + CONFIRMATION_SALT)

    def cookie_signed_seconds_ago(seconds):
        class Signer(type(signer)):
            def timestamp(self):
                return signing.b62_encode(int(time.time()) - seconds)

        return Signer(key=signer.key, salt=signer.salt).sign(str(appointment_request.pk))

    client.cookies[CONFIRMATION_COOKIE] = cookie_signed_seconds_ago(CONFIRMATION_MAX_AGE - 60)
    assert client.get(RECEIVED_URL).status_code == 200

    client.cookies[CONFIRMATION_COOKIE] = cookie_signed_seconds_ago(CONFIRMATION_MAX_AGE + 60)
    response = client.get(RECEIVED_URL)
    assert response.status_code == 302
    assert response["Location"] == FORM_URL


def test_another_browser_cannot_see_someone_elses_confirmation(client, django_user_model):
    from django.test import Client

    send(client)

    assert Client().get(RECEIVED_URL).status_code == 302


def test_markup_typed_by_a_patient_is_stored_exactly(client):
    send(client, name="<script>alert('x')</script>", message="<img src=x onerror=alert(1)>")

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.name == "<script>alert('x')</script>"
    assert appointment_request.message == "<img src=x onerror=alert(1)>"


def test_other_methods_are_refused(client):
    assert client.put(FORM_URL).status_code == 405
    assert client.post(RECEIVED_URL).status_code == 405


# --- Duplicates -----------------------------------------------------------------------------


def test_the_same_form_sent_twice_is_one_request_with_one_confirmation(client):
    token = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    answers = appointment_request_answers(submission_token=token)

    first = client.post(FORM_URL, answers)
    second = client.post(FORM_URL, answers)

    assert first["Location"] == second["Location"] == RECEIVED_URL
    assert AppointmentRequest.objects.count() == 1
    assert confirmed_reference(client) == AppointmentRequest.objects.get().display_reference


def test_the_same_answers_from_a_fresh_form_minutes_later_are_the_same_request(client):
    send(client)
    first = AppointmentRequest.objects.get()

    send(client, name="  maria   example ")  # the same person, typed a little differently

    assert AppointmentRequest.objects.count() == 1
    assert confirmed_reference(client) == first.display_reference


def test_the_same_answers_after_the_window_are_a_new_request(client):
    send(client)
    AppointmentRequest.objects.update(
        received_at=AppointmentRequest.objects.get().received_at - timedelta(hours=1)
    )

    send(client)

    assert AppointmentRequest.objects.count() == 2


def test_a_stale_form_reused_for_different_answers_is_a_new_request(client):
    token = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    client.post(FORM_URL, appointment_request_answers(submission_token=token))

    client.post(FORM_URL, appointment_request_answers(submission_token=token, areas=["neck"]))

    assert AppointmentRequest.objects.count() == 2
    assert confirmed_reference(client) == AppointmentRequest.objects.get(areas="neck").display_reference


# --- Honeypot -------------------------------------------------------------------------------


def test_a_honeypot_hit_is_stored_as_spam_looks_like_success_and_sends_nothing(client, mailoutbox):
    response = send(client, website="http://cheap-pills.example")

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.status == AppointmentRequest.Status.SPAM
    assert mailoutbox == []
    assert not DBTaskResult.objects.exists()  # no email will ever be sent
    assert AppointmentRequest.objects.not_spam().count() == 0


# --- Rate limit ------------------------------------------------------------------------------


def test_too_many_new_requests_from_one_client_get_a_friendly_429_that_keeps_the_answers(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (2, 600)
    send(client, name="First Person")
    send(client, name="Second Person")

    response = send(client, name="Third Person", message="Still hurts")
    html = response.content.decode()

    assert response.status_code == 429
    assert "no-store" in response["Cache-Control"]
    assert 0 < int(response["Retry-After"]) <= 600
    assert "<title>Not sent yet: Request an appointment" in html
    assert "Your request has not been sent yet" in html
    assert re.search(r"please wait \d+ minutes? and press", html)
    assert 'Or call us on <a href="tel:+17575961900">(757) 596-1900</a>' in html
    assert 'value="Third Person"' in html
    assert "Still hurts</textarea>" in html
    assert AppointmentRequest.objects.count() == 2


def test_mistakes_and_repeats_do_not_count_towards_the_limit(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    for _ in range(3):
        client.post(FORM_URL, {})  # errors: nothing stored
    token = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    answers = appointment_request_answers(submission_token=token)

    assert client.post(FORM_URL, answers).status_code == 302
    assert client.post(FORM_URL, answers).status_code == 302  # a double click
    assert AppointmentRequest.objects.count() == 1


def test_the_limit_is_per_client_address(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    send(client, name="First Person", meta={"REMOTE_ADDR": "192.0.2.1"})

    assert send(client, name="Second Person", meta={"REMOTE_ADDR": "192.0.2.2"}).status_code == 302
    assert send(client, name="Third Person", meta={"REMOTE_ADDR": "192.0.2.1"}).status_code == 429


def test_behind_the_proxy_the_client_is_the_right_most_forwarded_address(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_PROTO": "https"}
    send(client, name="First Person", meta={**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"})

    # A forged left-hand entry does not make a new client...
    forged = send(
        client, name="Second Person", meta={**proxy, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    )
    # ...but a different address added by the proxy does.
    other = send(client, name="Third Person", meta={**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.8"})

    assert forged.status_code == 429
    assert other.status_code == 302


def test_without_a_proxy_forwarded_headers_are_ignored(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    send(client, name="First Person", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.7"})

    response = send(client, name="Second Person", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.8"})

    assert response.status_code == 429


def test_the_limit_can_be_switched_off(client, settings):
    settings.APPOINTMENTS_RATE_LIMIT = None
    for number in range(8):
        assert send(client, name=f"Person {number}").status_code == 302


# --- Logs -----------------------------------------------------------------------------------


def test_no_patient_data_reaches_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)

    send(client, name="Logworthy Patient", email="logworthy@example.com", message="My knee hurts at night")
    client.get(RECEIVED_URL)

    assert AppointmentRequest.objects.count() == 1
    for secret in ("Logworthy", "logworthy@example.com", "555-0142", "5550142", "knee hurts"):
        assert secret not in caplog.text


# --- Valid HTML -----------------------------------------------------------------------------


def test_every_state_of_the_patient_pages_is_valid_html(client, settings, tmp_path):
    vnu_or_skip()
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    pages = {
        "form": client.get(FORM_URL).content,
        "form-errors": client.post(
            FORM_URL, appointment_request_answers(name="", areas=[], phone="12")
        ).content,
    }
    send(client)
    pages["confirmation"] = client.get(RECEIVED_URL).content
    pages["too-many"] = send(client, name="Another Person").content
    from django.test import Client

    pages["expired"] = Client(enforce_csrf_checks=True).post(FORM_URL, appointment_request_answers()).content
    errors = html_errors(pages, tmp_path)

    assert not errors, f"The Nu HTML Checker found errors:\n{errors}"
