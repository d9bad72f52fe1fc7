"""Emails about a request: queued with it, sent by the worker, never with patient details,
retried a bounded number of times, never twice."""

import io
import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments.models import AppointmentRequest
from appointments.notifications import MAX_ATTEMPTS, first_retry_after, send_appointment_request_emails
from appointments.submission import appointment_request_submit
from tests.factories import (
    appointment_request_answers,
    appointment_submission,
    make_appointment_request,
    make_clinic,
)
from tests.helpers import FORM_URL, RECEIVED_URL
from tests.worker import run_worker

# The worker manages its connection as in production (it closes one left in a
# transaction), so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

PATIENT_DETAILS = ("Maria", "Example", "555-0142", "5550142", "Knee", "knee", "Lower back", "stairs")


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses the recipient for good, naming the address in its error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"maria@example.com": (550, b"Mailbox unavailable")})


class DisconnectingEmailBackend(BaseEmailBackend):
    """A mail server that is down for now (a temporary failure)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: maria@example.com")


class FrontDeskRefusingEmailBackend(BaseEmailBackend):
    """Delivers to patients (into mail.outbox) but cannot reach the front desk's inbox."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if "frontdesk@clinic.test" in message.to:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            mail.outbox.append(message)
        return len(email_messages)


class TakenOverEmailBackend(BaseEmailBackend):
    """Delivers, but while the first email is on its way another worker takes the
    request over (as if this one had stalled past its claim)."""

    def send_messages(self, email_messages):
        AppointmentRequest.objects.update(notifications_claimed_until=timezone.now() + timedelta(hours=1))
        mail.outbox.extend(email_messages)
        return len(email_messages)


def backend(cls):
    return f"{__name__}.{cls.__name__}"


@pytest.fixture(autouse=True)
def clinic(settings):
    settings.APPOINTMENTS_NOTIFY_EMAILS = ["frontdesk@clinic.test", "manager@clinic.test"]
    settings.SITE_URL = "https://www.clinic.example"
    return make_clinic()


def post_request(client, **overrides):
    return client.post(FORM_URL, appointment_request_answers(message="Worse on stairs", **overrides))


