"""The request form in Spanish: its errors, the language it records, the front desk's "Call in Spanish",
and the patient's email in their language."""

import pytest
from django.core import mail

from appointments.models import AppointmentRequest
from tests.factories import (
    appointment_request_answers,
    make_appointment_request,
    make_clinic,
    make_front_desk_user,
    make_provider,
)
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

SPANISH_FORM = "/es/solicitar-cita/"


@pytest.fixture(autouse=True)
def clinic(settings):
    settings.APPOINTMENTS_NOTIFY_EMAILS = ["frontdesk@clinic.test"]
    make_clinic()
    make_provider()


def test_the_spanish_form_asks_in_spanish_and_posts_to_itself(client):
    html = client.get(SPANISH_FORM).content.decode()

    assert "<title>Solicitar una cita" in html
    assert 'action="/es/solicitar-cita/"' in html
    assert "Su nombre completo" in html and "¿Dónde le duele?" in html and "Rodilla" in html
    assert "Este formulario no es para emergencias" in html and "llame al 911" in html
    assert "Me da igual" in html  # the provider question's empty choice
    assert "Enviar solicitud" in html


def test_spanish_errors_are_listed_in_spanish_and_keep_what_was_typed(client):
    response = client.post(
        SPANISH_FORM,
        appointment_request_answers(name="", phone="12", email="no es un correo", contact_method="email"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Solicitar una cita" in html
    assert "Hay un problema" in html
    assert 'href="#id_name">Escriba su nombre.</a>' in html
    assert "Escriba un correo electrónico como nombre@ejemplo.com." in html
    assert "Escriba un número de teléfono al que podamos llamar, como (201) 555-0123" in html
    assert 'value="no es un correo"' in html
    assert AppointmentRequest.objects.count() == 0


def test_a_too_long_answer_says_its_limit_in_spanish(client):
    html = client.post(SPANISH_FORM, appointment_request_answers(name="x" * 101)).content.decode()

    assert "Su nombre debe tener 100 caracteres o menos (tiene 101)." in html


def test_the_spanish_form_records_spanish_and_confirms_in_spanish(client):
    response = client.post(SPANISH_FORM, appointment_request_answers())

    assert response.status_code == 302
    assert response["Location"] == "/es/solicitar-cita/recibida/"
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.language == "es"
    html = client.get(response["Location"]).content.decode()
    assert "Recibimos su solicitud" in html
    assert appointment_request.display_reference in html
    assert "Lo llamarán por teléfono" in html


def test_the_english_form_records_english(client):
    client.post("/appointments/request/", appointment_request_answers())

    assert AppointmentRequest.objects.get().language == "en"


@pytest.mark.django_db(transaction=True)  # the worker runs the task as in production, after commit
def test_the_patients_email_is_in_their_language_and_still_has_no_health_details(client, mailoutbox):
    client.post(SPANISH_FORM, appointment_request_answers(message="Me duele al subir escaleras"))
    client.post("/appointments/request/", appointment_request_answers(email="ann@example.com", name="Ann"))
    run_worker()

    spanish = next(m for m in mail.outbox if m.to == ["maria@example.com"])
    english = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    front_desk = [m for m in mail.outbox if m.to == ["frontdesk@clinic.test"]]
    reference = AppointmentRequest.objects.get(language="es").display_reference
    assert spanish.subject == f"Recibimos su solicitud de cita ({reference})"
    assert f"Su número de referencia es {reference}." in spanish.body
    assert "por llamada telefónica" in spanish.body and "llame al 911" in spanish.body
    assert "escaleras" not in spanish.body and "Rodilla" not in spanish.body
    assert english.subject.startswith("We have your appointment request")
    assert all(m.subject.startswith("New appointment request") for m in front_desk)  # staff: English


def test_the_front_desk_sees_call_in_spanish_in_the_list_and_on_the_request(client):
    spanish = make_appointment_request(language="es", name="María Ejemplo")
    make_appointment_request(name="Ann Example")
    client.force_login(make_front_desk_user())

    listing = client.get("/admin/appointments/appointmentrequest/").content.decode()
    detail = client.get(f"/admin/appointments/appointmentrequest/{spanish.pk}/change/").content.decode()

    assert listing.count("Call in Spanish") == 1
    assert "Spanish (<strong>Call in Spanish</strong>)" in detail
    # ...and in the caller's card at the top, beside the phone number, where the call starts.
    card = detail[detail.index('class="caller"') : detail.index('class="log-call"')]
    assert '<strong class="call-language">Call in Spanish</strong>' in card


def test_the_language_survives_anonymising_and_stays_out_of_the_history(client):
    from appointments.workflow import appointment_request_anonymise

    appointment_request = make_appointment_request(language="es", status="closed", close_reason="other")

    appointment_request_anonymise(appointment_request=appointment_request)

    appointment_request.refresh_from_db()
    assert appointment_request.anonymised_at is not None and appointment_request.language == "es"
    history_fields = {field.name for field in AppointmentRequest.history.model._meta.fields}
    assert "language" not in history_fields
