"""The request form: every field's good and bad values, the contact rule, lengths, control characters."""

import uuid

import pytest
from django.http import QueryDict

from appointments.forms import AppointmentRequestForm
from appointments.models import AppointmentRequest
from appointments.validators import CONTROL_CHARACTERS_MESSAGE
from tests.factories import appointment_request_answers, make_clinic, make_provider
from tests.helpers import FORM_URL

pytestmark = pytest.mark.django_db


def bound_form(**overrides):
    answers = appointment_request_answers(**overrides)
    data = QueryDict(mutable=True)
    for name, value in answers.items():
        if value is None:
            continue
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return AppointmentRequestForm(data)


def errors_for(field, **overrides):
    form = bound_form(**overrides)
    assert not form.is_valid()
    return form.errors.get(field, [])


def test_complete_answers_make_a_submission_for_the_service():
    token = uuid.uuid4()
    form = bound_form(submission_token=token.hex, message="Knee pain\r\nfor six months")

    assert form.is_valid(), form.errors
    submission = form.submission()
    assert submission.answers["name"] == "Maria Example"
    assert str(submission.answers["phone"]) == "+17575550142"
    assert submission.answers["email"] == "maria@example.com"
    assert submission.answers["areas"] == ["knee", "lower_back"]
    assert submission.answers["message"] == "Knee pain\r\nfor six months"
    assert submission.answers.get("preferred_provider") is None  # no providers: no question
    assert submission.submission_token == token
    assert submission.is_spam is False
    assert submission.answers["acknowledged_not_emergency"] is True


# --- Name ---------------------------------------------------------------------


def test_name_is_required():
    assert errors_for("name", name="   ") == ["Enter your name."]


def test_name_of_100_characters_is_fine_and_101_is_too_long():
    assert bound_form(name="A" * 100).is_valid()
    assert errors_for("name", name="A" * 101) == ["Your name must be 100 characters or fewer (you have 101)."]


def test_name_keeps_accents_apostrophes_and_other_scripts():
    for name in ("Zoë O'Brien-Núñez", "李小龍", "Ngũgĩ wa Thiong'o"):
        form = bound_form(name=name)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["name"] == name


# --- Control characters and null bytes ------------------------------------------


@pytest.mark.parametrize(
    "field", ["name", "phone", "email", "message", "interpreter_language", "access_needs"]
)
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m"])
def test_control_characters_and_null_bytes_are_refused_with_one_plain_message(field, bad):
    value = {"phone": "757555", "email": "maria@example.com"}.get(field, "Hello")
    errors = errors_for(field, **{field: f"{value}{bad}0142"})

    assert errors == [CONTROL_CHARACTERS_MESSAGE]
    assert "Null characters are not allowed." not in errors


# One of each kind of invisible character that could make staff misread a name or a note.
HIDDEN_CHARACTERS = {
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "pop directional formatting": "\u202c",
    "right-to-left mark": "\u200f",
    "left-to-right mark": "\u200e",
    "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069",
    "Arabic letter mark": "\u061c",
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
}


@pytest.mark.parametrize("field", ["name", "email", "message", "interpreter_language", "access_needs"])
@pytest.mark.parametrize("hidden", HIDDEN_CHARACTERS.values(), ids=HIDDEN_CHARACTERS.keys())
def test_bidi_and_zero_width_characters_are_refused_like_control_characters(field, hidden):
    value = {"email": "maria@example.com"}.get(field, "Maria")
    errors = errors_for(field, **{field: f"{value[:3]}{hidden}{value[3:]}"})

    assert errors == [CONTROL_CHARACTERS_MESSAGE]


def test_the_page_says_why_and_keeps_what_the_patient_typed(client):
    response = client.post(FORM_URL, appointment_request_answers(name="Maria \u202eelpmaxE"))
    html = response.content.decode()

    assert response.status_code == 200
    assert AppointmentRequest.objects.count() == 0
    assert html.count(str(CONTROL_CHARACTERS_MESSAGE)) == 2  # the summary at the top, and under the field
    assert 'value="Maria \u202eelpmaxE"' in html


