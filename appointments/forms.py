"""The patient's "Request appointment" form: short, plain, and checked on the server."""

import uuid

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import to_python as to_phone_number

from appointments.models import AppointmentRequest
from appointments.prepared_query import ReusableQuery
from appointments.submission import Submission
from appointments.validators import (
    CONTROL_CHARACTERS_MESSAGE,
    MULTILINE_WHITESPACE,
    contains_control_characters,
)
from prolo_site.languages import current_language
from prolo_site.models import Provider

MESSAGE_MAX_LENGTH = AppointmentRequest._meta.get_field("message").max_length
ACCESS_NEEDS_MAX_LENGTH = AppointmentRequest._meta.get_field("access_needs").max_length


class RefusesControlCharacters:
    """Check control characters (null bytes included) and length before anything
    else, so each problem gets one plain message (not Django's "Null characters
    are not allowed." plus a format error on top)."""

    allowed_control_characters = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip()
            if contains_control_characters(text, allowed=self.allowed_control_characters):
                raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")
            if self.max_length is not None and len(text) > self.max_length:
                raise ValidationError(
                    self.error_messages["max_length"],
                    code="max_length",
                    params={"limit_value": self.max_length, "show_value": len(text)},
                )
        return super().to_python(value)


class TextField(RefusesControlCharacters, forms.CharField):
    pass


class LongTextField(RefusesControlCharacters, forms.CharField):
    allowed_control_characters = MULTILINE_WHITESPACE


class EmailAddressField(RefusesControlCharacters, forms.EmailField):
    """Also refuses what Django's validator lets through but no email can carry. (The
    hidden characters that make an address read differently from what it is, such as
    a bidi control after the domain, are refused with every other text field's.)"""

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                sanitize_address(value, "utf-8")
            except (UnicodeError, ValueError):
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class PhoneField(RefusesControlCharacters, PhoneNumberField):
    pass


def _example_phone_number():
    region = settings.PHONENUMBER_DEFAULT_REGION
    example = phonenumbers.example_number(region) if region else None
    return to_phone_number(example).as_national if example else "+1 201 555 0123"


# Whether the form asks which provider: one compiled query per process (every form POST asks).
_ANY_ACTIVE_PROVIDER = ReusableQuery(
    Provider, lambda: Provider.objects.active().values_list("pk")[:1], fields=()
)

# Radio buttons and checkboxes: the hint and error under the question, not after the last option.
OPTION_GROUP_TEMPLATE = "appointments/crispy/option_group.html"


def _option_group(name):
    return Field(name, template=OPTION_GROUP_TEMPLATE)


def _section(title):
    """A heading between the form's groups of questions, in the page's language."""
    return HTML(format_html('<h2 class="form-section">{}</h2>', title))


