"""The request's own rules: reference codes, business days, status tracking, constraints."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.models import registered_models

from appointments.business_days import WorkingCalendar, overdue_cutoff, reply_due_at
from appointments.models import (
    AppointmentRequest,
    ClosureDay,
    ContactAttempt,
    format_reference,
    new_reference,
    normalise_reference,
)
from appointments.validators import CONTROL_CHARACTERS_MESSAGE
from appointments.workflow import appointment_request_anonymise, appointment_request_update
from tests.factories import PATIENT_ANSWERS_EXAMPLE, make_appointment_request, make_contact_attempt


def local(text):
    return timezone.make_aware(datetime.strptime(text, "%a %Y-%m-%d %H:%M"))


# --- Reference codes ---------------------------------------------------------------------


def test_references_are_eight_unambiguous_characters():
    references = {new_reference() for _ in range(2000)}

    assert len(references) == 2000
    for reference in references:
        assert re.fullmatch(r"[A-Z2-9]{8}", reference)
        assert not set(reference) & set("01OILU")


def test_references_are_shown_in_two_halves_and_read_back_however_typed():
    assert format_reference("ABCDEF23") == "ABCD-EF23"
    assert normalise_reference(" abcd-ef23 ") == "ABCDEF23"


# --- Business days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("Mon 2026-11-16 10:00", "Tue 2026-11-17 10:00"),
        ("Thu 2026-11-19 23:00", "Fri 2026-11-20 23:00"),
        ("Fri 2026-11-20 15:00", "Mon 2026-11-23 15:00"),
        ("Sat 2026-11-21 10:00", "Tue 2026-11-24 00:00"),
        ("Sun 2026-11-22 23:59", "Tue 2026-11-24 00:00"),
        # Thanksgiving (a federal holiday) is not a working day.
        ("Wed 2026-11-25 15:00", "Fri 2026-11-27 15:00"),
        ("Thu 2026-11-26 09:00", "Mon 2026-11-30 00:00"),
        # Nor is Christmas, nor a closure day staff entered (Mon 2026-12-28 here).
        ("Thu 2026-12-24 10:00", "Tue 2026-12-29 10:00"),
        ("Fri 2026-12-25 10:00", "Wed 2026-12-30 00:00"),
    ],
)
def test_a_request_is_due_one_working_day_after_it_arrives(received, due):
    calendar = WorkingCalendar(state="VA", closed_dates=[datetime(2026, 12, 28).date()])

    assert reply_due_at(local(received), calendar) == local(due)


def test_the_overdue_cutoff_agrees_with_the_due_time_for_every_pair_of_times():
    # Two weeks, in odd steps, over Thanksgiving and a closure day on the Monday after.
    calendar = WorkingCalendar(state="VA", closed_dates=[datetime(2026, 11, 30).date()])
    start = local("Mon 2026-11-16 00:00")
    times = [start + timedelta(minutes=97 * step) for step in range(230)]

    for now in times:
        cutoff = overdue_cutoff(now, calendar)
        for received in times:
            if received > now:
                continue
            assert (received <= cutoff) == (reply_due_at(received, calendar) <= now), (received, now)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("received", "now", "overdue"),
    [
        ("Wed 2026-11-25 10:00", "Thu 2026-11-26 11:00", False),  # Thanksgiving
        ("Wed 2026-11-25 10:00", "Fri 2026-11-27 10:00", True),
        ("Thu 2026-12-24 10:00", "Fri 2026-12-25 12:00", False),  # Christmas
        ("Thu 2026-12-24 10:00", "Mon 2026-12-28 09:59", False),
        ("Thu 2026-12-24 10:00", "Mon 2026-12-28 10:00", True),
    ],
)
def test_holidays_do_not_count_as_working_days_in_the_overdue_list(received, now, overdue):
    appointment_request = make_appointment_request(received_at=local(received))

    with time_machine.travel(local(now), tick=False):
        assert appointment_request.is_overdue() is overdue
        assert AppointmentRequest.objects.overdue().exists() is overdue


@pytest.mark.django_db
def test_a_closure_day_staff_enter_is_not_a_working_day():
    appointment_request = make_appointment_request(received_at=local("Mon 2026-11-16 10:00"))
    with time_machine.travel(local("Tue 2026-11-17 12:00"), tick=False):
        assert appointment_request.is_overdue()
        ClosureDay.objects.create(date=datetime(2026, 11, 17).date(), reason="Staff training")
        assert not appointment_request.is_overdue()
        assert not AppointmentRequest.objects.overdue().exists()


def test_the_holiday_state_is_a_setting(settings):
    virginia = WorkingCalendar(state="VA")
    texas = WorkingCalendar(state="TX")  # Texas Independence Day, March 2nd

    assert virginia.is_working_day(datetime(2026, 3, 2).date())
    assert not texas.is_working_day(datetime(2026, 3, 2).date())


@pytest.mark.django_db
def test_only_new_requests_become_overdue():
    long_ago = timezone.now() - timedelta(days=6)
    new = make_appointment_request(received_at=long_ago)
    contacted = make_appointment_request(received_at=long_ago, status="contacted")
    fresh = make_appointment_request()

    assert new.is_overdue() and not contacted.is_overdue() and not fresh.is_overdue()
    assert list(AppointmentRequest.objects.overdue()) == [new]


# --- Status and validation ------------------------------------------------------------------


@pytest.mark.django_db
def test_status_changed_at_moves_only_when_the_status_does():
    appointment_request = make_appointment_request()
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        status_changed_at=timezone.now() - timedelta(days=3)
    )
    appointment_request = AppointmentRequest.objects.get(pk=appointment_request.pk)
    before = appointment_request.status_changed_at

    appointment_request.staff_notes = "Tried once"
    appointment_request.save()
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).status_changed_at == before

    appointment_request.status = AppointmentRequest.Status.CONTACTED
    appointment_request.save()
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).status_changed_at > before


@pytest.mark.django_db
def test_closing_needs_a_reason_and_other_statuses_drop_it():
    appointment_request = make_appointment_request()
    appointment_request.status = AppointmentRequest.Status.CLOSED

    with pytest.raises(ValidationError, match=r"Choose why the request was closed\."):
        appointment_request.full_clean()

    appointment_request.status = AppointmentRequest.Status.CONTACTED
    appointment_request.close_reason = AppointmentRequest.CloseReason.OTHER
    appointment_request.full_clean()
    assert appointment_request.close_reason == ""


@pytest.mark.django_db
def test_the_database_refuses_a_closed_request_without_a_reason():
    appointment_request = make_appointment_request()

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentRequest.objects.filter(pk=appointment_request.pk).update(status="closed", close_reason="")


@pytest.mark.django_db
def test_the_database_refuses_a_request_nobody_could_answer():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_appointment_request(phone="", email="")


@pytest.mark.django_db
def test_an_anonymised_request_may_have_no_contact_details():
    appointment_request = make_appointment_request(
        status="spam", anonymised_at=timezone.now(), phone="", email="", name="(removed)"
    )

    appointment_request.full_clean()  # the purge blanked them: nobody is to be contacted any more
    assert (appointment_request.phone, appointment_request.email) == ("", "")

    appointment_request.anonymised_at = None
    with pytest.raises(ValidationError) as error:
        appointment_request.full_clean()
    assert "phone" in error.value.message_dict


def test_a_request_needs_a_phone_number_or_an_email_address():
    # Checked in Python (the service skips the database constraints' extra queries).
    appointment_request = AppointmentRequest(
        **{**PATIENT_ANSWERS_EXAMPLE, "areas": "knee", "phone": "", "email": ""}, reference="ABCDEF23"
    )

    with pytest.raises(ValidationError) as error:
        appointment_request.full_clean(validate_unique=False, validate_constraints=False)

    assert error.value.message_dict["phone"] == ["A request needs a phone number or an email address."]
    appointment_request.email = "maria@example.com"
    appointment_request.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.parametrize(
    "field", ["name", "email", "message", "interpreter_language", "access_needs", "staff_notes"]
)
@pytest.mark.parametrize(
    "hidden", ["\x1b", "\u202e", "\u2067", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff"]
)
def test_the_model_refuses_control_bidi_and_zero_width_characters(field, hidden):
    # The same rule as the form's, for whatever reaches the model another way (the admin, a service).
    value = {"email": "maria@example.com"}.get(field, "Maria")
    appointment_request = AppointmentRequest(
        **{**PATIENT_ANSWERS_EXAMPLE, "areas": "knee", field: f"{value[:3]}{hidden}{value[3:]}"},
        reference="ABCDEF23",
    )

    with pytest.raises(ValidationError) as error:
        appointment_request.full_clean(validate_unique=False, validate_constraints=False)

    assert CONTROL_CHARACTERS_MESSAGE in error.value.message_dict[field]


@pytest.mark.parametrize("hidden", ["\x07", "\u202d", "\u200d"])
def test_a_contact_attempt_note_refuses_hidden_characters(hidden):
    attempt = ContactAttempt(outcome=ContactAttempt.Outcome.SPOKE, note=f"Call back {hidden}Tuesday")

    with pytest.raises(ValidationError) as error:
        attempt.full_clean(exclude=["appointment_request"])

    assert error.value.message_dict["note"] == [CONTROL_CHARACTERS_MESSAGE]


def test_line_breaks_stay_fine_in_staff_notes():
    appointment_request = AppointmentRequest(
        **{**PATIENT_ANSWERS_EXAMPLE, "areas": "knee", "staff_notes": "Called\r\n\tno answer"},
        reference="ABCDEF23",
    )

    appointment_request.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.django_db
def test_areas_must_come_from_the_list():
    appointment_request = make_appointment_request()
    appointment_request.areas = "knee,toe"

    with pytest.raises(ValidationError, match=r"Choose at least one area from the list\."):
        appointment_request.full_clean()


@pytest.mark.django_db
def test_area_lookup_matches_whole_codes_only():
    knee_and_hip = make_appointment_request(areas="knee,hip,other")
    other = make_appointment_request(areas="other")
    make_appointment_request(areas="neck")

    assert set(AppointmentRequest.objects.with_area("hip")) == {knee_and_hip}
    assert set(AppointmentRequest.objects.with_area("other")) == {knee_and_hip, other}
    assert knee_and_hip.get_areas_display() == "Knee, Hip, Somewhere else"


@pytest.mark.django_db
def test_a_contact_attempt_cannot_be_in_the_future():
    attempt = ContactAttempt(
        appointment_request=make_appointment_request(),
        attempted_at=timezone.now() + timedelta(hours=2),
        outcome=ContactAttempt.Outcome.SPOKE,
    )

    with pytest.raises(ValidationError, match="cannot be logged in the future"):
        attempt.full_clean()


@pytest.mark.django_db
def test_str_is_the_reference_never_the_name():
    appointment_request = make_appointment_request(reference="ABCDEF23")

    assert str(appointment_request) == "Request ABCD-EF23"


# --- The patient's answers, declared once -------------------------------------------------------


def history_models():
    """Every simple-history table in the project, with the model it tracks."""
    for model in registered_models.values():
        yield model, getattr(model, model._meta.simple_history_manager_attribute).model


def test_the_patient_answers_are_the_models_fields_and_the_factories_cover_them():
    field_names = {field.name for field in AppointmentRequest._meta.fields}

    assert set(AppointmentRequest.PATIENT_ANSWERS) <= field_names
    assert set(AppointmentRequest.IDENTIFYING_ANSWERS) <= set(AppointmentRequest.PATIENT_ANSWERS)
    assert set(PATIENT_ANSWERS_EXAMPLE) == set(AppointmentRequest.PATIENT_ANSWERS)


def test_no_history_table_has_a_column_for_a_patient_answer():
    checked = []
    for model, history_model in history_models():
        answers = getattr(model, "PATIENT_ANSWERS", ())
        answer_columns = {model._meta.get_field(name).column for name in answers}
        history_columns = {field.column for field in history_model._meta.fields}
        assert not answer_columns & history_columns, history_model._meta.db_table
        checked.append(model)
    assert AppointmentRequest in checked


@pytest.mark.django_db
def test_no_history_row_holds_a_patient_answer_after_the_request_is_worked():
    appointment_request = make_appointment_request(
        name="Zebulon Quintero",
        phone="+17575550177",
        email="zebulon@example.com",
        message="Zebulon-message",
        interpreter_language="Zebulonese",
        access_needs="Zebulon-access",
        needs_interpreter=True,
    )
    staff = get_user_model().objects.create_user(username="desk", is_staff=True)
    appointment_request_update(appointment_request=appointment_request, changed_by=staff, status="contacted")
    make_contact_attempt(appointment_request)

    secrets = ["Zebulon", "zebulon", "5550177"]
    for _, history_model in history_models():
        table = connection.ops.quote_name(history_model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a table name from the models
            rows = cursor.fetchall()
        assert rows, history_model._meta.db_table
        for row in rows:
            assert not any(secret in str(value) for value in row for secret in secrets), row


@pytest.mark.django_db
def test_anonymising_blanks_every_identifying_answer_and_keeps_the_rest():
    appointment_request = make_appointment_request(
        message="Worse on stairs", needs_interpreter=True, interpreter_language="Spanish", access_needs="Ramp"
    )

    anonymised = appointment_request_anonymise(appointment_request=appointment_request)
    anonymised.refresh_from_db()

    for name in AppointmentRequest.IDENTIFYING_ANSWERS:
        blank = "(removed)" if name == "name" else AppointmentRequest._meta.get_field(name).get_default()
        assert getattr(anonymised, name) == blank, name
    assert (anonymised.visit_type, anonymised.areas) == ("in_person", "knee,lower_back")
