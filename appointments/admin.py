"""The front desk's admin: a working list of appointment requests, their status and contact log."""

import dataclasses
import logging
import re
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from simple_history.admin import SimpleHistoryAdmin

from appointments.admin_calls import DATETIME_INPUT_FORMATS, LogCallForm, PhoneInRequestForm, caller_card
from appointments.admin_export import appointment_requests_write_csv
from appointments.business_days import working_calendar
from appointments.models import (
    FRONT_DESK_GROUP,
    REFERENCE_LENGTH,
    AppointmentRequest,
    ClosureDay,
    fold_email,
    fold_name,
    normalise_reference,
    phone_digits,
    queue_ordering,
)
from appointments.submission import appointment_request_submit
from appointments.workflow import (
    STAFF_FIELDS,
    appointment_request_assign,
    appointment_request_log_call,
    appointment_request_mark_contacted,
    appointment_request_mark_spam,
    appointment_request_update,
)

logger = logging.getLogger(__name__)
Status = AppointmentRequest.Status
BestTime = AppointmentRequest.BestTime

# Short enough for the list's columns to fit a 1280 px screen.
VISIT_TYPE_SHORT = {"in_person": "In person", "telehealth": "Telehealth", "either": "Either"}
# A search term made only of these (and at least three digits) is (part of) a phone number.
PHONE_LIKE = re.compile(r"[\d\s().+\-/]+")

# The patient's answers, read-only; two are shown formatted rather than as stored.
ANSWER_DISPLAY = {"phone": "phone_display", "areas": "areas_display"}
PATIENT_FIELDS = [ANSWER_DISPLAY.get(name, name) for name in AppointmentRequest.PATIENT_ANSWERS]
RECORD_FIELDS = [
    "reference_display", "received_display", "language_display", "is_overdue_display", "entered_by",
    "email_problem_display",
]  # fmt: skip
EMAIL_FIELDS = [
    "front_desk_notified_at", "front_desk_email_failed_at", "patient_notified_at", "patient_email_failed_at",
    "anonymised_at",
]  # fmt: skip


