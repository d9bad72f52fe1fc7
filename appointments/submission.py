"""A patient's request arriving: already sent? over the limit? else stored, with its emails' task.

The view and anything else that takes a request from a patient call
appointment_request_submit; nothing else creates an AppointmentRequest.
"""

import contextlib
import fcntl
import functools
import hashlib
import json
import os
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
from appointments.prepared_query import ReusableQuery
from appointments.rate_limit import client_key, prepare_rate_limit_check
from appointments.workflow import appointment_request_link_possible_duplicates, prepare_possible_duplicates
from prolo_site.languages import Language

# The same answers sent again within this window are the same request (a refresh, a
# second tab, a patient unsure it went through).
DUPLICATE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Submission:
    """What a patient sent: their answers, keyed by AppointmentRequest.PATIENT_ANSWERS
    (`areas` as a list of codes; a missing answer takes the model's default); the form's
    guards (its one-time token, whether the honeypot was filled in); the staff member who
    typed it in for a patient on the phone (None: the patient); and the language of the
    form they used."""

    answers: Mapping[str, object]
    submission_token: uuid.UUID | None = None
    is_spam: bool = False
    entered_by: object = None
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


def _earlier_requests_queryset(fingerprint, since, submission_token=None):
    recently = Q(fingerprint=fingerprint, received_at__gte=since)
    same_form = Q(submission_token=submission_token) if submission_token else Q(pk__in=[])
    return (
        AppointmentRequest.objects.filter(recently | same_form)
        .order_by("received_at")
        .values_list("pk", "fingerprint", "submission_token")
    )


_EARLIER_REQUESTS = ReusableQuery(
    AppointmentRequest, _earlier_requests_queryset, fields=("fingerprint", "received_at", "submission_token")
)
_EARLIER_REQUESTS_NO_TOKEN = ReusableQuery(
    AppointmentRequest, _earlier_requests_queryset, fields=("fingerprint", "received_at")
)


def _earlier_requests_query(*, fingerprint, submission_token):
    """The stored requests that decide this submission, in one query: those with the
    same answers from the last minutes, and the one with its one-time token."""
    since = timezone.now() - DUPLICATE_WINDOW
    if submission_token:
        return _EARLIER_REQUESTS.prepare(fingerprint, since, submission_token)
    return _EARLIER_REQUESTS_NO_TOKEN.prepare(fingerprint, since)


def _earlier_requests(query, *, fingerprint, submission_token):
    """(the request this submission repeats, sent from the same form or identical and
    only minutes ago, or None; whether another request already has its token)."""
    duplicate_pk, token_taken = None, False
    for pk, stored_fingerprint, stored_token in query.rows():
        if submission_token and stored_token == submission_token:
            token_taken = True
        if duplicate_pk is None and stored_fingerprint == fingerprint:
            duplicate_pk = pk
    # The whole row only in the rare case it is needed: the patient sent it before.
    duplicate = AppointmentRequest.objects.get(pk=duplicate_pk) if duplicate_pk else None
    return duplicate, token_taken


@contextlib.contextmanager
def _sqlite_writers_in_turn():
    """SQLite lets one writer in at a time, and the others wait in its busy handler,
    which sleeps in growing steps (up to 100 ms) and so wakes long after the lock is
    free. Patients sending the form queue on a file lock beside the database instead:
    the kernel wakes the next one the moment the last one's transaction is over.

    Nor does the next patient wait for this one's disk write: this transaction commits
    with synchronous=NORMAL (written to the WAL, not yet flushed), and the WAL is
    flushed to disk once the lock is released, before the patient is answered. A
    confirmed request survives a power cut as with synchronous=FULL, and several
    workers' flushes at once share one disk write."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name.startswith("file:") or name == ":memory:":
        yield
        return
    # Inside a caller's transaction the commit comes later, and SQLite refuses the change.
    flush_after = not connection.in_atomic_block
    if flush_after:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (synchronous,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        with open(f"{name}.write-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        if flush_after:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            _flush_wal_to_disk(name)


def _flush_wal_to_disk(database):
    """What synchronous=FULL would have done at the commit: fsync the WAL file (and its
    folder, once per process, so the file itself is sure to be found after a crash)."""
    try:
        wal = os.open(f"{database}-wal", os.O_RDONLY)
    except FileNotFoundError:
        return  # checkpointed into the database file and removed: SQLite synced that
    try:
        os.fsync(wal)
    finally:
        os.close(wal)
    _sync_folder_once(os.path.dirname(os.path.abspath(database)))


@functools.cache
def _sync_folder_once(folder):
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
        # Both queries are built before the lock and only run inside it: the other
        # patients wait for the database's work, not for the ORM's.
        earlier = _earlier_requests_query(
            fingerprint=fingerprint, submission_token=submission.submission_token
        )
        rate_limit_check = prepare_rate_limit_check(key)
        # Read before this request is stored, so it cannot find itself.
        possible_duplicates = None if submission.is_spam else prepare_possible_duplicates(candidate)
        try:
            with _sqlite_writers_in_turn(), transaction.atomic():
                _lock_fingerprint(fingerprint)
                duplicate, token_taken = _earlier_requests(
                    earlier, fingerprint=fingerprint, submission_token=submission.submission_token
                )
                if duplicate:
                    return SubmissionOutcome(duplicate)
                # Counted in this transaction, from the rows it stores: atomic, and never
                # waiting on (or lost with) the cache.
                decision = rate_limit_check()
                if not decision.allowed:
                    return SubmissionOutcome(None, retry_after=decision.retry_after)
                candidate.client_key = key
                duplicate_pks = [pk for (pk,) in possible_duplicates.rows()] if possible_duplicates else []
                stored = _store(candidate, submission, fingerprint, token_taken=token_taken)
                appointment_request_link_possible_duplicates(
                    appointment_request=stored, duplicate_pks=duplicate_pks
                )
                return SubmissionOutcome(stored)
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


def _store(appointment_request, submission, fingerprint, *, token_taken):
    # A token already used for other answers is a stale form reused for a new request.
    appointment_request.reference = new_reference()
    appointment_request.submission_token = None if token_taken else submission.submission_token
    appointment_request.fingerprint = fingerprint
    appointment_request.entered_by = submission.entered_by
    appointment_request.language = submission.language
    if submission.is_spam:
        appointment_request.status = AppointmentRequest.Status.SPAM
    appointment_request.save()
    if not submission.is_spam:
        appointment_request_queue_notifications(appointment_request=appointment_request)
    return appointment_request