def test_line_breaks_and_tabs_are_fine_in_the_longer_answers():
    form = bound_form(message="Line one\r\nLine two\tindented", access_needs="Wheelchair\r\nHearing loop")

    assert form.is_valid(), form.errors


# --- Phone, email and the contact rule ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(757) 555-0142", "+17575550142"),
        ("757.555.0142", "+17575550142"),
        ("+1 757 555 0142", "+17575550142"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_read_in_the_clinic_region_or_with_a_country_code(typed, stored):
    form = bound_form(phone=typed)

    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["phone"]) == stored


@pytest.mark.parametrize("typed", ["12", "555-0142", "not a number", "+1 000 000 0000"])
def test_phone_numbers_that_cannot_be_called_are_refused_with_an_example(typed):
    errors = errors_for("phone", phone=typed)

    assert len(errors) == 1
    assert errors[0].startswith("Enter a phone number we can call, like (201) 555-0123")


def test_phone_number_length_is_bounded():
    errors = errors_for("phone", phone="7" * 41)

    assert errors == ["The phone number must be 40 characters or fewer (you have 41)."]


@pytest.mark.parametrize("typed", ["maria", "maria@", "maria@example", "maria example@example.com"])
def test_email_addresses_must_look_like_one(typed):
    assert errors_for("email", email=typed) == ["Enter an email address like name@example.com."]


@pytest.mark.parametrize(
    "typed",
    [
        "maria@example.com\u202e",  # right-to-left override after the domain: passes Django's validator
        "maria@example.com\u200f",  # right-to-left mark
        "ma\u200bria@example.com",  # zero-width space
        "maria\u2066@example.com",  # bidi isolate
        "\ufeffmaria@example.com",  # byte order mark pasted in front
    ],
)
def test_email_addresses_with_invisible_characters_are_refused_with_a_plain_message(typed):
    form = bound_form(email=typed, contact_method="email")

    assert form.errors["email"] == [CONTROL_CHARACTERS_MESSAGE]


def test_an_address_no_email_can_be_sent_to_is_refused():
    # Django's validator accepts a domain the IDNA codec cannot encode (Hebrew then Latin).
    assert errors_for("email", email="maria@\u05d0a.com", contact_method="email") == [
        "Enter an email address like name@example.com."
    ]


def test_a_refused_address_is_shown_again_as_typed(client):
    make_clinic()
    response = client.post(FORM_URL, appointment_request_answers(email="maria@example.com\u202e"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This has hidden characters in it that we cannot accept" in page
    assert 'value="maria@example.com\u202e"' in page


def test_email_address_length_is_bounded():
    errors = errors_for("email", email=("a" * 245) + "@example.com")

    assert errors == ["The email address must be 254 characters or fewer (you have 257)."]


def test_phone_call_needs_a_phone_number():
    errors = errors_for("phone", contact_method="phone", phone="", email="maria@example.com")

    assert errors == ["Enter a phone number, as you would like a phone call."]


def test_email_needs_an_email_address():
    errors = errors_for("email", contact_method="email", phone="(757) 555-0142", email="")

    assert errors == ["Enter an email address, as you would like an email."]


def test_only_the_detail_matching_the_contact_method_is_required():
    assert bound_form(contact_method="phone", email="").is_valid()
    assert bound_form(contact_method="email", phone="").is_valid()


def test_without_a_contact_method_some_way_to_reach_the_patient_is_still_asked_for():
    form = bound_form(contact_method="", phone="", email="")

    assert not form.is_valid()
    assert form.errors["contact_method"] == ["Choose how you would like us to contact you."]
    assert form.errors["phone"] == ["Enter a phone number or an email address so we can contact you."]


def test_an_unknown_contact_method_is_refused():
    assert errors_for("contact_method", contact_method="fax")


# --- Choices ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("patient_type", "Tell us whether you have been to the clinic before."),
        ("best_time", "Choose the best time to reach you."),
        ("visit_type", "Choose the kind of visit you would like."),
        ("areas", "Choose at least one area where it hurts."),
        ("acknowledged_not_emergency", "Confirm that you understand this form is not for emergencies."),
    ],
)
def test_required_questions_say_what_to_do(field, message):
    assert errors_for(field, **{field: None}) == [message]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("patient_type", "maybe"),
        ("best_time", "midnight"),
        ("visit_type", "home"),
        ("areas", ["knee", "toe"]),
    ],
)
def test_answers_outside_the_choices_are_refused(field, value):
    assert errors_for(field, **{field: value})


