"""The emails about a request (the front desk's and the patient's): queued with the request, sent by the worker, each once.

appointment_request_submit queues send_appointment_request_emails in the
transaction that stores the request; the worker (`manage.py db_worker`) runs it.
Each email is tried at most MAX_ATTEMPTS times, further apart each time, and
given up on at once when the address is refused or cannot be written in an email;
the front desk then sees "could not be sent" on the request.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from appointments.models import AppointmentRequest
from prolo_site.models import Clinic

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def first_retry_after():
    """The wait after the first failed try, doubled after each (by default 1, 2, 4, 8
    and 16 minutes: about half an hour of outage before an email is given up on)."""
    return timedelta(seconds=settings.APPOINTMENTS_EMAIL_RETRY_SECONDS)


def notification_claim():
    """How long a worker holds a request's emails, renewed before each email: longer
    than one send can take (EMAIL_SEND_DEADLINE), so a live worker never loses it,
    short enough that a killed one delays mail only a little."""
    return timedelta(seconds=2 * settings.EMAIL_SEND_DEADLINE + 60)


def _admin_url(appointment_request):
    path = reverse("admin:appointments_appointmentrequest_change", args=[appointment_request.pk])
    return f"{settings.SITE_URL}{path}"


def _send_front_desk_email(appointment_request):
    """Only that a request arrived, its reference and where to open it: no patient details."""
    context = {
        "reference": appointment_request.display_reference,
        "admin_url": _admin_url(appointment_request),
    }
    send_mail(
        subject=f"New appointment request {appointment_request.display_reference}",
        message=render_to_string("appointments/email/front_desk_new_request.txt", context),
        from_email=None,
        recipient_list=settings.APPOINTMENTS_NOTIFY_EMAILS,
    )


def _send_patient_email(appointment_request):
    """The reference and what happens next, in the language of the form the patient used;
    never the patient's answers."""
    with translation.override(appointment_request.language):
        context = {
            "reference": appointment_request.display_reference,
            "contact_method": appointment_request.get_contact_method_display().lower(),
            "clinic": Clinic.load(),
        }
        subject = translation.gettext("We have your appointment request (%(reference)s)") % {
            "reference": appointment_request.display_reference
        }
        message = render_to_string("appointments/email/patient_request_received.txt", context)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[appointment_request.email])


@dataclass(frozen=True)
class Email:
    """One of a request's emails and the fields that record it."""

    which: str
    sent_field: str
    attempts_field: str
    failed_field: str
    send: object

    def is_due(self, appointment_request):
        if getattr(appointment_request, self.sent_field) or getattr(appointment_request, self.failed_field):
            return False
        if self.which == "front desk":
            return bool(settings.APPOINTMENTS_NOTIFY_EMAILS)
        return bool(appointment_request.email)


EMAILS = (
    Email("front desk", "front_desk_notified_at", "front_desk_email_attempts", "front_desk_email_failed_at",
          _send_front_desk_email),
    Email("patient", "patient_notified_at", "patient_email_attempts", "patient_email_failed_at",
          _send_patient_email),
)  # fmt: skip


def _is_permanent(error):
    """Trying again cannot help: the server refused the address for good (5xx), or
    the address cannot be written in an email header at all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, UnicodeError | ValueError)


def _claim(appointment_request_id):
    """Take the request's emails if nobody holds them (or their holder's time ran
    out, or a retry's wait is over); the claim's expiry, or None."""
    now = timezone.now()
    until = now + notification_claim()
    taken = AppointmentRequest.objects.filter(
        Q(notifications_claimed_until__isnull=True) | Q(notifications_claimed_until__lte=now),
        pk=appointment_request_id,
    ).update(notifications_claimed_until=until)
    return until if taken else None


def _renew(appointment_request_id, claim):
    """Extend our claim before an email; None when another worker took it meanwhile."""
    until = timezone.now() + notification_claim()
    renewed = AppointmentRequest.objects.filter(
        pk=appointment_request_id, notifications_claimed_until=claim
    ).update(notifications_claimed_until=until)
    return until if renewed else None


@task()
def send_appointment_request_emails(appointment_request_id):
    """The worker's entry point. Never raises: the task queue stores a failed task's
    error text, and an SMTP error can hold the patient's address."""
    try:
        appointment_request_send_notifications(appointment_request_id=appointment_request_id)
    except Exception as error:
        logger.error(
            "Sending the emails for appointment request id %s failed (%s); "
            "`manage.py send_appointment_notifications` queues them again.",
            appointment_request_id,
            type(error).__name__,
        )


