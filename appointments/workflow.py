"""The front desk's work on a request: the status changes it allows, who made them, and anonymising at the end.

The admin's change form and its bulk actions, and the purge command, all come
through here; each change is saved once, so it is one history entry with the
staff member's name.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appointments.models import AppointmentRequest, ContactAttempt

# The fields the front desk may change (on the change form, or through an action).
STAFF_FIELDS = ("status", "close_reason", "assigned_to", "staff_notes")
REMOVED_NAME = "(removed)"
ANONYMISED_MESSAGE = "An anonymised request cannot be changed."


@transaction.atomic
def appointment_request_update(*, appointment_request, changed_by=None, **changes):
    """Apply the front desk's changes (STAFF_FIELDS) and record who made them.
    Raises ValidationError, changing nothing, for an anonymised request or a change
    the model refuses (closing needs a reason)."""
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise TypeError(f"Not a front-desk field: {', '.join(sorted(unknown))}")
    if appointment_request.anonymised_at is not None:
        raise ValidationError(ANONYMISED_MESSAGE, code="anonymised")
    for name, value in changes.items():
        setattr(appointment_request, name, value)
    appointment_request.full_clean(validate_unique=False)
    if changed_by is not None:
        appointment_request._history_user = changed_by
    appointment_request.save()
    return appointment_request


def appointment_request_mark_contacted(*, appointment_request, changed_by=None):
    """New -> Contacted. Returns False (and changes nothing) for any other status."""
    if appointment_request.status != AppointmentRequest.Status.NEW or appointment_request.anonymised_at:
        return False
    appointment_request_update(
        appointment_request=appointment_request,
        changed_by=changed_by,
        status=AppointmentRequest.Status.CONTACTED,
    )
    return True


def appointment_request_assign(*, appointment_request, staff_member):
    """Returns False (and changes nothing) for an anonymised request."""
    if appointment_request.anonymised_at:
        return False
    appointment_request_update(
        appointment_request=appointment_request, changed_by=staff_member, assigned_to=staff_member
    )
    return True


def appointment_request_mark_spam(*, appointment_request, changed_by=None):
    """Returns False (and changes nothing) for an anonymised request."""
    if appointment_request.anonymised_at:
        return False
    appointment_request_update(
        appointment_request=appointment_request, changed_by=changed_by, status=AppointmentRequest.Status.SPAM
    )
    return True


def _blank(name):
    if name == "name":
        return REMOVED_NAME  # the list and the history still read as a request
    return AppointmentRequest._meta.get_field(name).get_default()


def appointment_request_anonymise(*, appointment_request):
    """Remove everything personal (AppointmentRequest.IDENTIFYING_ANSWERS and the
    staff notes), keeping the reference, dates, status and the non-identifying
    answers (visit type, areas...) for statistics. Older history rows lose their
    staff notes too, so no copy survives; the purge itself is recorded as a history
    entry."""
    with transaction.atomic():
        appointment_request = AppointmentRequest.objects.select_for_update().get(pk=appointment_request.pk)
        for name in AppointmentRequest.IDENTIFYING_ANSWERS:
            setattr(appointment_request, name, _blank(name))
        appointment_request.staff_notes = ""
        appointment_request.submission_token = None
        appointment_request.fingerprint = ""
        appointment_request.client_key = ""
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
