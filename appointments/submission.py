"""A patient's request arriving: already sent? over the limit? else stored, with its emails' task.

The view and anything else that takes a request from a patient call
appointment_request_submit; nothing else creates an AppointmentRequest.
"""

import contextlib
import fcntl
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from appointments.models import AppointmentRequest, new_reference
from appointments.notifications import appointment_request_queue_notifications
from appointments.rate_limit import check_rate_limit, client_key
from prolo_site.languages import Language

# The same answers sent again within this window are the same request (a refresh, a
# second tab, a patient unsure it went through).
DUPLICATE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Submission:
    """What a patient sent: their answers, keyed by AppointmentRequest.PATIENT_ANSWERS
    (`areas` as a list of codes; a missing answer takes the model's default), and
    the form's guards: its one-time token and whether the honeypot was filled in; and
    the language of the form they used."""

    answers: Mapping[str, object]
    submission_token: uuid.UUID | None = None
    is_spam: bool = False
    language: str = Language.ENGLISH

    def __post_init__(self):
        unknown = set(self.answers) - set(AppointmentRequest.PATIENT_ANSWERS)
        if unknown:
            raise TypeError(f"Not a patient answer: {', '.join(sorted(unknown))}")
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))

    def __repr__(self):
        return "Submission(<patient answers>)"  # never the answers, in a log or a traceback


@dataclass(frozen=True)
class SubmissionOutcome:
    """The stored request (new, or the one this submission repeats), or None when
    the client is over the rate limit and may try again in `retry_after` seconds."""

    appointment_request: AppointmentRequest | None
    retry_after: int = 0


def _normalised(value):
    if value is None or isinstance(value, bool | int):
        return value
    return " ".join(str(value).split()).casefold()


def submission_fingerprint(appointment_request):
    """A hash of the patient's answers (spacing and case ignored), to recognise the
    same request sent twice."""
    answers = {}
    for name in AppointmentRequest.PATIENT_ANSWERS:
        field = AppointmentRequest._meta.get_field(name)
        # attname: a provider's id, not the provider (no query).
        answers[name] = _normalised(getattr(appointment_request, field.attname))
    encoded = json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _unsaved_request(submission):
    answers = dict(submission.answers)
    chosen = set(answers.pop("areas", ()))
    # Stored in the form's order, whatever order they were sent in.
    areas = ",".join(area for area in AppointmentRequest.Area.values if area in chosen)
    return AppointmentRequest(**answers, areas=areas)


def _find_duplicate(*, fingerprint, submission_token):
    recently = Q(received_at__gte=timezone.now() - DUPLICATE_WINDOW)
    same_form = Q(submission_token=submission_token) if submission_token else Q(pk__in=[])
    return (
        AppointmentRequest.objects.filter(recently | same_form, fingerprint=fingerprint)
        .order_by("received_at")
        .first()
    )


@contextlib.contextmanager
def _sqlite_writers_in_turn():
    """SQLite lets one writer in at a time, and the others wait in its busy handler,
    which sleeps in growing steps (up to 100 ms) and so wakes long after the lock is
    free. Patients sending the form queue on a file lock beside the database instead:
    the kernel wakes the next one the moment the last one's transaction is over."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name.startswith("file:") or name == ":memory:":
        yield
        return
    with open(f"{name}.write-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _lock_fingerprint(fingerprint):
    """Serialise identical submissions racing in from two tabs. SQLite's IMMEDIATE
    transactions already do that; PostgreSQL takes a lock for this fingerprint only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(fingerprint[:15], 16)])


@sensitive_variables()
def appointment_request_submit(*, submission, client=None):
    """Decide what a submission is, in this order: the request it repeats (sent from
    the same form, or identical and only minutes ago: never counted against the
    limit); refused, when `client` is over the rate limit (prolo_site.client_ip's
    address; None counts nothing); else a new request, stored as Spam with no email
    when the honeypot was filled in.

    The decision, the row and its emails' task are one short transaction: the
    request and its task commit together or not at all. The worker sends the emails
    later; nothing here waits for the mail server.
    """
    candidate = _checked_request(submission)
    fingerprint = submission_fingerprint(candidate)
    key = client_key(client)
    last_error = None
    for _ in range(5):
        try:
            with _sqlite_writers_in_turn(), transaction.atomic():
                _lock_fingerprint(fingerprint)
                duplicate = _find_duplicate(
                    fingerprint=fingerprint, submission_token=submission.submission_token
                )
                if duplicate:
                    return SubmissionOutcome(duplicate)
                # Counted in this transaction, from the rows it stores: atomic, and never
                # waiting on (or lost with) the cache.
                decision = check_rate_limit(key)
                if not decision.allowed:
                    return SubmissionOutcome(None, retry_after=decision.retry_after)
                candidate.client_key = key
                return SubmissionOutcome(_store(candidate, submission, fingerprint))
        except IntegrityError as error:
            # A reference that happened to exist already, or the same form sent twice
            # at once (the second insert fails on the token): look again and retry.
            last_error = error
            candidate = _checked_request(submission)
    raise last_error


# Set by _store from the system, not from what the patient sent.
SYSTEM_FIELDS = ("reference", "submission_token", "fingerprint", "client_key")


def _checked_request(submission):
    """The unsaved request, its answers checked by the model's own rules before any
    lock is taken (so other patients never wait on this one's checks). The database
    enforces the constraints; checking them here would cost a query each."""
    appointment_request = _unsaved_request(submission)
    appointment_request.full_clean(exclude=SYSTEM_FIELDS, validate_unique=False, validate_constraints=False)
    return appointment_request


def _store(appointment_request, submission, fingerprint):
    token = submission.submission_token
    # A token already used for other answers is a stale form reused for a new request.
    token_is_fresh = token and not AppointmentRequest.objects.filter(submission_token=token).exists()
    appointment_request.reference = new_reference()
    appointment_request.submission_token = token if token_is_fresh else None
    appointment_request.fingerprint = fingerprint
    appointment_request.language = submission.language
    if submission.is_spam:
        appointment_request.status = AppointmentRequest.Status.SPAM
    appointment_request.save()
    if not submission.is_spam:
        appointment_request_queue_notifications(appointment_request=appointment_request)
    return appointment_request
