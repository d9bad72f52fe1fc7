"""The emails about a request: the front desk's and the patient's, sent after the commit and retried until they go out."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentRequest
from prolo_site.models import Clinic

logger = logging.getLogger(__name__)

# How long a sender may hold a request's emails before another may retry them;
# longer than a few SMTP timeouts, short enough that a crash delays mail only a little.
NOTIFICATION_CLAIM = timedelta(minutes=10)


@dataclass
class NotificationReport:
    front_desk_sent: int = 0
    patients_sent: int = 0
    failed: list = field(default_factory=list)  # (reference, which email)

    def add(self, other):
        self.front_desk_sent += other.front_desk_sent
        self.patients_sent += other.patients_sent
        self.failed.extend(other.failed)


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
    """The reference and what happens next; never the patient's answers."""
    context = {
        "reference": appointment_request.display_reference,
        "contact_method": appointment_request.get_contact_method_display().lower(),
        "clinic": Clinic.load(),
    }
    send_mail(
        subject=f"We have your appointment request ({appointment_request.display_reference})",
        message=render_to_string("appointments/email/patient_request_received.txt", context),
        from_email=None,
        recipient_list=[appointment_request.email],
    )


def appointment_request_send_notifications(*, appointment_request_id):
    """Send the emails this request still needs, record each that went out, then
    release the claim. The caller holds the claim (see appointment_request_submit
    and appointment_requests_send_pending_notifications). A failure is logged
    without patient data and left for the retry command."""
    report = NotificationReport()
    appointment_request = AppointmentRequest.objects.filter(pk=appointment_request_id).first()
    if appointment_request is None or appointment_request.status == AppointmentRequest.Status.SPAM:
        return report
    sent = {}
    emails = []
    if appointment_request.front_desk_notified_at is None and settings.APPOINTMENTS_NOTIFY_EMAILS:
        emails.append(("front desk", "front_desk_notified_at", _send_front_desk_email))
    if appointment_request.patient_notified_at is None and appointment_request.email:
        emails.append(("patient", "patient_notified_at", _send_patient_email))
    for which, timestamp_field, send in emails:
        try:
            send(appointment_request)
        except Exception as error:
            # The error's text can hold an address; log only its kind.
            logger.warning(
                "Could not send the %s email for appointment request %s (%s); "
                "`manage.py send_appointment_notifications` will retry it.",
                which,
                appointment_request.display_reference,
                type(error).__name__,
            )
            report.failed.append((appointment_request.display_reference, which))
        else:
            sent[timestamp_field] = timezone.now()
    report.front_desk_sent = int("front_desk_notified_at" in sent)
    report.patients_sent = int("patient_notified_at" in sent)
    AppointmentRequest.objects.filter(pk=appointment_request_id).update(
        **sent, notifications_claimed_until=None
    )
    return report


def appointment_requests_claim_for_notification(*, limit=50, exclude_ids=()):
    """Take up to `limit` requests with emails still to send, so no other sender
    takes them: row locks skipped by others on PostgreSQL, the IMMEDIATE write lock
    on SQLite. Returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            AppointmentRequest.objects.awaiting_notification(
                front_desk_has_inbox=bool(settings.APPOINTMENTS_NOTIFY_EMAILS)
            )
            .filter(Q(notifications_claimed_until__isnull=True) | Q(notifications_claimed_until__lt=now))
            .exclude(pk__in=exclude_ids)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        AppointmentRequest.objects.filter(pk__in=ids).update(
            notifications_claimed_until=now + NOTIFICATION_CLAIM
        )
    return ids


def appointment_requests_send_pending_notifications(*, batch_size=50):
    """Retry every email that has not gone out yet; each is tried once per call."""
    report = NotificationReport()
    tried = []
    while ids := appointment_requests_claim_for_notification(limit=batch_size, exclude_ids=tried):
        tried.extend(ids)
        for appointment_request_id in ids:
            report.add(appointment_request_send_notifications(appointment_request_id=appointment_request_id))
    return report
