"""Appointment requests from patients, and the front desk's contact attempts on them."""

import secrets
import unicodedata
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords

from appointments.business_days import is_morning, overdue_cutoff, reply_due_at
from appointments.validators import (
    CONTROL_CHARACTERS_MESSAGE,
    contains_control_characters,
    refuse_control_characters,
    refuse_control_characters_except_line_breaks,
)
from prolo_site.languages import Language
from prolo_site.models import Provider

# No 0/O, 1/I/L or U: nothing a patient reading it over the phone can confuse.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 8


def new_reference():
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_reference(reference):
    """ABCDEF23 -> ABCD-EF23, easier to read out and to write down."""
    half = len(reference) // 2
    return f"{reference[:half]}-{reference[half:]}" if reference else ""


def normalise_reference(text):
    """What staff type (' abcd-ef23 ') -> the stored form ('ABCDEF23')."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class _HistoryDescriptor(HistoryDescriptor):
    """`request.history`, with its manager class built once: simple_history builds a new
    one on every access, which every save does (a cost inside the patients' write lock)."""

    def __get__(self, instance, owner):
        if "_manager_class" not in self.__dict__:
            self._manager_class = self.manager_class.from_queryset(self.queryset_class)
        return self._manager_class(self.model, instance)


def fold_name(text):
    """'  José  HERNÁNDEZ ' -> 'jose hernandez': what name search compares, accents and case ignored."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def phone_digits(value):
    """'+1 (757) 555-0199' -> '17575550199': what phone search compares, punctuation ignored."""
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def fold_email(value):
    """' Ana@Example.COM ' -> 'ana@example.com': what email search and duplicates compare."""
    return str(value or "").strip().casefold()


# The staff group that works the requests (made by migration 0002).
FRONT_DESK_GROUP = "Front desk"

# How long a new request with the same phone number or email as an open one is flagged
# as a possible duplicate of it, and of how many at most (the latest): a flood of
# requests with one number links each to a few, not to every one before it.
POSSIBLE_DUPLICATE_WINDOW = timedelta(days=30)
POSSIBLE_DUPLICATES_LINKED = 10


class StaffHistory(HistoricalRecords):
    """History that records only the fields it is told to (an allow-list), so a
    field added to the model later is never copied into the history tables unless
    someone names it here."""

    def __init__(self, *, recorded_fields, **kwargs):
        super().__init__(**kwargs)
        self.recorded_fields = tuple(recorded_fields)

    def finalize(self, sender, **kwargs):
        if sender is self.cls:
            self.excluded_fields = [
                field.name
                for field in sender._meta.fields
                if not field.primary_key and field.name not in self.recorded_fields
            ]
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            plain = sender.__dict__[self.manager_name]
            descriptor = _HistoryDescriptor(
                plain.model, manager=plain.manager_class, queryset=plain.queryset_class
            )
            setattr(sender, self.manager_name, descriptor)


class AppointmentRequestQuerySet(models.QuerySet):
    def not_spam(self):
        return self.exclude(status=AppointmentRequest.Status.SPAM)

    def with_area(self, area):
        """Requests that mention `area` in their comma-separated `areas`."""
        return self.filter(
            Q(areas=area)
            | Q(areas__startswith=f"{area},")
            | Q(areas__endswith=f",{area}")
            | Q(areas__contains=f",{area},")
        )

    def overdue(self, now=None, calendar=None):
        """Still New one working day after they arrived (an anonymised one, left New past
        the retention period, has no one left to call)."""
        return self.filter(_overdue(now or timezone.now(), calendar))

    def with_overdue_flag(self, now=None, calendar=None):
        """Each row's `overdue_now`, worked out in the query (no per-row lookups)."""
        flag = Case(
            When(_overdue(now or timezone.now(), calendar), then=Value(True)),
            default=Value(False),
        )
        return self.annotate(overdue_now=flag)

    def still_open(self):
        """Someone still has to call: New or Contacted, with a patient to call."""
        return self.filter(_OPEN)

    def due_now(self, now=None):
        """The front desk's calls now: New and never tried, or their next attempt has come."""
        now = now or timezone.now()
        return self.filter(_OPEN & (Q(status=AppointmentRequest.Status.NEW, next_attempt_at__isnull=True)
                                    | Q(next_attempt_at__lte=now)))  # fmt: skip

    def call_now(self, now=None):
        """Due now, and now is a time the patient said suits them."""
        now = now or timezone.now()
        BestTime = AppointmentRequest.BestTime
        half = BestTime.MORNING if is_morning(now) else BestTime.AFTERNOON
        return self.due_now(now).filter(best_time__in=[BestTime.ANY, half])

    def snoozed(self, now=None):
        return self.filter(_OPEN, next_attempt_at__gt=now or timezone.now())

    def in_queue_order(self, now=None):
        return self.order_by(*queue_ordering(now or timezone.now()))

    def open_with_contact(self, search_phone, search_email, *, since):
        """Open requests received since `since` with this phone number (search_phone: its
        digits) or email (search_email: lower case), a blank one matching nothing, the
        latest first: indexed columns only, as this runs as each request arrives (see
        appointments.workflow.prepare_possible_duplicates)."""
        same = Q(pk__in=[])
        if search_phone:
            same |= Q(search_phone=search_phone)
        if search_email:
            same |= Q(search_email=search_email)
        return (
            self.filter(same, received_at__gte=since)
            .exclude(status__in=AppointmentRequest.FINISHED_STATUSES)
            .filter(anonymised_at__isnull=True)
            .order_by("-received_at")
        )

    def awaiting_notification(self, *, front_desk_has_inbox=True):
        """Requests with an email still to send and not given up on (spam and anonymised
        ones never get any)."""
        waiting = Q(~Q(email=""), patient_notified_at__isnull=True, patient_email_failed_at__isnull=True)
        if front_desk_has_inbox:
            waiting |= Q(front_desk_notified_at__isnull=True, front_desk_email_failed_at__isnull=True)
        return (
            self.filter(waiting, anonymised_at__isnull=True)
            .exclude(status=AppointmentRequest.Status.SPAM)
            .order_by("received_at")
        )

    def due_for_anonymising(self, *, closed_before):
        return self.filter(
            status__in=AppointmentRequest.FINISHED_STATUSES,
            status_changed_at__lt=closed_before,
            anonymised_at__isnull=True,
        )

    def left_open_for_anonymising(self, *, unchanged_before):
        """Still New, Contacted or Scheduled, with no status change since `unchanged_before`:
        forgotten, so they lose the patient's details too (after a longer period)."""
        return self.exclude(status__in=AppointmentRequest.FINISHED_STATUSES).filter(
            status_changed_at__lt=unchanged_before, anonymised_at__isnull=True
        )


class AppointmentRequest(models.Model):
    """A patient's request to be contacted about an appointment."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        CLOSED = "closed", "Closed"
        SPAM = "spam", "Spam"

    class CloseReason(models.TextChoices):
        BOOKED_ELSEWHERE = "booked_elsewhere", "Booked elsewhere"
        NOT_SUITABLE = "not_suitable", "Not suitable for the clinic"
        NO_ANSWER = "no_answer", "No answer after several tries"
        PATIENT_DECLINED = "patient_declined", "Patient declined"
        WRONG_DETAILS = "wrong_details", "Wrong number or email address"
        DUPLICATE = "duplicate", "Duplicate of another request"
        OTHER = "other", "Other (see notes)"

    # The patient's choices on the form, in the form's language (the admin is in English).
    class ContactMethod(models.TextChoices):
        PHONE = "phone", _("Phone call")
        EMAIL = "email", _("Email")

    class BestTime(models.TextChoices):
        ANY = "any", _("Any time")
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")

    class PatientType(models.TextChoices):
        NEW = "new", _("New patient")
        RETURNING = "returning", _("Returning patient")

    class VisitType(models.TextChoices):
        IN_PERSON = "in_person", _("In person at the clinic")
        TELEHEALTH = "telehealth", _("Telehealth (video call)")
        EITHER = "either", _("Either is fine")

    class Area(models.TextChoices):
        KNEE = "knee", _("Knee")
        LOWER_BACK = "lower_back", _("Lower back")
        NECK = "neck", _("Neck")
        SHOULDER = "shoulder", _("Shoulder")
        HIP = "hip", _("Hip")
        ANKLE_FOOT = "ankle_foot", _("Ankle or foot")
        ELBOW_WRIST = "elbow_wrist", _("Elbow or wrist")
        OTHER = "other", _("Somewhere else")

    # The front desk's work on these is done; every other status is still open.
    FINISHED_STATUSES = (Status.CLOSED, Status.SPAM)

    # Shown to patients and to staff; never the database id.
    reference = models.CharField(max_length=REFERENCE_LENGTH, unique=True, editable=False)
    received_at = models.DateTimeField("received", default=timezone.now, editable=False)

    # What the patient sent (PATIENT_ANSWERS below).
    name = models.CharField(max_length=100, validators=[refuse_control_characters])
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(max_length=254, blank=True)
    contact_method = models.CharField("preferred contact", max_length=10, choices=ContactMethod)
    best_time = models.CharField("best time", max_length=10, choices=BestTime, default=BestTime.ANY)
    patient_type = models.CharField("new or returning", max_length=10, choices=PatientType)
    visit_type = models.CharField("visit type", max_length=10, choices=VisitType)
    preferred_provider = models.ForeignKey(
        Provider,
        verbose_name="provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_requests",
    )
    # Area codes, comma-separated: one column, so the list needs no per-row query.
    areas = models.CharField(max_length=120)
    message = models.TextField(
        max_length=500, blank=True, validators=[refuse_control_characters_except_line_breaks]
    )
    needs_interpreter = models.BooleanField("interpreter", default=False)
    interpreter_language = models.CharField(
        "language", max_length=60, blank=True, validators=[refuse_control_characters]
    )
    access_needs = models.TextField(
        max_length=300, blank=True, validators=[refuse_control_characters_except_line_breaks]
    )
    acknowledged_not_emergency = models.BooleanField("understood not for emergencies", default=False)
    # The language of the form the patient sent (its address: /es/... is Spanish): not an
    # answer they typed, but how the front desk should speak to them, and the language of
    # their email. Kept after anonymising, like the visit type: it says nobody's name.
    language = models.CharField(
        "form language", max_length=2, choices=Language, default=Language.ENGLISH, editable=False
    )

    # The front desk's work.
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    close_reason = models.CharField(max_length=20, choices=CloseReason, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="assigned to",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_appointment_requests",
    )
    staff_notes = models.TextField(
        max_length=2000,
        blank=True,
        help_text="Only what the front desk needs to arrange the visit.",
        validators=[refuse_control_characters_except_line_breaks],
    )
    # Snoozed until then (after no answer, or a message left): out of the way of the calls due now.
    next_attempt_at = models.DateTimeField(
        "try again at",
        null=True,
        blank=True,
        help_text="Leave empty when no call back is planned.",
    )
    # A request the front desk typed in for a patient who phoned (None: the patient sent the form).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="entered by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Kept by workflow.appointment_request_log_call, so the list shows them without a query a row.
    contact_attempt_count = models.PositiveSmallIntegerField("attempts", default=0, editable=False)
    last_outcome = models.CharField("last outcome", max_length=20, blank=True, editable=False)
    # Same phone number or email as another open request (linked both ways when it arrived).
    possible_duplicates = models.ManyToManyField("self", blank=True, symmetrical=True, editable=False)

    # Search columns, kept in step with an answer on save (SEARCH_COLUMNS): accent-free name,
    # digits-only phone and lower-case email, so search finds "Hernandez", "555-0199" and
    # "Ana@Example.com" on any database, and possible duplicates are found by index.
    search_name = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    search_phone = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    search_email = models.CharField(max_length=254, blank=True, editable=False, db_index=True)

    # Emails, sent after the request is committed; empty means not sent yet.
    front_desk_notified_at = models.DateTimeField("front desk emailed", null=True, blank=True, editable=False)
    patient_notified_at = models.DateTimeField("patient emailed", null=True, blank=True, editable=False)
    # The worker sending this request's emails holds them until then (renewed before
    # each email), so two workers never send the same email.
    notifications_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Tries so far, and when each email was given up on (a refused or unusable
    # address, or too many failed tries): the front desk sees "could not be sent".
    front_desk_email_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    patient_email_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    front_desk_email_failed_at = models.DateTimeField(
        "front desk email could not be sent", null=True, blank=True, editable=False
    )
    patient_email_failed_at = models.DateTimeField(
        "patient email could not be sent", null=True, blank=True, editable=False
    )

    # Duplicate guard: the form's one-time token, and a hash of what was sent.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    fingerprint = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # Rate limit: who sent it, as an HMAC of the client's address (never the address);
    # counted by appointments/rate_limit.py, blanked by anonymising.
    client_key = models.CharField(max_length=64, blank=True, editable=False)

    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What the patient sent, in the form's order: read-only to staff, never in the
    # history tables. Everything else that reads the answers derives from this
    # tuple: the admin's read-only fields, the duplicate fingerprint, the CSV export.
    PATIENT_ANSWERS = (
        "name", "phone", "email", "contact_method", "best_time", "patient_type", "visit_type",
        "preferred_provider", "areas", "message", "needs_interpreter", "interpreter_language",
        "access_needs", "acknowledged_not_emergency",
    )  # fmt: skip
    # The answers that identify the patient: blanked when the request is anonymised;
    # the rest (visit type, areas...) stay for statistics.
    IDENTIFYING_ANSWERS = (
        "name", "phone", "email", "message", "needs_interpreter", "interpreter_language", "access_needs",
    )  # fmt: skip
    # Column -> (the answer it is made from, how). A column made from an identifying answer
    # is blank once the request is anonymised.
    SEARCH_COLUMNS = {
        "search_name": ("name", fold_name),
        "search_phone": ("phone", phone_digits),
        "search_email": ("email", fold_email),
    }

    objects = AppointmentRequestQuerySet.as_manager()
    # Who changed what, and when: the front desk's work only (an allow-list). The
    # patient's answers never change after arrival, and history must not keep
    # copies the purge would miss.
    history = StaffHistory(
        recorded_fields=[
            "reference", "received_at", "status", "status_changed_at", "close_reason", "assigned_to",
            "staff_notes", "next_attempt_at", "entered_by", "anonymised_at",
        ],
    )  # fmt: skip

    class Meta:
        ordering = ["received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="appointment_status_received"),
            models.Index(fields=["client_key", "received_at"], name="appointment_client_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""),
                name="appointment_closed_has_reason",
                violation_error_message="Choose why the request was closed.",
            ),
            models.CheckConstraint(
                condition=~Q(areas=""),
                name="appointment_has_areas",
                violation_error_message="Choose an area.",
            ),
            models.CheckConstraint(
                condition=~Q(phone="", email="") | Q(anonymised_at__isnull=False),
                name="appointment_has_contact_details",
                violation_error_message="A request needs a phone number or an email address.",
            ),
        ]

    def __str__(self):
        return f"Request {self.display_reference}"

    def save(self, *args, **kwargs):
        if self.status != getattr(self, "_status_as_loaded", None):
            self.status_changed_at = timezone.now()
            self._status_as_loaded = self.status
        for column, (answer, derive) in self.SEARCH_COLUMNS.items():
            removed = self.anonymised_at is not None and answer in self.IDENTIFYING_ANSWERS
            setattr(self, column, "" if removed else derive(getattr(self, answer)))
        super().save(*args, **kwargs)

    # Remember the status as loaded, so save() knows when it changed.
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._status_as_loaded = instance.__dict__.get("status")
        return instance

    def clean(self):
        errors = {}
        if self.status == self.Status.CLOSED and not self.close_reason:
            errors["close_reason"] = "Choose why the request was closed."
        if self.status != self.Status.CLOSED:
            self.close_reason = ""
        if self.status not in (self.Status.NEW, self.Status.CONTACTED):
            self.next_attempt_at = None  # nobody calls a closed or scheduled request back
        if self.anonymised_at is None:
            unknown = set(self.area_list) - set(self.Area.values)
            if not self.area_list or unknown:
                errors["areas"] = "Choose at least one area from the list."
            if not self.phone and not self.email:
                errors["phone"] = "A request needs a phone number or an email address."
        # Checked here rather than as a validator on the field, so the field stays Django's
        # EmailField as migrated (the email's other rules belong to the form and the mailer).
        if contains_control_characters(self.email):
            errors["email"] = CONTROL_CHARACTERS_MESSAGE
        if errors:
            raise ValidationError(errors)

    @property
    def display_reference(self):
        return format_reference(self.reference)

    @property
    def email_problem(self):
        """What the front desk should know about this request's emails: "" when none
        was given up on."""
        failed = [
            which
            for which, failed_at in (
                ("patient", self.patient_email_failed_at),
                ("front desk", self.front_desk_email_failed_at),
            )
            if failed_at
        ]
        if not failed:
            return ""
        return f"The {' and the '.join(failed)} email could not be sent."

    @property
    def call_in_language(self):
        """What the front desk should know about the patient's language: "" for English."""
        if self.language == Language.ENGLISH:
            return ""
        return f"Call in {self.get_language_display()}"

    @property
    def area_list(self):
        return [area for area in self.areas.split(",") if area]

    @property
    def display_phone(self):
        """National format for the clinic's own country, international otherwise."""
        if not self.phone:
            return ""
        if phonenumbers.region_code_for_number(self.phone) == settings.PHONENUMBER_DEFAULT_REGION:
            return self.phone.as_national
        return self.phone.as_international

    def get_areas_display(self):
        labels = dict(self.Area.choices)
        return ", ".join(str(labels.get(area, area)) for area in self.area_list)

    @property
    def reply_due_at(self):
        return reply_due_at(self.received_at)

    def is_overdue(self, now=None):
        return (
            self.status == self.Status.NEW
            and self.anonymised_at is None
            and self.reply_due_at <= (now or timezone.now())
        )

    def get_last_outcome_display(self):
        return dict(ContactAttempt.Outcome.choices).get(self.last_outcome, self.last_outcome)


_OPEN = Q(
    status__in=[AppointmentRequest.Status.NEW, AppointmentRequest.Status.CONTACTED],
    anonymised_at__isnull=True,
)


def _overdue(now, calendar=None):
    return Q(
        status=AppointmentRequest.Status.NEW,
        received_at__lte=overdue_cutoff(now, calendar),
        anonymised_at__isnull=True,
    )


def queue_ordering(now):
    """The front desk's order: New requests never tried (oldest, so overdue, first); then
    those whose next attempt has come; then those waiting to be tried again; then the rest
    by status."""
    Status = AppointmentRequest.Status
    rank = Case(
        When(_OPEN & Q(status=Status.NEW, next_attempt_at__isnull=True), then=Value(0)),
        When(_OPEN & Q(next_attempt_at__lte=now), then=Value(1)),
        When(_OPEN & Q(next_attempt_at__gt=now), then=Value(2)),
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values, start=3)),
        default=Value(3 + len(Status.values)),
        output_field=IntegerField(),
    )
    return [rank.asc(), F("next_attempt_at").asc(nulls_first=True), "received_at"]


