"""Emails about a request: sent after commit, never with patient details, retried, never twice."""

import io
import logging
import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.notifications import appointment_requests_claim_for_notification
from appointments.submission import appointment_request_submit
from tests.factories import (
    appointment_request_answers,
    appointment_submission,
    make_appointment_request,
    make_clinic,
)
from tests.helpers import FORM_URL, RECEIVED_URL

pytestmark = pytest.mark.django_db

PATIENT_DETAILS = ("Maria", "Example", "555-0142", "5550142", "Knee", "knee", "Lower back", "stairs")


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses everything, naming the address in its error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"maria@example.com": (550, b"Mailbox unavailable")})


class FrontDeskRefusingEmailBackend(BaseEmailBackend):
    """Delivers to patients (into mail.outbox) but refuses the front desk's inbox."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if "frontdesk@clinic.test" in message.to:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            mail.outbox.append(message)
        return len(email_messages)


FAILING_BACKEND = f"{__name__}.FailingEmailBackend"


@pytest.fixture(autouse=True)
def clinic(settings):
    settings.APPOINTMENTS_NOTIFY_EMAILS = ["frontdesk@clinic.test", "manager@clinic.test"]
    settings.SITE_URL = "https://www.clinic.example"
    return make_clinic()


def post_request(client, **overrides):
    return client.post(FORM_URL, appointment_request_answers(message="Worse on stairs", **overrides))


def run_retry_command():
    call_command("send_appointment_notifications", stdout=io.StringIO(), stderr=io.StringIO())


# --- After commit -----------------------------------------------------------------------


def test_front_desk_email_says_only_that_a_request_arrived_with_its_reference_and_admin_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client)
    appointment_request = AppointmentRequest.objects.get()

    front_desk = next(m for m in mailoutbox if "frontdesk@clinic.test" in m.to)
    assert front_desk.to == ["frontdesk@clinic.test", "manager@clinic.test"]
    assert front_desk.subject == f"New appointment request {appointment_request.display_reference}"
    assert appointment_request.display_reference in front_desk.body
    admin_link = (
        f"https://www.clinic.example/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    )
    assert admin_link in front_desk.body
    for detail in (*PATIENT_DETAILS, "maria@example.com"):
        assert detail not in front_desk.subject + front_desk.body


def test_patient_gets_their_reference_without_any_health_details(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client)
    appointment_request = AppointmentRequest.objects.get()

    patient = next(m for m in mailoutbox if m.to == ["maria@example.com"])
    assert appointment_request.display_reference in patient.subject
    assert f"Your reference number is {appointment_request.display_reference}." in patient.body
    assert "call 911" in patient.body
    assert "(757) 596-1900" in patient.body  # the clinic's number, not theirs
    for detail in PATIENT_DETAILS:
        assert detail not in patient.subject + patient.body


def test_each_email_sent_is_recorded_on_the_request(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client)

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.front_desk_notified_at is not None
    assert appointment_request.patient_notified_at is not None
    assert appointment_request.notifications_claimed_until is None


def test_without_an_email_address_only_the_front_desk_is_told(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client, email="")

    assert [m.to for m in mailoutbox] == [["frontdesk@clinic.test", "manager@clinic.test"]]
    assert AppointmentRequest.objects.get().patient_notified_at is None
    assert not AppointmentRequest.objects.awaiting_notification().exists()


def test_emails_wait_for_the_commit(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_request(client)

    assert AppointmentRequest.objects.count() == 1
    assert mailoutbox == []
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_request_sends_nothing_and_a_committed_one_sends_after_commit(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_request_submit(submission=appointment_submission(message="Worse on stairs"))
        raise RuntimeError("something after the insert failed")
    assert mailoutbox == []
    assert AppointmentRequest.objects.count() == 0

    with transaction.atomic():
        appointment_request_submit(submission=appointment_submission(message="Worse on stairs"))
        assert mailoutbox == []
    assert len(mailoutbox) == 2


# --- A failing mail server -----------------------------------------------------------------


def test_a_failing_mail_server_leaves_the_request_stored_and_the_patient_confirmed(
    client, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_request(client)
    confirmation = client.get(RECEIVED_URL)

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    assert confirmation.status_code == 200
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.display_reference in confirmation.content.decode()
    assert appointment_request.front_desk_notified_at is None
    assert appointment_request.patient_notified_at is None
    assert appointment_request.notifications_claimed_until is None  # free for the retry at once
    assert (
        f"Could not send the front desk email for appointment request {appointment_request.display_reference}"
        in caplog.text
    )
    assert "SMTPRecipientsRefused" in caplog.text
    assert "maria@example.com" not in caplog.text


def test_the_retry_command_sends_what_failed_once_and_never_twice(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_retry_command()
    run_retry_command()

    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("frontdesk@clinic.test", "manager@clinic.test"),
        ("maria@example.com",),
    ]
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.front_desk_notified_at is not None
    assert appointment_request.patient_notified_at is not None


def test_the_retry_command_fails_loudly_while_the_mail_server_is_down(settings):
    make_appointment_request(front_desk_notified_at=None, patient_notified_at=None)
    settings.EMAIL_BACKEND = FAILING_BACKEND

    with pytest.raises(CommandError, match="2 email"):
        run_retry_command()

    assert AppointmentRequest.objects.awaiting_notification().count() == 1


def test_one_email_failing_does_not_stop_the_other(settings, mailoutbox):
    appointment_request = make_appointment_request(front_desk_notified_at=None, patient_notified_at=None)
    settings.EMAIL_BACKEND = f"{__name__}.FrontDeskRefusingEmailBackend"

    with pytest.raises(CommandError):
        run_retry_command()

    appointment_request.refresh_from_db()
    assert appointment_request.front_desk_notified_at is None
    assert appointment_request.patient_notified_at is not None
    assert [m.to for m in mailoutbox] == [["maria@example.com"]]


def test_spam_and_anonymised_requests_are_never_emailed_about(mailoutbox):
    make_appointment_request(status="spam", front_desk_notified_at=None, patient_notified_at=None)
    make_appointment_request(
        status="closed", close_reason="other", anonymised_at=timezone.now(), name="(removed)",
        phone="", email="", front_desk_notified_at=None, patient_notified_at=None,
    )  # fmt: skip

    run_retry_command()

    assert mailoutbox == []


def test_a_request_another_sender_is_working_on_is_left_alone_until_its_claim_runs_out(mailoutbox):
    appointment_request = make_appointment_request(
        front_desk_notified_at=None,
        patient_notified_at=None,
        notifications_claimed_until=timezone.now() + timedelta(minutes=5),
    )

    run_retry_command()
    assert mailoutbox == []

    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        notifications_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    run_retry_command()
    assert len(mailoutbox) == 2


def test_a_claimed_request_is_not_claimed_again():
    make_appointment_request(front_desk_notified_at=None)

    first = appointment_requests_claim_for_notification()
    second = appointment_requests_claim_for_notification()

    assert len(first) == 1
    assert second == []


def test_without_a_front_desk_inbox_patients_are_still_emailed(settings, mailoutbox):
    settings.APPOINTMENTS_NOTIFY_EMAILS = []
    make_appointment_request(front_desk_notified_at=None, patient_notified_at=None)

    run_retry_command()

    assert [m.to for m in mailoutbox] == [["maria@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_two_retry_runs_at_once_never_send_the_same_email_twice(mailoutbox):
    for number in range(12):
        make_appointment_request(
            name=f"Patient {number}", front_desk_notified_at=None, patient_notified_at=None
        )
    errors = []

    def run():
        try:
            run_retry_command()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(mailoutbox) == 24
    assert not AppointmentRequest.objects.awaiting_notification().exists()
