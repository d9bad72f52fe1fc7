"""The front desk's forms beside the request list: logging a call in one step, and a request taken by phone."""

from crispy_forms.layout import HTML
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property

from appointments.business_days import working_calendar
from appointments.forms import AppointmentRequestForm
from appointments.models import AppointmentRequest, ContactAttempt
from appointments.workflow import OUTCOME_RULES, default_next_attempt_at

# One native date-and-time box with a real <label>; the admin's split widget has none.
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def datetime_field(**kwargs):
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUT_FORMATS,
        **kwargs,
    )


# Each outcome is its own button (in OUTCOME_RULES' order): one click logs the call and opens the next request.
OUTCOME_BUTTONS = [(outcome, ContactAttempt.Outcome(outcome).label) for outcome in OUTCOME_RULES]


class LogCallForm(forms.Form):
    """What happened on a call. The outcome comes from the button pressed; who made the call
    is whoever is logged in, and when is now unless corrected."""

    outcome = forms.ChoiceField(
        choices=OUTCOME_BUTTONS,
        error_messages={"required": "Press the button for what happened on the call."},
    )
    note = forms.CharField(
        label="Note (needed for Other)",
        required=False,
        max_length=ContactAttempt._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_attempt_at = datetime_field(
        label="Try again at",
        required=False,
        help_text="After no answer or a message; suggested from the patient's best time.",
    )
    attempted_at = datetime_field(
        label="Called at",
        required=False,
        help_text="Leave empty for now.",
    )
    stay = forms.BooleanField(label="Stay on this request after saving", required=False)

    def __init__(self, *args, appointment_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].validators = ContactAttempt._meta.get_field("note").validators
        suggested = default_next_attempt_at(appointment_request, calendar=working_calendar())
        self.fields["next_attempt_at"].initial = timezone.localtime(suggested)

    @property
    def buttons(self):
        return OUTCOME_BUTTONS


class PhoneInRequestForm(AppointmentRequestForm):
    """The patient's own form (the same questions and rules), typed in by the front desk
    for a patient on the phone."""

    LABELS = {
        "name": "Patient's full name",
        "patient_type": "Has the patient been to the clinic before?",
        "contact_method": "How would the patient like us to contact them?",
        "best_time": "When is the best time to reach them?",
        "visit_type": "What kind of visit would they like?",
        "preferred_provider": "Who would they like to see?",
        "areas": "Where does it hurt?",
        "acknowledged_not_emergency": "I told the patient this is not for emergencies",
    }

    form_id = "phone-in-request"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            if name in self.fields:
                self.fields[name].label = label

    @cached_property
    def helper(self):
        helper = super().helper
        helper.form_action = ""  # this page
        helper.layout.fields[-1] = HTML(
            '<button type="submit" class="button form-submit">Save the request</button>'
        )
        return helper

    @property
    def is_spam(self):
        return False  # the honeypot is for bots; staff never see it


def caller_card(appointment_request):
    """What the front desk needs on screen while calling: the card's rows and links."""
    attempts = list(
        appointment_request.contact_attempts.select_related("staff_member").order_by("-attempted_at")
    )
    duplicates = list(
        appointment_request.possible_duplicates.order_by("-received_at").only(
            "reference", "received_at", "status"
        )
    )
    phone = appointment_request.phone
    return {
        "appointment_request": appointment_request,
        "tel_href": phone.as_rfc3966 if phone else "",
        "overdue": appointment_request.is_overdue(),
        "attempts": attempts,
        "possible_duplicates": duplicates,
        "snoozed": bool(
            appointment_request.next_attempt_at and appointment_request.next_attempt_at > timezone.now()
        ),
        "status_display": AppointmentRequest.Status(appointment_request.status).label,
    }
