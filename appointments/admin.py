"""The front desk's admin: a working list of appointment requests, their status and contact log."""

import logging

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from simple_history.admin import SimpleHistoryAdmin

from appointments.admin_export import appointment_requests_write_csv
from appointments.models import REFERENCE_LENGTH, AppointmentRequest, ContactAttempt, normalise_reference
from appointments.workflow import (
    STAFF_FIELDS,
    appointment_request_assign,
    appointment_request_mark_contacted,
    appointment_request_mark_spam,
    appointment_request_update,
)

logger = logging.getLogger(__name__)
Status = AppointmentRequest.Status

# The working order: New first, then what still needs a call; oldest first within each.
STATUS_ORDER = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values)),
    default=Value(len(Status.values)),
    output_field=IntegerField(),
)

# The patient's answers, read-only; two are shown formatted rather than as stored.
ANSWER_DISPLAY = {"phone": "phone_display", "areas": "areas_display"}
PATIENT_FIELDS = [ANSWER_DISPLAY.get(name, name) for name in AppointmentRequest.PATIENT_ANSWERS]
RECORD_FIELDS = [
    "reference_display", "received_display", "language_display", "is_overdue_display", "email_problem_display",
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
        return [("yes", "New for over a business day")]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


class ContactAttemptInline(admin.StackedInline):  # stacked: every field gets a label
    model = ContactAttempt
    fields = ["attempted_at", "staff_member", "outcome", "note"]
    readonly_fields = ["staff_member"]
    extra = 1
    can_delete = False
    verbose_name = "contact attempt"
    verbose_name_plural = "Contact attempts"
    # One native date-and-time box with a real <label>; the admin's split widget has none.
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            "widget": forms.DateTimeInput(
                attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
            ),
            "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        }
    }

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.anonymised_at)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.anonymised_at)


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(SimpleHistoryAdmin):
    list_display = [
        "received_display", "reference_display", "name", "contact_details", "contact_preference",
        "visit_type", "areas_display", "status", "assigned_to", "is_overdue_display",
    ]  # fmt: skip
    list_display_links = ["reference_display"]
    list_select_related = ["assigned_to"]
    list_filter = [
        StatusFilter,
        "visit_type",
        "patient_type",
        AreaFilter,
        ("preferred_provider", admin.RelatedOnlyFieldListFilter),
        AssignedFilter,
        OverdueFilter,
        ("received_at", admin.DateFieldListFilter),
    ]
    search_fields = ["name", "email"]
    search_help_text = "Search by name, phone number, email address or reference number."
    ordering = [STATUS_ORDER.asc(), "received_at"]
    list_per_page = 50
    actions = ["mark_contacted", "assign_to_me", "mark_spam", "export_csv"]
    inlines = [ContactAttemptInline]
    fieldsets = [
        (None, {"fields": RECORD_FIELDS}),
        ("Front desk", {"fields": list(STAFF_FIELDS)}),
        ("What the patient sent (read-only)", {"fields": PATIENT_FIELDS}),
        ("Emails and retention", {"fields": EMAIL_FIELDS, "classes": ["collapse"]}),
    ]
    readonly_fields = RECORD_FIELDS + PATIENT_FIELDS + EMAIL_FIELDS
    object_history_list_template = "appointments/admin/object_history_list.html"  # CSP-safe copy

    # --- Columns -------------------------------------------------------------

    @admin.display(description="Received", ordering="received_at")
    def received_display(self, obj):
        received = timezone.localtime(obj.received_at)
        return format_html(
            '{}<br><span class="help">{} ago</span>',
            f"{received:%b %d, %Y %H:%M}",
            timesince(obj.received_at),
        )

    @admin.display(description="Reference", ordering="reference")
    def reference_display(self, obj):
        return obj.display_reference

    @admin.display(description="Contact details")
    def contact_details(self, obj):
        if obj.email_problem:
            return format_html(
                '{}<br>{}<br><strong class="email-problem">{}</strong>',
                obj.display_phone,
                obj.email,
                obj.email_problem,
            )
        return format_html("{}<br>{}", obj.display_phone, obj.email)

    @admin.display(description="Emails")
    def email_problem_display(self, obj):
        return obj.email_problem or None  # the admin's "-"

    @admin.display(description="Preferred contact", ordering="contact_method")
    def contact_preference(self, obj):
        preference = f"{obj.get_contact_method_display()}, {obj.get_best_time_display().lower()}"
        if obj.call_in_language:
            return format_html(
                '{}<br><strong class="call-language">{}</strong>', preference, obj.call_in_language
            )
        return preference

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

    @admin.display(description="Overdue", boolean=True)
    def is_overdue_display(self, obj):
        return obj.is_overdue()

    # --- Permissions and fields ------------------------------------------------

    def has_add_permission(self, request):
        return False  # requests come from patients, through the form

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.anonymised_at:
            return self.readonly_fields + list(STAFF_FIELDS)
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        exact = Q()
        reference = normalise_reference(term)
        if len(reference) == REFERENCE_LENGTH:
            exact |= Q(reference=reference)
        try:
            number = phonenumbers.parse(term, settings.PHONENUMBER_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            exact |= Q(phone=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        if exact:
            results |= queryset.filter(exact)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        # The change form's edits go through the same workflow as the bulk actions:
        # its rules, and one history entry under the staff member's name.
        changes = {name: form.cleaned_data[name] for name in STAFF_FIELDS if name in form.cleaned_data}
        if changes:
            appointment_request_update(appointment_request=obj, changed_by=request.user, **changes)

    def save_formset(self, request, form, formset, change):
        # "Who" is whoever is logged in, never typed in.
        for attempt in formset.save(commit=False):
            if attempt.pk is None:
                attempt.staff_member = request.user
            attempt.save()
        formset.save_m2m()

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
