"""appointment_request_submit and friends: one row per request, however often it is sent."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments import submission
from appointments.admin_export import csv_safe
from appointments.models import AppointmentRequest
from appointments.notifications import send_appointment_request_emails
from appointments.rate_limit import check_rate_limit, client_key
from appointments.submission import appointment_request_submit
from tests.factories import appointment_submission, make_appointment_request, make_provider

pytestmark = pytest.mark.django_db


def create(*, client=None, **overrides):
    """Submit the example answers (areas out of the form's order) and return the stored request."""
    outcome = appointment_request_submit(
        submission=appointment_submission(**{"areas": ["lower_back", "knee"], **overrides}), client=client
    )
    return outcome.appointment_request


def test_create_stores_a_new_request_with_a_reference_and_its_token():
    token = uuid.uuid4()
    provider = make_provider()

    appointment_request = create(preferred_provider=provider, submission_token=token)

    assert appointment_request.pk
    assert len(appointment_request.reference) == 8
    assert appointment_request.status == AppointmentRequest.Status.NEW
    assert appointment_request.submission_token == token
    assert appointment_request.areas == "knee,lower_back"  # the form's order, whatever was sent
    assert appointment_request.preferred_provider == provider
    queued = DBTaskResult.objects.get(task_path=send_appointment_request_emails.module_path)
    assert queued.args_kwargs["kwargs"] == {"appointment_request_id": appointment_request.pk}


def test_create_validates_what_it_stores():
    with pytest.raises(ValidationError):
        create(areas=["toe"])
    with pytest.raises(ValidationError):
        create(name="x" * 101)
    assert AppointmentRequest.objects.count() == 0


def test_spam_is_stored_as_spam_and_queues_no_email():
    appointment_request = create(is_spam=True)

    assert appointment_request.status == AppointmentRequest.Status.SPAM
    assert not DBTaskResult.objects.exists()


def test_a_reference_that_exists_already_is_replaced_by_a_fresh_one(monkeypatch):
    taken = make_appointment_request(reference="ABCDEF23")
    references = iter(["ABCDEF23", "ABCDEF23", "GHJKMN45"])
    monkeypatch.setattr(submission, "new_reference", lambda: next(references))

    appointment_request = create(name="Someone Else")

    assert appointment_request.reference == "GHJKMN45"
    assert taken.reference == "ABCDEF23"


def test_the_same_form_or_the_same_answers_minutes_later_return_the_stored_request():
    token = uuid.uuid4()
    stored = create(submission_token=token)

    assert create(submission_token=token) == stored  # a double click, a refreshed POST
    assert create(submission_token=uuid.uuid4()) == stored  # a second tab, minutes ago
    assert create(submission_token=uuid.uuid4(), message="  Worse  ON stairs ") == create(
        message="worse on stairs"
    )  # spacing and case do not make a new request
    assert create(areas=["neck"], submission_token=token) != stored  # other answers: a new request
    assert AppointmentRequest.objects.count() == 3


def test_an_answer_the_model_does_not_declare_is_refused():
    with pytest.raises(TypeError, match="favourite_colour"):
        appointment_submission(favourite_colour="blue")


def test_a_request_without_phone_or_email_is_refused_before_the_database_sees_it():
    with pytest.raises(ValidationError) as error:
        create(phone="", email="")
    assert "phone" in error.value.message_dict
    assert AppointmentRequest.objects.count() == 0


# --- The whole decision: repeat, rate limit, store ---------------------------------------------


def test_submitting_counts_only_new_requests_against_the_limit(settings):
    settings.APPOINTMENTS_RATE_LIMIT = (2, 600)
    first = create(client="192.0.2.1", name="Patient One")

    assert create(client="192.0.2.1", name="Patient One") == first  # the same request again: not counted
    assert create(client="192.0.2.1", name="Patient Two") is not None
    refused = appointment_request_submit(
        submission=appointment_submission(name="Patient Three"), client="192.0.2.1"
    )

    assert refused.appointment_request is None
    assert 0 < refused.retry_after <= 600
    assert AppointmentRequest.objects.count() == 2
    assert create(client="192.0.2.1", name="Patient One") == first  # a repeat still finds its request
    assert create(client="192.0.2.9", name="Patient Three") is not None  # another client


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1 757", "'+1 757"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\tMaria", "'\tMaria"),
        ("\r=1", "'\r=1"),
        (" =1+1", "' =1+1"),
        ("  \n+cmd", "'  \n+cmd"),
        ("\u00a0\u3000-2", "'\u00a0\u3000-2"),
        ('"=HYPERLINK(1)', "'\"=HYPERLINK(1)"),
        ("'@SUM(A1)", "''@SUM(A1)"),
        (" ' =1", "' ' =1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        (" \uff02\uff1d1", "' \uff02\uff1d1"),
        ("Maria", "Maria"),
        (" Maria", " Maria"),
        ("'quoted'", "'quoted'"),
        ("Knee, Lower back", "Knee, Lower back"),
        ("a=1", "a=1"),
        (42, "42"),
        (-1, "'-1"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(value, safe):
    assert csv_safe(value) == safe


# --- Racing submissions (real threads, real connections) ---------------------------------------


def race(count, make_arguments):
    """Call appointment_request_submit from `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def submit(number):
        try:
            barrier.wait(timeout=30)
            stored = create(**make_arguments(number))
            results.append(stored.pk if stored else None)  # None: refused by the rate limit
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_a_double_click_stores_one_request():
    token = uuid.uuid4()

    results, errors = race(6, lambda number: {"submission_token": token})

    assert errors == []
    assert AppointmentRequest.objects.count() == 1
    assert set(results) == {AppointmentRequest.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_the_same_answers_from_two_tabs_at_once_store_one_request():
    results, errors = race(6, lambda number: {"submission_token": uuid.uuid4()})

    assert errors == []
    assert AppointmentRequest.objects.count() == 1
    assert len(set(results)) == 1


@pytest.mark.django_db(transaction=True)
def test_different_requests_at_once_all_land():
    results, errors = race(8, lambda number: {"name": f"Patient {number}", "submission_token": uuid.uuid4()})

    assert errors == []
    assert len(set(results)) == AppointmentRequest.objects.count() == 8
    assert len(set(AppointmentRequest.objects.values_list("reference", flat=True))) == 8


# --- The rate limiter -----------------------------------------------------------------------------


def test_rate_limit_counts_each_clients_stored_requests_in_the_last_period(settings):
    settings.APPOINTMENTS_RATE_LIMIT = (2, 600)
    now = timezone.now()
    key, other_key = client_key("192.0.2.1"), client_key("192.0.2.2")
    make_appointment_request(client_key=key, received_at=now - timedelta(seconds=590))
    make_appointment_request(client_key=key, received_at=now - timedelta(seconds=10))
    make_appointment_request(client_key=other_key, received_at=now - timedelta(seconds=5))

    refused = check_rate_limit(key, now=now)
    later = check_rate_limit(key, now=now + timedelta(seconds=11))

    assert not refused.allowed
    assert refused.retry_after == 10  # when the older of the two leaves the window
    assert later.allowed
    assert check_rate_limit(other_key, now=now).allowed


def test_the_rate_limit_stores_no_ip_address_and_anonymising_clears_its_key(settings):
    from appointments.workflow import appointment_request_anonymise

    settings.APPOINTMENTS_RATE_LIMIT = (2, 600)
    stored = create(client="192.0.2.77")

    assert stored.client_key == client_key("192.0.2.77")
    assert len(stored.client_key) == 64 and "192.0.2.77" not in stored.client_key
    with override_settings(SECRET_KEY="another-secret-key-for-another-site-" * 2):
        assert client_key("192.0.2.77") != stored.client_key  # keyed with the site's secret
    stored.status = AppointmentRequest.Status.CLOSED
    stored.close_reason = AppointmentRequest.CloseReason.OTHER
    stored.save()
    appointment_request_anonymise(appointment_request=stored)
    stored.refresh_from_db()
    assert stored.client_key == ""


def test_the_rate_limit_holds_when_the_cache_evicts_everything(settings):
    """Nothing kept in the cache can reset the count: a dummy cache keeps nothing at all."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.APPOINTMENTS_RATE_LIMIT = (2, 600)
    assert create(client="192.0.2.9", name="Patient One")
    assert create(client="192.0.2.9", name="Patient Two")
    assert create(client="192.0.2.9", name="Patient Three") is None


@pytest.mark.django_db(transaction=True)
def test_32_requests_at_once_from_one_client_store_exactly_the_limit(settings):
    """The count and the row are one transaction under the client's lock: 32 new requests
    released at the same moment, on real connections, against a limit of 5."""
    settings.APPOINTMENTS_RATE_LIMIT = (5, 600)

    results, errors = race(
        32,
        lambda number: {
            "client": "192.0.2.50",
            "name": f"Patient {number}",
            "submission_token": uuid.uuid4(),
        },
    )

    assert errors == []
    assert AppointmentRequest.objects.count() == 5
    assert sorted(result is None for result in results) == [False] * 5 + [True] * 27
