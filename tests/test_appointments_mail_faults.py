"""Real mail servers on loopback that hang, drip, refuse or deliver, and the real worker: the request never waits, no email goes twice."""

import signal
import subprocess
from collections import Counter

import pytest
from django.core.management import call_command

from appointments.models import AppointmentRequest
from appointments.notifications import MAX_ATTEMPTS
from appointments.submission import appointment_request_submit
from tests.factories import appointment_request_answers, appointment_submission, make_clinic
from tests.helpers import FORM_URL, RECEIVED_URL
from tests.smtp_servers import SMTPServer
from tests.worker import procfile_command, run_worker, start_process, worker_environment

# The worker commits as in production, so these tests do too.
pytestmark = pytest.mark.django_db(transaction=True)

# The worker in its own process, as a deployment runs it, with no wait between tasks.
BATCH_WORKER = ["python", "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]


@pytest.fixture(autouse=True)
def clinic(settings):
    settings.APPOINTMENTS_NOTIFY_EMAILS = ["frontdesk@clinic.test"]
    return make_clinic()


def use_smtp_server(settings, server, **overrides):
    settings.EMAIL_BACKEND = "prolo_site.mail.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    for name, value in overrides.items():
        setattr(settings, name, value)


def smtp_environment(server, **variables):
    """The worker's environment: Django's own SMTP backend named, as the README says."""
    return worker_environment(
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.port,
        APPOINTMENTS_NOTIFY_EMAILS="frontdesk@clinic.test",
        **variables,
    )


def finish(process, *, timeout):
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the worker was still running after {timeout} s:\n{output}")
    return output


def test_a_hung_mail_server_never_holds_the_request_and_the_worker_records_the_failed_try(
    client, admin_client, settings
):
    with SMTPServer("hang") as server:
        use_smtp_server(settings, server, EMAIL_TIMEOUT=1)

        response = client.post(FORM_URL, appointment_request_answers())

        assert response.status_code == 302
        assert response["Location"] == RECEIVED_URL
        assert server.connections == 0  # the request never talked to the mail server
        appointment_request = AppointmentRequest.objects.get()
        listing = admin_client.get("/admin/appointments/appointmentrequest/").content.decode()
        assert appointment_request.display_reference in listing

        run_worker()

    appointment_request.refresh_from_db()
    assert server.connections == 2
    assert (appointment_request.front_desk_email_attempts, appointment_request.patient_email_attempts) == (
        1,
        1,
    )
    assert appointment_request.front_desk_notified_at is None
    assert appointment_request.patient_email_failed_at is None  # tried again later


def test_a_mail_server_that_drips_a_byte_at_a_time_is_cut_off_at_the_send_deadline():
    appointment_request = appointment_request_submit(submission=appointment_submission()).appointment_request
    with SMTPServer("drip", drip_interval=0.5) as server:
        # Each read gets a byte well within EMAIL_TIMEOUT: only the deadline stops it.
        env = smtp_environment(server, EMAIL_TIMEOUT=5, EMAIL_SEND_DEADLINE=2)
        finish(start_process(BATCH_WORKER, env=env), timeout=120)

    appointment_request.refresh_from_db()
    assert (appointment_request.front_desk_email_attempts, appointment_request.patient_email_attempts) == (
        1,
        1,
    )
    assert appointment_request.front_desk_notified_at is None
    assert appointment_request.patient_notified_at is None


def test_a_refused_recipient_is_given_up_on_and_the_front_desk_sees_it(admin_client, settings):
    appointment_request = appointment_request_submit(submission=appointment_submission()).appointment_request
    with SMTPServer(refused={"maria@example.com"}) as server:
        use_smtp_server(settings, server)
        run_worker()
        run_worker()

        assert [recipients for recipients, _ in server.messages] == [["frontdesk@clinic.test"]]

    appointment_request.refresh_from_db()
    assert appointment_request.patient_email_attempts == 1 < MAX_ATTEMPTS
    assert appointment_request.patient_email_failed_at is not None
    assert appointment_request.front_desk_notified_at is not None
    listing = admin_client.get("/admin/appointments/appointmentrequest/").content.decode()
    assert "The patient email could not be sent." in listing
    call_command("send_appointment_notifications", verbosity=0)  # exits 0: not an outage


def test_three_workers_at_once_never_send_one_email_twice():
    for number in range(12):
        appointment_request_submit(submission=appointment_submission(name=f"Patient {number}"))
    with SMTPServer() as server:
        env = smtp_environment(server)
        workers = [start_process(BATCH_WORKER, env=env) for _ in range(3)]
        for worker in workers:
            finish(worker, timeout=180)

        sent = Counter((tuple(recipients), message["Subject"]) for recipients, message in server.messages)

    assert len(sent) == 24
    assert set(sent.values()) == {1}
    assert not AppointmentRequest.objects.awaiting_notification().exists()


def test_the_procfile_worker_sends_the_emails_and_stops_on_ctrl_c():
    appointment_request = appointment_request_submit(submission=appointment_submission()).appointment_request
    with SMTPServer() as server:
        worker = start_process(procfile_command("worker"), env=smtp_environment(server))
        try:
            delivered = server.wait_for_messages(2, timeout=120)
        finally:
            worker.send_signal(signal.SIGINT)
        output = finish(worker, timeout=60)

    assert delivered, output
    subjects = sorted(message["Subject"] for _, message in server.messages)
    assert subjects == [
        f"New appointment request {appointment_request.display_reference}",
        f"We have your appointment request ({appointment_request.display_reference})",
    ]
    assert worker.returncode == 0, output
