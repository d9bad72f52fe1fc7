"""The rules for appointment requests: creating one, emailing about it, working and purging it.

Views, the admin and the management commands call these functions; none of them
writes an AppointmentRequest any other way.
"""

import csv
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from appointments.models import AppointmentRequest, ContactAttempt, new_reference
from prolo_site.models import Clinic

logger = logging.getLogger(__name__)

# The same answers sent again within this window are the same request (a refresh, a
# second tab, a patient unsure it went through).
DUPLICATE_WINDOW = timedelta(minutes=15)
# How long a sender may hold a request's emails before another may retry them;
# longer than a few SMTP timeouts, short enough that a crash delays mail only a little.
NOTIFICATION_CLAIM = timedelta(minutes=10)
REMOVED_NAME = "(removed)"


# The patient's answers, as appointment_request_create takes them.
ANSWER_FIELDS = (
    "name", "phone", "email", "contact_method", "best_time", "patient_type", "visit_type",
    "preferred_provider", "areas", "message", "needs_interpreter", "interpreter_language", "access_needs",
)  # fmt: skip


def submission_fingerprint(answers):
    """A hash of the answers, to recognise the same request sent twice."""
    provider = answers.get("preferred_provider")
    normalised = {
        "name": " ".join(answers["name"].split()).casefold(),
        "phone": str(answers.get("phone") or ""),
        "email": answers.get("email", "").strip().casefold(),
        "contact_method": answers["contact_method"],
        "best_time": answers["best_time"],
        "patient_type": answers["patient_type"],
        "visit_type": answers["visit_type"],
        "preferred_provider": provider.pk if provider else None,
        "areas": sorted(answers["areas"]),
        "message": " ".join(answers.get("message", "").split()),
        "needs_interpreter": bool(answers.get("needs_interpreter")),
        "interpreter_language": answers.get("interpreter_language", "").strip().casefold(),
        "access_needs": " ".join(answers.get("access_needs", "").split()),
    }
    encoded = json.dumps(normalised, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _find_duplicate(*, fingerprint, submission_token, now=None):
    recently = Q(received_at__gte=(now or timezone.now()) - DUPLICATE_WINDOW)
    same_form = Q(submission_token=submission_token) if submission_token else Q(pk__in=[])
    return (
        AppointmentRequest.objects.filter(recently | same_form, fingerprint=fingerprint)
        .order_by("received_at")
        .first()
    )


@sensitive_variables()
def appointment_request_find_duplicate(*, submission_token=None, **submission):
    """The request these answers were already stored as: sent from the same form
    (a double click, a refreshed POST), or identical and only minutes ago. Takes
    the same arguments as appointment_request_create."""
    answers = {name: submission[name] for name in ANSWER_FIELDS if name in submission}
    return _find_duplicate(fingerprint=submission_fingerprint(answers), submission_token=submission_token)


def _lock_fingerprint(fingerprint):
    """Serialise identical submissions racing in from two tabs. SQLite's IMMEDIATE
    transactions already do that; PostgreSQL takes a lock for this fingerprint only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(fingerprint[:15], 16)])


@sensitive_variables()
def appointment_request_create(
    *, name, phone, email, contact_method, best_time, patient_type, visit_type, preferred_provider,
    areas, message="", needs_interpreter=False, interpreter_language="", access_needs="",
    acknowledged_not_emergency, submission_token=None, is_spam=False,
):  # fmt: skip
    """Store a patient's request, or return the one it duplicates.

    The row is committed in one short transaction; the emails go out after the
    commit and cannot undo it. A honeypot hit (`is_spam`) is stored as Spam and
    sends nothing.
    """
    answers = {
        "name": name, "phone": phone, "email": email, "contact_method": contact_method,
        "best_time": best_time, "patient_type": patient_type, "visit_type": visit_type,
        "preferred_provider": preferred_provider, "message": message,
        "needs_interpreter": needs_interpreter, "interpreter_language": interpreter_language,
        "access_needs": access_needs,
    }  # fmt: skip
    fingerprint = submission_fingerprint({**answers, "areas": areas})
    last_error = None
    for _ in range(5):
        try:
            with transaction.atomic():
                _lock_fingerprint(fingerprint)
                duplicate = _find_duplicate(fingerprint=fingerprint, submission_token=submission_token)
                if duplicate:
                    return duplicate
                # A token already used for other answers is a stale form reused for a new request.
                token_is_fresh = (
                    submission_token
                    and not AppointmentRequest.objects.filter(submission_token=submission_token).exists()
                )
                appointment_request = AppointmentRequest(
                    **answers,
                    areas=",".join(area for area in AppointmentRequest.Area.values if area in areas),
                    acknowledged_not_emergency=acknowledged_not_emergency,
                    reference=new_reference(),
                    submission_token=submission_token if token_is_fresh else None,
                    fingerprint=fingerprint,
                    status=AppointmentRequest.Status.SPAM if is_spam else AppointmentRequest.Status.NEW,
                    notifications_claimed_until=None if is_spam else timezone.now() + NOTIFICATION_CLAIM,
                )
                # The database enforces the constraints; checking them here would cost a query each.
                appointment_request.full_clean(validate_unique=False, validate_constraints=False)
                appointment_request.save()
                if not is_spam:
                    transaction.on_commit(
                        partial(
                            appointment_request_send_notifications,
                            appointment_request_id=appointment_request.pk,
                        ),
                        robust=True,
                    )
            return appointment_request
        except IntegrityError as error:
            # A reference that happened to exist already, or the same form sent twice
            # at once (the second insert fails on the token): look again and retry.
            last_error = error
    raise last_error


# --- Emails -----------------------------------------------------------------


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
    release the claim. The caller holds the claim (see appointment_request_create
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


# --- The front desk's work --------------------------------------------------------


def _save(appointment_request):
    appointment_request.full_clean(validate_unique=False)
    appointment_request.save()
    return appointment_request


@transaction.atomic
def appointment_request_mark_contacted(*, appointment_request):
    """New -> Contacted. Returns False (and changes nothing) for any other status."""
    if appointment_request.status != AppointmentRequest.Status.NEW:
        return False
    appointment_request.status = AppointmentRequest.Status.CONTACTED
    _save(appointment_request)
    return True


@transaction.atomic
def appointment_request_assign(*, appointment_request, staff_member):
    appointment_request.assigned_to = staff_member
    return _save(appointment_request)


@transaction.atomic
def appointment_request_mark_spam(*, appointment_request):
    appointment_request.status = AppointmentRequest.Status.SPAM
    return _save(appointment_request)


def appointment_request_anonymise(*, appointment_request):
    """Remove everything personal, keeping the reference, dates, status and the
    non-identifying answers (visit type, areas...) for statistics. Older history
    rows lose their staff notes too, so no copy survives; the purge itself is
    recorded as a history entry."""
    with transaction.atomic():
        appointment_request = AppointmentRequest.objects.select_for_update().get(pk=appointment_request.pk)
        appointment_request.name = REMOVED_NAME
        appointment_request.phone = ""
        appointment_request.email = ""
        appointment_request.message = ""
        appointment_request.needs_interpreter = False
        appointment_request.interpreter_language = ""
        appointment_request.access_needs = ""
        appointment_request.staff_notes = ""
        appointment_request.submission_token = None
        appointment_request.fingerprint = ""
        appointment_request.notifications_claimed_until = None
        appointment_request.anonymised_at = timezone.now()
        appointment_request._change_reason = "Anonymised at the end of the retention period"
        appointment_request.save()
        appointment_request.history.exclude(staff_notes="").update(staff_notes="")
        appointment_request.contact_attempts.exclude(note="").update(note="")
        ContactAttempt.history.filter(appointment_request_id=appointment_request.pk).exclude(note="").update(
            note=""
        )
    return appointment_request


# --- Export ------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A spreadsheet must show a cell, never run it: =, +, -, @ get a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


CSV_COLUMNS = [
    ("Reference", lambda r: r.display_reference),
    ("Received", lambda r: timezone.localtime(r.received_at).strftime("%Y-%m-%d %H:%M")),
    ("Status", lambda r: r.get_status_display()),
    ("Close reason", lambda r: r.get_close_reason_display()),
    ("Name", lambda r: r.name),
    ("Phone", lambda r: r.display_phone),
    ("Email", lambda r: r.email),
    ("Preferred contact", lambda r: r.get_contact_method_display()),
    ("Best time", lambda r: r.get_best_time_display()),
    ("New or returning", lambda r: r.get_patient_type_display()),
    ("Visit type", lambda r: r.get_visit_type_display()),
    ("Provider", lambda r: r.preferred_provider or "No preference"),
    ("Areas", lambda r: r.get_areas_display()),
    ("Message", lambda r: r.message),
    ("Interpreter language", lambda r: r.interpreter_language if r.needs_interpreter else ""),
    ("Access needs", lambda r: r.access_needs),
    ("Assigned to", lambda r: r.assigned_to.get_username() if r.assigned_to else ""),
    ("Staff notes", lambda r: r.staff_notes),
]


def appointment_requests_write_csv(*, appointment_requests, stream):
    writer = csv.writer(stream)
    writer.writerow([title for title, _ in CSV_COLUMNS])
    for appointment_request in appointment_requests:
        writer.writerow([csv_safe(value(appointment_request)) for _, value in CSV_COLUMNS])