def run_safety_net():
    out = io.StringIO()
    call_command("send_appointment_notifications", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def email_tasks():
    return DBTaskResult.objects.filter(task_path=send_appointment_request_emails.module_path)


def make_retry_due():
    """The wait before the next try is over (as if its minutes had passed)."""
    past = timezone.now() - timedelta(seconds=1)
    email_tasks().filter(status="READY").update(run_after=past)
    AppointmentRequest.objects.exclude(notifications_claimed_until=None).update(
        notifications_claimed_until=past
    )


# --- Sent by the worker ------------------------------------------------------------------


def test_front_desk_email_says_only_that_a_request_arrived_with_its_reference_and_admin_link(
    client, mailoutbox
):
    post_request(client)
    run_worker()
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


def test_patient_gets_their_reference_without_any_health_details(client, mailoutbox):
    post_request(client)
    run_worker()
    appointment_request = AppointmentRequest.objects.get()

    patient = next(m for m in mailoutbox if m.to == ["maria@example.com"])
    assert appointment_request.display_reference in patient.subject
    assert f"Your reference number is {appointment_request.display_reference}." in patient.body
    assert "call 911" in patient.body
    assert "(757) 596-1900" in patient.body  # the clinic's number, not theirs
    for detail in PATIENT_DETAILS:
        assert detail not in patient.subject + patient.body


def test_the_post_only_stores_and_queues_and_the_worker_sends_each_email_once(client, mailoutbox):
    response = post_request(client)

    assert response.status_code == 302
    assert mailoutbox == []  # nothing waits for the mail server in the request
    appointment_request = AppointmentRequest.objects.get()
    task = email_tasks().get()
    assert task.args_kwargs["kwargs"] == {"appointment_request_id": appointment_request.pk}
    assert task.status == "READY"

    run_worker()
    run_worker()

    assert sorted(tuple(m.to) for m in mailoutbox) == [
        ("frontdesk@clinic.test", "manager@clinic.test"),
        ("maria@example.com",),
    ]
    appointment_request.refresh_from_db()
    assert appointment_request.front_desk_notified_at is not None
    assert appointment_request.patient_notified_at is not None
    assert appointment_request.notifications_claimed_until is None
    assert email_tasks().get().status == "SUCCESSFUL"


def test_without_an_email_address_only_the_front_desk_is_told(client, mailoutbox):
    post_request(client, email="")
    run_worker()

    assert [m.to for m in mailoutbox] == [["frontdesk@clinic.test", "manager@clinic.test"]]
    assert AppointmentRequest.objects.get().patient_notified_at is None
    assert not AppointmentRequest.objects.awaiting_notification().exists()


def test_spam_gets_no_task_and_no_email(client, mailoutbox):
    post_request(client, website="http://spam.example")
    run_worker()

    assert AppointmentRequest.objects.get().status == "spam"
    assert not email_tasks().exists()
    assert mailoutbox == []


def test_a_request_marked_spam_before_the_worker_runs_gets_no_email(client, mailoutbox):
    post_request(client)
    AppointmentRequest.objects.update(status=AppointmentRequest.Status.SPAM)

    run_worker()

    assert mailoutbox == []
    assert AppointmentRequest.objects.get().notifications_claimed_until is None


def test_a_rolled_back_request_leaves_no_task_and_a_committed_one_commits_with_its_task(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_request_submit(submission=appointment_submission(message="Worse on stairs"))
        raise RuntimeError("something after the insert failed")
    assert AppointmentRequest.objects.count() == 0
    assert not email_tasks().exists()

    with transaction.atomic():
        appointment_request_submit(submission=appointment_submission(message="Worse on stairs"))
    assert email_tasks().count() == 1
    run_worker()
    assert len(mailoutbox) == 2


# --- A failing mail server -----------------------------------------------------------------


def test_a_refused_address_is_given_up_on_at_once_and_shown_to_the_front_desk(
    client, admin_client, settings, caplog
):
    settings.EMAIL_BACKEND = backend(RefusingEmailBackend)
    caplog.set_level(logging.INFO)

    response = post_request(client)
    confirmation = client.get(RECEIVED_URL)
    run_worker()

    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.display_reference in confirmation.content.decode()
    assert appointment_request.front_desk_email_failed_at is not None
    assert appointment_request.patient_email_failed_at is not None
    assert (appointment_request.front_desk_email_attempts, appointment_request.patient_email_attempts) == (
        1,
        1,
    )
    assert appointment_request.notifications_claimed_until is None
    assert not email_tasks().filter(status="READY").exists()  # no retry of what cannot work
    assert (
        f"Could not send the patient email for appointment request {appointment_request.display_reference}"
        in caplog.text
    )
    assert "SMTPRecipientsRefused" in caplog.text
    assert "maria@example.com" not in caplog.text
    # The task queue keeps no copy of the error (which names the address).
    assert "maria@example.com" not in str(list(email_tasks().values()))

    listing = admin_client.get("/admin/appointments/appointmentrequest/").content.decode()
    assert "The patient and the front desk email could not be sent." in listing
    change_page = admin_client.get(
        f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    ).content.decode()
    assert "The patient and the front desk email could not be sent." in change_page
    assert "patient email could not be sent" in change_page.lower()


def test_a_mail_server_that_is_down_is_retried_later_and_later_then_given_up_on(client, settings):
    settings.EMAIL_BACKEND = backend(DisconnectingEmailBackend)
    post_request(client)

    waits = []
    for _ in range(MAX_ATTEMPTS):
        before = timezone.now()
        run_worker()
        run_worker()  # a second run before the wait is over tries nothing
        retry = email_tasks().filter(status="READY").first()
        if retry:
            waits.append(retry.run_after - before)
            make_retry_due()

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.patient_email_attempts == MAX_ATTEMPTS
    assert appointment_request.front_desk_email_attempts == MAX_ATTEMPTS
    assert appointment_request.patient_email_failed_at is not None
    assert len(waits) == MAX_ATTEMPTS - 1
    for number, wait in enumerate(waits):
        expected = first_retry_after() * 2**number
        assert expected <= wait < expected + timedelta(minutes=1)
    assert "0 request(s)" in run_safety_net()  # given up on: nothing more to queue, and exit 0


def test_a_mail_server_back_up_sends_the_retry_once(client, settings, mailoutbox):
    settings.EMAIL_BACKEND = backend(DisconnectingEmailBackend)
    post_request(client)
    run_worker()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()
    assert mail.outbox == []  # not before the wait is over
    make_retry_due()
    run_worker()
    run_worker()

    assert len(mail.outbox) == 2
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.patient_notified_at is not None
    assert appointment_request.patient_email_failed_at is None


def test_one_email_failing_does_not_stop_the_other(client, settings, mailoutbox):
    settings.EMAIL_BACKEND = backend(FrontDeskRefusingEmailBackend)
    post_request(client)
    run_worker()

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.front_desk_notified_at is None
    assert appointment_request.front_desk_email_attempts == 1
    assert appointment_request.patient_notified_at is not None
    assert [m.to for m in mailoutbox] == [["maria@example.com"]]


# --- Never twice --------------------------------------------------------------------------


def test_a_worker_that_lost_its_claim_mid_batch_sends_nothing_more(client, settings, mailoutbox):
    settings.EMAIL_BACKEND = backend(TakenOverEmailBackend)
    post_request(client)
    run_worker()

    # The first email went; the second is left to whoever holds the request now.
    assert len(mailoutbox) == 1
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.front_desk_notified_at is not None
    assert appointment_request.patient_notified_at is None


def test_a_request_another_worker_is_sending_is_left_alone(client, mailoutbox):
    post_request(client)
    AppointmentRequest.objects.update(notifications_claimed_until=timezone.now() + timedelta(minutes=5))

    run_worker()

    assert mailoutbox == []


# --- The safety net -------------------------------------------------------------------------


def test_the_safety_net_queues_requests_whose_task_was_lost_once_and_the_worker_sends_them(mailoutbox):
    make_appointment_request(front_desk_notified_at=None, patient_notified_at=None)
    make_appointment_request(name="Already Sent")

    assert "Queued the emails of 1 request(s)" in run_safety_net()
    assert "Queued the emails of 0 request(s)" in run_safety_net()  # its task is waiting
    run_worker()

    assert len(mailoutbox) == 2


def test_the_safety_net_waits_for_a_worker_that_holds_a_request_until_its_claim_runs_out(mailoutbox):
    appointment_request = make_appointment_request(
        front_desk_notified_at=None,
        patient_notified_at=None,
        notifications_claimed_until=timezone.now() + timedelta(minutes=5),
    )
    assert "0 request(s)" in run_safety_net()

    # That worker was killed: its claim runs out and nobody else was queued.
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        notifications_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert "1 request(s)" in run_safety_net()
    run_worker()
    assert len(mailoutbox) == 2


def test_spam_and_anonymised_requests_are_never_emailed_about(mailoutbox):
    make_appointment_request(status="spam", front_desk_notified_at=None, patient_notified_at=None)
    make_appointment_request(
        status="closed", close_reason="other", anonymised_at=timezone.now(), name="(removed)",
        phone="", email="", front_desk_notified_at=None, patient_notified_at=None,
    )  # fmt: skip

    assert "0 request(s)" in run_safety_net()
    run_worker()

    assert mailoutbox == []


def test_the_safety_net_fails_when_the_worker_seems_down(client):
    post_request(client)
    email_tasks().update(enqueued_at=timezone.now() - timedelta(minutes=11))

    with pytest.raises(CommandError, match="is the worker"):
        run_safety_net()


def test_without_a_front_desk_inbox_patients_are_still_emailed(settings, mailoutbox):
    settings.APPOINTMENTS_NOTIFY_EMAILS = []
    make_appointment_request(front_desk_notified_at=None, patient_notified_at=None)

    run_safety_net()
    run_worker()

    assert [m.to for m in mailoutbox] == [["maria@example.com"]]
