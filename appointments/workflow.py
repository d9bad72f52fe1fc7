"""The front desk's work on a request: the status changes it allows, who made them, and anonymising at the end.

The admin's change form and its bulk actions, and the purge command, all come
through here; each change is saved once, so it is one history entry with the
staff member's name.
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appointments.business_days import working_calendar
from appointments.models import (
    POSSIBLE_DUPLICATE_WINDOW,
    POSSIBLE_DUPLICATES_LINKED,
    AppointmentRequest,
    ContactAttempt,
    fold_email,
    phone_digits,
)
from appointments.prepared_query import ReusableQuery

# The fields the front desk may change (on the change form, or through an action).
STAFF_FIELDS = ("status", "close_reason", "assigned_to", "next_attempt_at", "staff_notes")
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


@dataclass(frozen=True)
class OutcomeRule:
    """What a call's outcome does to the request: the status it moves to (None: unchanged;
    Contacted only moves a New request), the close reason with it, and whether a time to
    try again is needed (filled in when not given), optional, or dropped."""

    status: str | None = None
    close_reason: str = ""
    try_again: str | None = None  # "needed", "optional" or None


Outcome = ContactAttempt.Outcome
Status = AppointmentRequest.Status
CloseReason = AppointmentRequest.CloseReason
# In the order the front desk sees the buttons.
OUTCOME_RULES = {
    Outcome.BOOKED: OutcomeRule(status=Status.SCHEDULED),
    Outcome.CALL_BACK: OutcomeRule(status=Status.CONTACTED, try_again="optional"),
    Outcome.NO_ANSWER: OutcomeRule(try_again="needed"),
    Outcome.VOICEMAIL: OutcomeRule(status=Status.CONTACTED, try_again="needed"),
    Outcome.EMAILED: OutcomeRule(status=Status.CONTACTED, try_again="optional"),
    Outcome.WRONG_DETAILS: OutcomeRule(status=Status.CLOSED, close_reason=CloseReason.WRONG_DETAILS),
    Outcome.DECLINED: OutcomeRule(status=Status.CLOSED, close_reason=CloseReason.PATIENT_DECLINED),
    Outcome.OTHER: OutcomeRule(try_again="optional"),
}


def default_next_attempt_at(appointment_request, now=None, calendar=None):
    """The next working morning or afternoon after `now`, as the patient's best time suits."""
    calendar = calendar or working_calendar()
    return calendar.next_call_at(now or timezone.now(), appointment_request.best_time)


@transaction.atomic
def appointment_request_log_call(
    *, appointment_request, staff_member, outcome, attempted_at=None, note="", next_attempt_at=None
):
    """Record a call (who: `staff_member`; when: now unless corrected, never before the
    request arrived nor in the future) and move the request on as its outcome says
    (OUTCOME_RULES), as one history entry. Raises ValidationError, saving nothing, for a
    bad time, Other without a note, or an anonymised request."""
    if appointment_request.anonymised_at is not None:
        raise ValidationError(ANONYMISED_MESSAGE, code="anonymised")
    if outcome not in OUTCOME_RULES:
        raise ValidationError({"outcome": "Choose what happened on the call."})
    rule = OUTCOME_RULES[outcome]
    now = timezone.now()
    attempt = ContactAttempt(
        appointment_request=appointment_request,
        staff_member=staff_member,
        outcome=outcome,
        attempted_at=attempted_at or now,
        note=note.strip(),
    )
    errors = {}
    try:
        attempt.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if rule.try_again is None:
        next_attempt_at = None
    elif next_attempt_at is not None and next_attempt_at <= now:
        errors["next_attempt_at"] = ["Choose a time to try again that is still to come."]
    elif next_attempt_at is None and rule.try_again == "needed":
        next_attempt_at = default_next_attempt_at(appointment_request, now)
    if errors:
        raise ValidationError(errors)

    changes = {"next_attempt_at": next_attempt_at}
    if rule.status == Status.CONTACTED:
        if appointment_request.status == Status.NEW:
            changes["status"] = Status.CONTACTED
    elif rule.status:
        changes.update(status=rule.status, close_reason=rule.close_reason)
    attempt.save()
    appointment_request.contact_attempt_count = appointment_request.contact_attempts.count()
    appointment_request.last_outcome = outcome
    appointment_request._change_reason = f"Call logged: {attempt.get_outcome_display()}"
    appointment_request_update(appointment_request=appointment_request, changed_by=staff_member, **changes)
    return attempt


def _open_with_contact(*values, by_phone, by_email):
    """open_with_contact() for ReusableQuery: (phone digits if by_phone, email if
    by_email, since, *the finished statuses), the latest POSSIBLE_DUPLICATES_LINKED."""
    values = list(values)
    search_phone = values.pop(0) if by_phone else ""
    search_email = values.pop(0) if by_email else ""
    return AppointmentRequest.objects.open_with_contact(
        search_phone, search_email, since=values[0]
    ).values_list("pk")[:POSSIBLE_DUPLICATES_LINKED]


_OPEN_WITH_CONTACT = {
    (by_phone, by_email): ReusableQuery(
        AppointmentRequest,
        functools.partial(_open_with_contact, by_phone=by_phone, by_email=by_email),
        fields=[
            *["search_phone"] * by_phone,
            *["search_email"] * by_email,
            "received_at",
            *["status"] * len(AppointmentRequest.FINISHED_STATUSES),
        ],
    )
    for by_phone in (False, True)
    for by_email in (False, True)
}


def prepare_possible_duplicates(appointment_request):
    """The open requests a request not yet stored may duplicate (same phone number or
    email, last 30 days, the latest few), as a query compiled now and run later with
    rows(): before the request is stored, inside the transaction that stores it."""
    search_phone = phone_digits(appointment_request.phone)
    search_email = fold_email(appointment_request.email)
    values = [
        *([search_phone] if search_phone else []),
        *([search_email] if search_email else []),
        appointment_request.received_at - POSSIBLE_DUPLICATE_WINDOW,
        *AppointmentRequest.FINISHED_STATUSES,
    ]
    return _OPEN_WITH_CONTACT[bool(search_phone), bool(search_email)].prepare(*values)


def appointment_request_link_possible_duplicates(*, appointment_request, duplicate_pks):
    """Link a request that just arrived with the requests it may duplicate (both ways:
    each shows the other)."""
    if duplicate_pks:
        appointment_request.possible_duplicates.add(*duplicate_pks)


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