class StatusFilter(admin.SimpleListFilter):
    """Like a field filter, but spam stays out of sight unless asked for."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset.not_spam()

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All except spam",
        }
        for value, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class AreaFilter(admin.SimpleListFilter):
    title = "area"
    parameter_name = "area"

    def lookups(self, request, model_admin):
        return AppointmentRequest.Area.choices

    def queryset(self, request, queryset):
        return queryset.with_area(self.value()) if self.value() else queryset


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("nobody", "Not assigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "New for over a working day")]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


def end_of_today(now):
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))


class QueueFilter(admin.SimpleListFilter):
    """The morning's views of the queue."""

    title = "calls"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("call_now", "Call now (due, and their best time)"),
            ("retry_today", "Due a retry today"),
            ("snoozed", "Waiting to try again"),
            ("open", "Still open"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "call_now":
            return queryset.call_now(now)
        if self.value() == "retry_today":
            return queryset.still_open().filter(next_attempt_at__lt=end_of_today(now))
        if self.value() == "snoozed":
            return queryset.snoozed(now)
        if self.value() == "open":
            return queryset.still_open()
        return queryset


class AttemptsFilter(admin.SimpleListFilter):
    title = "attempts"
    parameter_name = "attempts"

    def lookups(self, request, model_admin):
        return [("none", "Not called yet"), ("no_answer", "No answer yet")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(contact_attempt_count=0)
        if self.value() == "no_answer":
            return queryset.still_open().filter(last_outcome__in=["no_answer", "voicemail"])
        return queryset


def front_desk_staff():
    return get_user_model().objects.filter(is_staff=True, is_active=True, groups__name=FRONT_DESK_GROUP)


def queue_counts(user):
    """The admin home page's numbers, each with the filtered list it counts."""
    now = timezone.now()
    requests = AppointmentRequest.objects.all()
    changelist = reverse("admin:appointments_appointmentrequest_changelist")
    rows = [
        ("New", requests.still_open().filter(status=Status.NEW), "status=new"),
        ("Overdue", requests.overdue(now), "overdue=yes"),
        (
            "Due a retry today",
            requests.still_open().filter(next_attempt_at__lt=end_of_today(now)),
            "queue=retry_today",
        ),
        (
            "Assigned to me, still open",
            requests.still_open().filter(assigned_to=user),
            "assigned=me&queue=open",
        ),
    ]
    return [
        {"label": label, "count": rows.count(), "url": f"{changelist}?{query}"} for label, rows, query in rows
    ]


def appointment_requests_search(queryset, term):
    """Name (accents and case ignored), email, reference, or any part of a phone number as typed."""
    term = " ".join(term.split())
    if not term:
        return queryset
    found = Q(search_name__contains=fold_name(term)) | Q(search_email__contains=fold_email(term))
    reference = normalise_reference(term)
    if len(reference) == REFERENCE_LENGTH:
        found |= Q(reference=reference)
    digits = phone_digits(term)
    if PHONE_LIKE.fullmatch(term) and len(digits) >= 3:
        found |= Q(search_phone__contains=digits)
    return queryset.filter(found)


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(SimpleHistoryAdmin):
    list_display = [
        "received_display", "name_display", "phone_display", "best_time", "visit_type_display",
        "attempts_display", "status", "assigned_to", "overdue_display",
    ]  # fmt: skip
    list_display_links = ["name_display"]
    list_select_related = ["assigned_to"]
    list_filter = [
        QueueFilter,
        StatusFilter,
        "best_time",
        OverdueFilter,
        AssignedFilter,
        AttemptsFilter,
        "visit_type",
        "patient_type",
        AreaFilter,
        ("preferred_provider", admin.RelatedOnlyFieldListFilter),
        ("received_at", admin.DateFieldListFilter),
    ]
    search_fields = ["search_name"]  # shows the search box; appointment_requests_search does the work
    search_help_text = (
        "Search by name (accents do not matter), any part of a phone number, email address or reference."
    )
    list_per_page = 50
    actions = ["mark_contacted", "assign_to_me", "mark_spam", "export_csv"]
    fieldsets = [
        (None, {"fields": RECORD_FIELDS}),
        ("Front desk", {"fields": list(STAFF_FIELDS)}),
        ("What the patient sent (read-only)", {"fields": PATIENT_FIELDS}),
        ("Emails and retention", {"fields": EMAIL_FIELDS, "classes": ["collapse"]}),
    ]
    readonly_fields = RECORD_FIELDS + PATIENT_FIELDS + EMAIL_FIELDS
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            "widget": LogCallForm.base_fields["next_attempt_at"].widget,
            "input_formats": DATETIME_INPUT_FORMATS,
        }
    }
    change_form_template = "appointments/admin/appointmentrequest_change_form.html"
    object_history_list_template = "appointments/admin/object_history_list.html"  # CSP-safe copy

    # --- Columns -------------------------------------------------------------

    @admin.display(description="Arrived", ordering="received_at")
    def received_display(self, obj):
        received = timezone.localtime(obj.received_at)
        return format_html(
            '{}<br><span class="help">{} ago</span>',
            f"{received:%b %d %H:%M}",
            timesince(obj.received_at).split(",")[0],
        )

    @admin.display(description="Name", ordering="search_name")
    def name_display(self, obj):
        """The name, then what the front desk must know before calling: the patient's language
        when it is not English, an email that could not be sent."""
        notes = [
            format_html('<br><strong class="{}">{}</strong>', css_class, note)
            for css_class, note in (
                ("call-language", obj.call_in_language),
                ("email-problem", obj.email_problem),
            )
            if note
        ]
        return format_html("{}{}", obj.name, format_html_join("", "{}", ((note,) for note in notes)))

    @admin.display(description="Visit", ordering="visit_type")
    def visit_type_display(self, obj):
        return VISIT_TYPE_SHORT.get(obj.visit_type, obj.get_visit_type_display())

    @admin.display(description="Attempts", ordering="contact_attempt_count")
    def attempts_display(self, obj):
        if not obj.contact_attempt_count:
            return "None yet"
        return format_html(
            '{}<br><span class="help">{}</span>', obj.contact_attempt_count, obj.get_last_outcome_display()
        )

    @admin.display(description="Overdue", empty_value="")  # nothing at all unless overdue
    def overdue_display(self, obj):
        overdue = getattr(obj, "overdue_now", None)
        if overdue is None:
            overdue = obj.is_overdue()
        return format_html('<strong class="overdue">{}</strong>', "Overdue") if overdue else None

    @admin.display(description="Reference", ordering="reference")
    def reference_display(self, obj):
        return obj.display_reference

    @admin.display(description="Emails")
    def email_problem_display(self, obj):
        return obj.email_problem or None  # the admin's "-"

    @admin.display(description="Language")
    def language_display(self, obj):
        """The form's language, and how to speak to the patient when it is not English."""
        if obj.call_in_language:
            return format_html("{} (<strong>{}</strong>)", obj.get_language_display(), obj.call_in_language)
        return obj.get_language_display()

    @admin.display(description="Areas")
    def areas_display(self, obj):
        return obj.get_areas_display()

    @admin.display(description="Phone")
    def phone_display(self, obj):
        return obj.display_phone

    @admin.display(description="Overdue")
    def is_overdue_display(self, obj):
        return "Overdue" if obj.is_overdue() else "No"

    # --- The queue ----------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).with_overdue_flag(calendar=working_calendar())

    def get_ordering(self, request):
        return queue_ordering(timezone.now())

    def get_search_results(self, request, queryset, search_term):
        return appointment_requests_search(queryset, search_term), False

    def next_in_queue(self, request, after):
        """The next request to call, in the list's order: due now, not someone else's."""
        now = timezone.now()
        return (
            AppointmentRequest.objects.due_now(now)
            .exclude(pk=after.pk)
            .filter(Q(assigned_to__isnull=True) | Q(assigned_to=request.user))
            .in_queue_order(now)
            .first()
        )

    # --- Permissions and fields ------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.anonymised_at:
            return self.readonly_fields + list(STAFF_FIELDS)
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = front_desk_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- One request, one screen: the caller's card and logging a call -------------

    def get_urls(self):
        log_call = self.admin_site.admin_view(self.log_call_view)
        return [
            path("<path:object_id>/log-call/", log_call, name="appointments_appointmentrequest_log_call"),
            *super().get_urls(),
        ]

    # The front desk's screens use the whole width: no app menu down the side.
    WIDE = {"is_nav_sidebar_enabled": False}

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self.WIDE})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self.WIDE, "show_save_and_add_another": False}
        obj = self.get_object(request, object_id)
        if obj is not None and obj.anonymised_at is None:
            extra_context.update(self._call_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def _call_context(self, request, obj, form=None):
        context = {"caller": caller_card(obj)}
        if self.has_change_permission(request, obj):
            context["log_call_form"] = form or LogCallForm(appointment_request=obj)
            context["log_call_url"] = reverse("admin:appointments_appointmentrequest_log_call", args=[obj.pk])
        return context

    def log_call_view(self, request, object_id):
        """One POST: the call is logged, the request moves on, and the next one opens."""
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj) or obj.anonymised_at:
            raise PermissionDenied
        form = LogCallForm(request.POST or None, appointment_request=obj)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                attempt = appointment_request_log_call(
                    appointment_request=obj,
                    staff_member=request.user,
                    outcome=data["outcome"],
                    attempted_at=data["attempted_at"],
                    note=data["note"],
                    next_attempt_at=data["next_attempt_at"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                return self._after_logging(request, obj, attempt, stay=data["stay"])
        context = {
            **self.admin_site.each_context(request),
            **self._call_context(request, obj, form),
            **self.WIDE,
            "opts": self.opts,
            "original": obj,
            "title": f"Log a call: {obj}",
            "subtitle": None,
        }
        return TemplateResponse(request, "appointments/admin/log_call.html", context)

    def _after_logging(self, request, obj, attempt, *, stay):
        message = f"Logged “{attempt.get_outcome_display()}” on {obj.display_reference}."
        if obj.next_attempt_at:
            message += f" Try again {timezone.localtime(obj.next_attempt_at):%a %b %d, %H:%M}."
        following = None if stay else self.next_in_queue(request, obj)
        if not stay and following is None:
            self.message_user(request, f"{message} Nobody else is due a call now.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:appointments_appointmentrequest_changelist"))
        target = following or obj
        if following:
            message += f" Next: {following.display_reference}."
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:appointments_appointmentrequest_change", args=[target.pk]))

    # --- Requests taken by phone ------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """The patient's form, filled in by the front desk for a patient on the phone: the
        same rules and emails, marked as entered by them, never counted by the rate limit."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PhoneInRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            submission = dataclasses.replace(form.submission(), entered_by=request.user)
            outcome = appointment_request_submit(submission=submission, client=None)
            created = outcome.appointment_request
            self.message_user(
                request,
                f"Saved request {created.display_reference}. Read the reference out to the patient.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:appointments_appointmentrequest_change", args=[created.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            **self.WIDE,
            "opts": self.opts,
            "form": form,
            "title": "Error: Enter a request taken by phone"
            if form.errors
            else "Enter a request taken by phone",
            "subtitle": None,
        }
        return TemplateResponse(request, "appointments/admin/phone_in_form.html", context)

    def save_model(self, request, obj, form, change):
        # The change form's edits go through the same workflow as the bulk actions:
        # its rules, and one history entry under the staff member's name.
        changes = {name: form.cleaned_data[name] for name in STAFF_FIELDS if name in form.cleaned_data}
        if changes:
            appointment_request_update(appointment_request=obj, changed_by=request.user, **changes)

    # History is for reading: reverting would bring back data the purge removed.
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- Bulk actions ----------------------------------------------------------------

    @admin.action(description="Mark selected requests as contacted", permissions=["change"])
    def mark_contacted(self, request, queryset):
        changed = sum(
            appointment_request_mark_contacted(appointment_request=r, changed_by=request.user)
            for r in queryset
        )
        skipped = queryset.count() - changed
        message = f"Marked {changed} request{'s' if changed != 1 else ''} as contacted."
        if skipped:
            message += f" Left {skipped} unchanged: only New requests can be marked contacted."
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)

    @admin.action(description="Assign selected requests to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        count = sum(
            appointment_request_assign(appointment_request=r, staff_member=request.user) for r in queryset
        )
        self.message_user(request, f"Assigned {count} request{'s' if count != 1 else ''} to you.")

    @admin.action(description="Mark selected requests as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        count = sum(
            appointment_request_mark_spam(appointment_request=r, changed_by=request.user) for r in queryset
        )
        self.message_user(
            request,
            f"Marked {count} request{'s' if count != 1 else ''} as spam. "
            "Spam is hidden from the list; choose Status: Spam to see it.",
        )

    @admin.action(description="Export selected requests as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        filename = f"appointment-requests-{timezone.localtime():%Y-%m-%d-%H%M%S}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
        rows = queryset.select_related("assigned_to", "preferred_provider").order_by("received_at")
        appointment_requests_write_csv(appointment_requests=rows, stream=response)
        logger.info("%s exported %d appointment requests as CSV", request.user.get_username(), len(rows))
        return response


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """Days the clinic is closed besides weekends and public holidays: they do not count
    towards a request's working day."""

    list_display = ["date", "reason"]
    date_hierarchy = "date"
