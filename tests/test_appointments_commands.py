"""purge_appointment_requests: anonymise old Closed and Spam requests, and those left open far longer, their history included."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentRequest, ContactAttempt
from tests.factories import make_appointment_request, make_contact_attempt

pytestmark = pytest.mark.django_db

PERSONAL = {
    "name": "Maria Example",
    "phone": "+17575550142",
    "email": "maria@example.com",
    "message": "Right knee, worse on stairs",
    "needs_interpreter": True,
    "interpreter_language": "Spanish",
    "access_needs": "Wheelchair",
}


def purge(*args):
    out = io.StringIO()
    call_command("purge_appointment_requests", *args, stdout=out)
    return out.getvalue()


def make_finished_request(status="closed", days_ago=400, **overrides):
    """A request the front desk worked (notes and all), then closed `days_ago` days ago."""
    appointment_request = make_appointment_request(**PERSONAL, **overrides)
    appointment_request.staff_notes = "Her husband says she also has diabetes"
    appointment_request.save()
    appointment_request.status = status
    appointment_request.close_reason = "booked_elsewhere" if status == "closed" else ""
    appointment_request.save()
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days_ago)
    )
    appointment_request.refresh_from_db()
    return appointment_request


def test_old_closed_requests_lose_everything_personal_but_keep_what_statistics_need():
    appointment_request = make_finished_request()
    received_at = appointment_request.received_at

    output = purge()

    appointment_request.refresh_from_db()
    assert appointment_request.name == "(removed)"
    for field in ("phone", "email", "message", "interpreter_language", "access_needs", "staff_notes"):
        assert not getattr(appointment_request, field), field
    assert appointment_request.needs_interpreter is False
    assert appointment_request.anonymised_at is not None
    assert appointment_request.reference
    assert appointment_request.received_at == received_at
    assert (appointment_request.status, appointment_request.close_reason) == ("closed", "booked_elsewhere")
    assert (appointment_request.visit_type, appointment_request.areas) == ("in_person", "knee,lower_back")
    assert "Anonymised 1 request(s) closed or marked spam more than 365 days ago." in output


def test_old_spam_is_anonymised_too():
    spam = make_finished_request(status="spam")

    purge()

    spam.refresh_from_db()
    assert spam.anonymised_at is not None
    assert spam.name == "(removed)"


def test_recent_requests_and_open_ones_within_the_longer_period_are_kept_as_they_are():
    recently_closed = make_finished_request(days_ago=30)
    scheduled_last_year = make_finished_request(status="scheduled", days_ago=400)
    new_last_year = make_finished_request(status="new", days_ago=700)

    output = purge()

    for appointment_request in (recently_closed, scheduled_last_year, new_last_year):
        appointment_request.refresh_from_db()
        assert appointment_request.anonymised_at is None
        assert appointment_request.name == "Maria Example"
    assert "Anonymised 0 request(s) closed or marked spam more than 365 days ago." in output
    assert "Anonymised 0 request(s) left New, Contacted or Scheduled more than 730 days ago." in output


@pytest.mark.parametrize("status", ["new", "contacted", "scheduled"])
def test_requests_left_open_past_the_longer_period_lose_the_patients_details_too(status):
    forgotten = make_finished_request(status=status, days_ago=731)

    output = purge()

    forgotten.refresh_from_db()
    assert forgotten.anonymised_at is not None
    assert forgotten.name == "(removed)"
    assert (forgotten.phone, forgotten.email, forgotten.staff_notes) == ("", "", "")
    assert forgotten.status == status
    assert "Anonymised 1 request(s) left New, Contacted or Scheduled more than 730 days ago." in output


def test_an_anonymised_request_left_new_is_not_overdue_work():
    forgotten = make_finished_request(status="new", days_ago=731)
    AppointmentRequest.objects.filter(pk=forgotten.pk).update(
        received_at=timezone.now() - timedelta(days=731)
    )
    assert list(AppointmentRequest.objects.overdue()) == [forgotten]

    purge()

    forgotten.refresh_from_db()
    assert list(AppointmentRequest.objects.overdue()) == []
    assert not forgotten.is_overdue()


def test_the_open_period_comes_from_the_settings(settings):
    settings.APPOINTMENTS_OPEN_RETENTION_DAYS = 500
    forgotten = make_finished_request(status="contacted", days_ago=501)

    output = purge()

    forgotten.refresh_from_db()
    assert forgotten.anonymised_at is not None
    assert "left New, Contacted or Scheduled more than 500 days ago." in output


def test_dry_run_lists_what_would_go_and_changes_nothing():
    appointment_request = make_finished_request()
    history_rows = appointment_request.history.count()

    output = purge("--dry-run")

    appointment_request.refresh_from_db()
    assert appointment_request.anonymised_at is None
    assert appointment_request.name == "Maria Example"
    assert appointment_request.history.count() == history_rows
    assert f"Would anonymise {appointment_request.display_reference} (Closed since" in output
    assert "Would anonymise 1 request(s) closed or marked spam" in output
    assert "Maria" not in output


def test_dry_run_counts_both_kinds_and_changes_nothing():
    finished = [make_finished_request(), make_finished_request(status="spam")]
    forgotten = make_finished_request(status="scheduled", days_ago=800)

    output = purge("--dry-run")

    assert "Would anonymise 2 request(s) closed or marked spam more than 365 days ago." in output
    assert "Would anonymise 1 request(s) left New, Contacted or Scheduled more than 730 days ago." in output
    assert f"Would anonymise {forgotten.display_reference} (Scheduled since" in output
    for appointment_request in (*finished, forgotten):
        appointment_request.refresh_from_db()
        assert appointment_request.anonymised_at is None


def test_history_records_the_purge_and_keeps_no_copy_of_the_notes():
    appointment_request = make_finished_request()

    purge()

    history = list(appointment_request.history.all())
    assert history[0].history_change_reason == "Anonymised at the end of the retention period"
    assert history[0].history_user is None
    assert history[0].anonymised_at is not None
    assert len(history) == 4  # created, notes, closed, anonymised
    assert all(row.staff_notes == "" for row in history)
    # The patient's answers are never copied into history in the first place.
    assert not hasattr(history[0], "email")
    assert not hasattr(history[0], "message")


def test_contact_attempt_notes_go_too_history_included():
    appointment_request = make_finished_request()
    attempt = make_contact_attempt(appointment_request, note="Spoke to her daughter about the injection")
    make_contact_attempt(appointment_request, note="Correction: spoke to her son")

    purge()

    attempt.refresh_from_db()
    assert attempt.note == ""
    assert attempt.outcome == ContactAttempt.Outcome.VOICEMAIL
    assert list(ContactAttempt.history.values_list("note", flat=True)) == ["", ""]


def test_retention_period_comes_from_the_settings(settings):
    settings.APPOINTMENTS_RETENTION_DAYS = 20
    appointment_request = make_finished_request(days_ago=30)

    output = purge()

    appointment_request.refresh_from_db()
    assert appointment_request.anonymised_at is not None
    assert "more than 20 days ago" in output


def test_purging_twice_changes_nothing_more():
    make_finished_request()
    purge()

    assert "Anonymised 0 request(s)" in purge()