@pytest.mark.parametrize("visit_type", ["in_person", "telehealth", "either"])
def test_every_visit_type_is_accepted(visit_type):
    assert bound_form(visit_type=visit_type).is_valid()


def test_every_area_can_be_chosen_together():
    areas = ["knee", "lower_back", "neck", "shoulder", "hip", "ankle_foot", "elbow_wrist", "other"]
    form = bound_form(areas=areas)

    assert form.is_valid()
    assert form.cleaned_data["areas"] == areas


def test_only_active_providers_are_offered_with_no_preference_first():
    active = make_provider()
    retired = make_provider(name="Retired Doctor", slug="retired", is_active=False)
    form = AppointmentRequestForm()

    choices = [str(label) for _, label in form.fields["preferred_provider"].choices]
    assert choices == ["No preference", "Jenny L. F. Andrus, MD"]
    assert bound_form(preferred_provider=str(active.pk)).is_valid()
    assert errors_for("preferred_provider", preferred_provider=str(retired.pk)) == [
        "Choose a provider from the list, or No preference."
    ]


def test_provider_question_is_left_out_when_no_provider_is_listed():
    form = AppointmentRequestForm()

    assert "preferred_provider" not in form.fields
    assert bound_form().is_valid()


# --- Message, support needs ---------------------------------------------------------------


def test_message_is_optional_and_bounded_to_500_characters():
    assert bound_form(message="").is_valid()
    assert bound_form(message="x" * 500).is_valid()
    assert errors_for("message", message="x" * 501) == [
        "Your message must be 500 characters or fewer (you have 501)."
    ]


def test_message_says_not_to_include_more_medical_detail_than_needed():
    help_text = AppointmentRequestForm().fields["message"].help_text

    assert "do not include more medical detail" in help_text


def test_interpreter_needs_a_language():
    errors = errors_for("interpreter_language", needs_interpreter="on", interpreter_language="")

    assert errors == ["Tell us which language you would like an interpreter for."]


def test_naming_a_language_asks_for_an_interpreter():
    form = bound_form(interpreter_language="Spanish")

    assert form.is_valid()
    assert form.submission().answers["needs_interpreter"] is True
    assert form.submission().answers["interpreter_language"] == "Spanish"


def test_language_and_access_needs_are_bounded():
    assert errors_for("interpreter_language", interpreter_language="x" * 61)
    assert bound_form(access_needs="x" * 300).is_valid()
    assert errors_for("access_needs", access_needs="x" * 301)


# --- Honeypot, token, error summary ---------------------------------------------------------


def test_a_filled_honeypot_marks_the_submission_as_spam():
    form = bound_form(website="http://spam.example")

    assert form.is_valid()
    assert form.submission().is_spam is True


def test_an_altered_token_is_ignored_rather_than_refused():
    form = bound_form(submission_token="not-a-uuid")

    assert form.is_valid()
    assert form.submission().submission_token is None


def test_error_summary_lists_errors_in_page_order_linking_to_each_field():
    form = bound_form(name="", patient_type=None, contact_method="phone", phone="", areas=None)
    form.is_valid()

    assert form.error_summary() == [
        ("id_name", "Enter your name."),
        ("id_patient_type_0", "Tell us whether you have been to the clinic before."),
        ("id_phone", "Enter a phone number, as you would like a phone call."),
        ("id_areas_0", "Choose at least one area where it hurts."),
    ]