class AppointmentRequestForm(forms.Form):
    name = TextField(
        label=_("Your full name"),
        max_length=100,
        error_messages={
            "required": _("Enter your name."),
            "max_length": _(
                "Your name must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    patient_type = forms.ChoiceField(
        label=_("Have you been to the clinic before?"),
        choices=[
            (AppointmentRequest.PatientType.NEW, _("No, I am a new patient")),
            (AppointmentRequest.PatientType.RETURNING, _("Yes, I am a returning patient")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Tell us whether you have been to the clinic before.")},
    )
    contact_method = forms.ChoiceField(
        label=_("How would you like us to contact you?"),
        choices=AppointmentRequest.ContactMethod.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose how you would like us to contact you.")},
    )
    phone = PhoneField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        help_text=_("Needed if you would like a phone call."),
        error_messages={
            "invalid": format_lazy(
                _(
                    "Enter a phone number we can call, like {example}, or an international number starting with +."
                ),
                example=_example_phone_number(),
            ),
            "max_length": _(
                "The phone number must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = EmailAddressField(
        label=_("Email address"),
        required=False,
        max_length=254,
        help_text=_("Needed if you would like an email. We also send your reference number to it."),
        error_messages={
            "invalid": _("Enter an email address like name@example.com."),
            "max_length": _(
                "The email address must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    best_time = forms.ChoiceField(
        label=_("When is the best time to reach you?"),
        choices=AppointmentRequest.BestTime.choices,
        initial=AppointmentRequest.BestTime.ANY,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose the best time to reach you.")},
    )
    visit_type = forms.ChoiceField(
        label=_("What kind of visit would you like?"),
        choices=AppointmentRequest.VisitType.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose the kind of visit you would like.")},
    )
    preferred_provider = forms.ModelChoiceField(
        label=_("Who would you like to see?"),
        queryset=Provider.objects.active(),
        required=False,
        blank=True,
        initial="",
        empty_label=_("No preference"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Choose a provider from the list, or No preference.")},
    )
    areas = forms.MultipleChoiceField(
        label=_("Where does it hurt?"),
        help_text=_("Choose all that apply."),
        choices=AppointmentRequest.Area.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose at least one area where it hurts."),
            "invalid_choice": _("Choose areas from the list."),
        },
    )
    message = LongTextField(
        label=_("Anything else we should know? (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=format_lazy(
            _(
                "Up to {limit} characters. Please do not include more medical detail than we need "
                "to arrange your visit: you can tell your provider the rest in person."
            ),
            limit=MESSAGE_MAX_LENGTH,
        ),
        error_messages={
            "max_length": _(
                "Your message must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            )
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    needs_interpreter = forms.BooleanField(label=_("I would like an interpreter"), required=False)
    interpreter_language = TextField(
        label=_("Language for the interpreter (optional)"),
        required=False,
        max_length=60,
        help_text=_("For example Spanish, Tagalog or American Sign Language."),
        error_messages={
            "max_length": _(
                "The language must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "language"}),
    )
    access_needs = LongTextField(
        label=_("Access needs (optional)"),
        required=False,
        max_length=ACCESS_NEEDS_MAX_LENGTH,
        help_text=_("For example step-free access, a hearing loop or someone to come with you."),
        error_messages={
            "max_length": _(
                "Access needs must be %(limit_value)d characters or fewer (you have %(show_value)d)."
            )
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    acknowledged_not_emergency = forms.BooleanField(
        label=_("I understand this form is not for emergencies"),
        error_messages={"required": _("Confirm that you understand this form is not for emergencies.")},
    )
    # Honeypot: hidden from people and screen readers; bots fill every field they find.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # One-time token from the page that showed the form: the same form sent twice is one request.
    submission_token = forms.CharField(required=False, widget=forms.HiddenInput)

    # The <form> element's id: the error summary links a form-wide error to it.
    form_id = "appointment-request"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("message", "access_needs"):
            # No maxlength on text areas: it would cut off pasted text without a word.
            self.fields[name].widget.attrs.pop("maxlength", None)
        if not _ANY_ACTIVE_PROVIDER.rows():
            del self.fields["preferred_provider"]

    @cached_property
    def helper(self):
        """The crispy layout: built only when the form is shown (a valid POST never is)."""
        has_providers = "preferred_provider" in self.fields
        helper = FormHelper(self)
        helper.form_id = self.form_id
        helper.form_action = reverse("appointments:request")
        helper.attrs = {"novalidate": ""}  # our own messages, not the browser's bubbles
        helper.layout = Layout(
            _section(gettext("About you")),
            "name",
            _option_group("patient_type"),
            _section(gettext("How we contact you")),
            _option_group("contact_method"),
            "phone",
            "email",
            _option_group("best_time"),
            _section(gettext("Your visit")),
            _option_group("visit_type"),
            *([_option_group("preferred_provider")] if has_providers else []),
            _option_group("areas"),
            "message",
            _section(gettext("Support you may need (optional)")),
            "needs_interpreter",
            "interpreter_language",
            "access_needs",
            _section(gettext("Before you send")),
            "acknowledged_not_emergency",
            Div("website", css_class="visually-hidden", aria_hidden="true"),
            "submission_token",
            HTML(
                format_html(
                    '<button type="submit" class="button form-submit">{}</button>', gettext("Send request")
                )
            ),
        )
        return helper

    def clean_submission_token(self):
        try:
            return uuid.UUID(self.cleaned_data["submission_token"])
        except ValueError:
            return None  # an old or altered page: accept the request, without the double-send guard

    def clean(self):
        cleaned_data = super().clean()
        method = cleaned_data.get("contact_method")
        phone, email = cleaned_data.get("phone"), cleaned_data.get("email")
        phone_ok, email_ok = "phone" not in self.errors, "email" not in self.errors
        if method == AppointmentRequest.ContactMethod.PHONE and not phone and phone_ok:
            self.add_error("phone", _("Enter a phone number, as you would like a phone call."))
        elif method == AppointmentRequest.ContactMethod.EMAIL and not email and email_ok:
            self.add_error("email", _("Enter an email address, as you would like an email."))
        elif not method and not phone and not email and phone_ok and email_ok:
            self.add_error("phone", _("Enter a phone number or an email address so we can contact you."))
        wants_interpreter = cleaned_data.get("needs_interpreter")
        if (
            wants_interpreter
            and not cleaned_data.get("interpreter_language")
            and "interpreter_language" not in self.errors
        ):
            self.add_error(
                "interpreter_language", _("Tell us which language you would like an interpreter for.")
            )
        return cleaned_data

    @property
    def is_spam(self):
        return bool(self.cleaned_data.get("website"))

    def submission(self):
        """The cleaned answers, as appointment_request_submit takes them."""
        data = self.cleaned_data
        # A question the form leaves out (the provider, when there is none) takes the model's default.
        answers = {name: data[name] for name in AppointmentRequest.PATIENT_ANSWERS if name in data}
        answers["phone"] = answers["phone"] or ""
        # Naming a language is asking for an interpreter, ticked box or not.
        answers["needs_interpreter"] = data["needs_interpreter"] or bool(data["interpreter_language"])
        return Submission(
            answers=answers,
            submission_token=data["submission_token"],
            is_spam=self.is_spam,
            language=current_language(),
        )

    def error_summary(self):
        """(target id, message) for each error, in the order the fields appear."""
        summary = [(self.form_id, error) for error in self.non_field_errors()]
        for name in self.fields:
            if name not in self.errors:
                continue
            bound = self[name]
            uses_options = isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            target = f"{bound.auto_id}_0" if uses_options else bound.id_for_label
            summary.extend((target, error) for error in bound.errors)
        return summary