class ClosureDay(models.Model):
    """A day the clinic is closed besides weekends and public holidays: not a working day."""

    date = models.DateField(unique=True)
    reason = models.CharField(
        max_length=100,
        blank=True,
        help_text="For staff, e.g. staff training.",
        validators=[refuse_control_characters],
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = "closure day"

    def __str__(self):
        return f"{self.date:%a %b %d, %Y}" + (f" ({self.reason})" if self.reason else "")


class ContactAttempt(models.Model):
    """One call, voicemail or email from the front desk to the patient."""

    class Outcome(models.TextChoices):
        BOOKED = "booked", "Reached: booked"
        CALL_BACK = "call_back", "Reached: will call back"
        DECLINED = "declined", "Reached: declined"
        SPOKE = "spoke", "Spoke to the patient"  # before outcomes said what followed
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left a message"
        EMAILED = "emailed", "Sent an email"
        WRONG_DETAILS = "wrong_details", "Wrong number or email bounced"
        OTHER = "other", "Other (see note)"

    appointment_request = models.ForeignKey(
        AppointmentRequest, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    attempted_at = models.DateTimeField("when", default=timezone.now)
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="who",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(max_length=20, choices=Outcome)
    note = models.CharField(max_length=300, blank=True, validators=[refuse_control_characters])

    history = HistoricalRecords()

    class Meta:
        ordering = ["attempted_at"]

    def __str__(self):
        return f"{self.get_outcome_display()} ({timezone.localtime(self.attempted_at):%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        # A saved attempt is a record: a correction is a new attempt (anonymising blanks
        # notes with a queryset update, which does not come here).
        if not self._state.adding:
            raise ValueError("A saved contact attempt is never edited; log a new one to correct it.")
        super().save(*args, **kwargs)

    def clean(self):
        if self.attempted_at and self.attempted_at > timezone.now():
            raise ValidationError({"attempted_at": "A call cannot be logged in the future."})
        received_at = (
            self.appointment_request.received_at.replace(microsecond=0)
            if self.appointment_request_id
            else None
        )
        if self.attempted_at and received_at and self.attempted_at < received_at:
            raise ValidationError({"attempted_at": "A call cannot be logged before the request arrived."})
        if self.outcome == self.Outcome.OTHER and not self.note.strip():
            raise ValidationError({"note": "Say what happened: a note is needed for Other."})