def appointment_request_queue_notifications(*, appointment_request, run_after=None):
    """Queue the request's emails; inside a transaction, the task commits with it or not at all."""
    sender = send_appointment_request_emails
    if run_after is not None:
        sender = sender.using(run_after=run_after)
    sender.enqueue(appointment_request_id=appointment_request.pk)


def appointment_request_send_notifications(*, appointment_request_id):
    """Send the emails this request still needs, each at most once, recording each
    that went out or was given up on; queue a later try for the others."""
    claim = _claim(appointment_request_id)
    if claim is None:
        return  # another worker holds them, or a retry waits its turn
    appointment_request = AppointmentRequest.objects.filter(pk=appointment_request_id).first()
    if (
        appointment_request is None
        or appointment_request.status == AppointmentRequest.Status.SPAM
        or appointment_request.anonymised_at
    ):
        # Marked spam or anonymised since it was queued: nothing will ever be sent.
        AppointmentRequest.objects.filter(
            pk=appointment_request_id, notifications_claimed_until=claim
        ).update(notifications_claimed_until=None)
        return
    retry_attempts = []
    for email in EMAILS:
        if not email.is_due(appointment_request):
            continue
        claim = _renew(appointment_request_id, claim)
        if claim is None:
            return  # taken over after our claim ran out: the new holder sends the rest
        try:
            email.send(appointment_request)
        except Exception as error:
            attempts = getattr(appointment_request, email.attempts_field) + 1
            give_up = _is_permanent(error) or attempts >= MAX_ATTEMPTS
            changes = {email.attempts_field: attempts}
            if give_up:
                changes[email.failed_field] = timezone.now()
            else:
                retry_attempts.append(attempts)
            AppointmentRequest.objects.filter(pk=appointment_request_id).update(**changes)
            # The error's text can hold an address; log only its kind.
            logger.warning(
                "Could not send the %s email for appointment request %s (%s, try %d of %d)%s.",
                email.which,
                appointment_request.display_reference,
                type(error).__name__,
                attempts,
                MAX_ATTEMPTS,
                "; given up on" if give_up else "; it will be tried again",
            )
        else:
            AppointmentRequest.objects.filter(pk=appointment_request_id).update(
                **{email.sent_field: timezone.now()}
            )
    mine = AppointmentRequest.objects.filter(pk=appointment_request_id, notifications_claimed_until=claim)
    if not retry_attempts:
        mine.update(notifications_claimed_until=None)
        return
    # The claim now says "not before": an early duplicate task cannot take it.
    next_try = timezone.now() + first_retry_after() * 2 ** (max(retry_attempts) - 1)
    with transaction.atomic():
        if mine.update(notifications_claimed_until=next_try):
            appointment_request_queue_notifications(
                appointment_request=appointment_request, run_after=next_try
            )


def _requests_with_a_waiting_task():
    """Ids of the requests with a task not yet started (due now or later)."""
    waiting = DBTaskResult.objects.filter(
        task_path=send_appointment_request_emails.module_path, status=TaskResultStatus.READY
    ).values_list("args_kwargs", flat=True)
    return {args_kwargs["kwargs"].get("appointment_request_id") for args_kwargs in waiting}


def appointment_requests_queue_unsent_notifications():
    """The safety net: queue the emails of every request that still needs one, is
    held by no worker, and has no task waiting (a worker killed mid-send, tasks
    deleted). Returns how many requests were queued."""
    now = timezone.now()
    waiting = _requests_with_a_waiting_task()
    unsent = (
        AppointmentRequest.objects.awaiting_notification(
            front_desk_has_inbox=bool(settings.APPOINTMENTS_NOTIFY_EMAILS)
        )
        .filter(Q(notifications_claimed_until__isnull=True) | Q(notifications_claimed_until__lte=now))
        .exclude(pk__in=waiting)
    )
    queued = 0
    for appointment_request in unsent.only("pk"):
        appointment_request_queue_notifications(appointment_request=appointment_request)
        queued += 1
    return queued
