"""The front desk's call queue: logging a call, snoozes, queue order, filters, counts, search, duplicates, phone-in."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments.business_days import WorkingCalendar
from appointments.models import AppointmentRequest, ContactAttempt
from appointments.workflow import appointment_request_anonymise, appointment_request_log_call
from tests.factories import (
    appointment_request_answers,
    appointment_submission,
    make_appointment_request,
    make_clinic,
    make_contact_attempt,
    make_front_desk_user,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/appointments/appointmentrequest/"
Status = AppointmentRequest.Status


def local(text):
    return timezone.make_aware(datetime.strptime(text, "%a %Y-%m-%d %H:%M"))


@pytest.fixture
def front_desk(client):
    make_clinic()
    user = make_front_desk_user()
    client.force_login(user)
    return user


def log_call_url(appointment_request):
    return reverse("admin:appointments_appointmentrequest_log_call", args=[appointment_request.pk])


def change_url(appointment_request):
    return reverse("admin:appointments_appointmentrequest_change", args=[appointment_request.pk])


def listed_names(client, query=""):
    html = client.get(f"{CHANGELIST}{query}").content.decode()
    return re.findall(r'<th class="field-name_display"><a href="[^"]+">([^<]+)</a>', html)


# --- Logging a call ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status", "close_reason", "snoozed"),
    [
        ("booked", Status.SCHEDULED, "", False),
        ("call_back", Status.CONTACTED, "", False),
        ("no_answer", Status.NEW, "", True),
        ("voicemail", Status.CONTACTED, "", True),
        ("emailed", Status.CONTACTED, "", False),
        ("wrong_details", Status.CLOSED, "wrong_details", False),
        ("declined", Status.CLOSED, "patient_declined", False),
    ],
)
def test_each_outcome_sets_the_status_that_follows(front_desk, outcome, status, close_reason, snoozed):
    appointment_request = make_appointment_request()

    appointment_request_log_call(
        appointment_request=appointment_request, staff_member=front_desk, outcome=outcome
    )

    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.close_reason) == (status, close_reason)
    assert bool(appointment_request.next_attempt_at) is snoozed
    assert (appointment_request.contact_attempt_count, appointment_request.last_outcome) == (1, outcome)
    latest = appointment_request.history.first()
    assert latest.history_user == front_desk  # one history entry, with who
    assert latest.history_change_reason.startswith("Call logged")


def test_a_message_left_on_a_scheduled_request_does_not_move_it_back():
    appointment_request = make_appointment_request(status=Status.SCHEDULED)

    appointment_request_log_call(
        appointment_request=appointment_request, staff_member=None, outcome="voicemail"
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == Status.SCHEDULED
    assert appointment_request.next_attempt_at is None  # nobody calls a scheduled request back


@pytest.mark.parametrize(
    ("when", "field", "message"),
    [
        (timedelta(hours=-3), "attempted_at", "before the request arrived"),
        (timedelta(minutes=5), "attempted_at", "in the future"),
    ],
)
def test_a_call_is_never_logged_before_arrival_nor_in_the_future(when, field, message):
    appointment_request = make_appointment_request(received_at=timezone.now() - timedelta(hours=1))

    with pytest.raises(ValidationError) as caught:
        appointment_request_log_call(
            appointment_request=appointment_request,
            staff_member=None,
            outcome="no_answer",
            attempted_at=timezone.now() + when,
        )

    assert message in caught.value.message_dict[field][0]
    assert not ContactAttempt.objects.exists()


def test_other_needs_a_note_and_a_try_again_time_must_be_still_to_come():
    appointment_request = make_appointment_request()

    with pytest.raises(ValidationError, match="a note is needed for Other"):
        appointment_request_log_call(
            appointment_request=appointment_request, staff_member=None, outcome="other"
        )
    with pytest.raises(ValidationError, match="still to come"):
        appointment_request_log_call(
            appointment_request=appointment_request,
            staff_member=None,
            outcome="no_answer",
            next_attempt_at=timezone.now() - timedelta(minutes=1),
        )

    assert not ContactAttempt.objects.exists()
    appointment_request.refresh_from_db()
    assert appointment_request.contact_attempt_count == 0


@pytest.mark.parametrize(
    ("now", "best_time", "next_call"),
    [
        ("Mon 2026-11-16 10:30", "any", "Mon 2026-11-16 13:00"),
        ("Mon 2026-11-16 10:30", "morning", "Tue 2026-11-17 09:00"),
        ("Mon 2026-11-16 14:00", "afternoon", "Tue 2026-11-17 13:00"),
        ("Mon 2026-11-16 14:00", "any", "Tue 2026-11-17 09:00"),
        ("Wed 2026-11-25 14:00", "morning", "Fri 2026-11-27 09:00"),  # not on Thanksgiving
        ("Thu 2026-12-24 15:00", "any", "Mon 2026-12-28 09:00"),  # nor Christmas, nor the weekend
    ],
)
def test_no_answer_suggests_the_next_working_morning_or_afternoon_from_the_best_time(
    now, best_time, next_call
):
    appointment_request = make_appointment_request(
        received_at=local(now) - timedelta(hours=1), best_time=best_time
    )

    with time_machine.travel(local(now), tick=False):
        appointment_request_log_call(
            appointment_request=appointment_request, staff_member=None, outcome="no_answer"
        )

    appointment_request.refresh_from_db()
    assert appointment_request.next_attempt_at == local(next_call)
    assert WorkingCalendar(state="VA").next_call_at(local(now), best_time) == local(next_call)


def test_log_a_call_in_one_post_then_the_next_request_in_queue_order(client, front_desk):
    now = timezone.now()
    first = make_appointment_request(name="First", received_at=now - timedelta(days=3))
    someone_elses = make_appointment_request(
        name="Taken", received_at=now - timedelta(days=2), assigned_to=make_front_desk_user("other")
    )
    second = make_appointment_request(name="Second", received_at=now - timedelta(days=1))

    response = client.post(log_call_url(first), {"outcome": "no_answer", "note": "Rang twice"})

    assert response.status_code == 302
    assert response["Location"] == change_url(second)  # not the one assigned to someone else
    attempt = ContactAttempt.objects.get()
    assert (attempt.staff_member, attempt.note, attempt.appointment_request) == (
        front_desk,
        "Rang twice",
        first,
    )
    page = client.get(response["Location"]).content.decode()
    assert f"Logged “No answer” on {first.display_reference}" in page
    assert "First" not in page.split('<ul class="messagelist">')[1].split("</ul>")[0]  # no name in messages
    assert someone_elses.contact_attempts.count() == 0


def test_stay_keeps_the_request_open_and_bad_input_comes_back_as_typed(client, front_desk):
    appointment_request = make_appointment_request()

    refused = client.post(log_call_url(appointment_request), {"outcome": "other", "stay": "on", "note": " "})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Say what happened: a note is needed for Other." in html
    assert 'name="stay" id="id_stay" checked' in html
    assert "<title>Error:" in html

    saved = client.post(
        log_call_url(appointment_request), {"outcome": "other", "stay": "on", "note": "Fax sent"}
    )
    assert saved["Location"] == change_url(appointment_request)


def test_a_hostile_note_is_shown_as_text(client, front_desk):
    appointment_request = make_appointment_request()
    client.post(log_call_url(appointment_request), {"outcome": "other", "stay": "on", "note": "<b>x</b>"})

    html = client.get(change_url(appointment_request)).content.decode()

    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_the_request_page_has_what_a_caller_needs(client, front_desk):
    appointment_request = make_appointment_request(
        phone="+17575550199",
        needs_interpreter=True,
        interpreter_language="Spanish",
        access_needs="Wheelchair",
    )
    make_contact_attempt(appointment_request, staff_member=front_desk, outcome="no_answer", note="Rang")

    html = client.get(change_url(appointment_request)).content.decode()

    assert '<a class="caller__phone" href="tel:+1-757-555-0199">(757) 555-0199</a>' in html
    assert 'href="mailto:maria@example.com"' in html
    assert "Phone call, morning" in html
    assert "Interpreter (Spanish); Wheelchair" in html
    assert "Knee, Lower back" in html
    assert "Previous attempts" in html and "No answer (frontdesk). Rang" in html
    assert html.count('name="outcome"') == 8
    assert "Save and add another" not in html


# --- The queue ------------------------------------------------------------------------------


def test_queue_order_new_first_then_retries_that_have_come_then_snoozed(client, front_desk):
    now = timezone.now()
    make_appointment_request(
        name="Snoozed", received_at=now - timedelta(days=5), next_attempt_at=now + timedelta(hours=2)
    )
    make_appointment_request(name="Retry due", received_at=now - timedelta(days=4), status=Status.CONTACTED,
                             next_attempt_at=now - timedelta(minutes=5))  # fmt: skip
    make_appointment_request(name="New recent", received_at=now - timedelta(hours=1))
    make_appointment_request(name="New overdue", received_at=now - timedelta(days=3))
    make_appointment_request(name="Contacted", received_at=now - timedelta(days=6), status=Status.CONTACTED)
    make_appointment_request(name="Scheduled", received_at=now - timedelta(days=7), status=Status.SCHEDULED)

    assert listed_names(client) == [
        "New overdue",
        "New recent",
        "Retry due",
        "Snoozed",
        "Contacted",
        "Scheduled",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?queue=call_now", ["Any", "Morning"]),
        ("?best_time=afternoon", ["Afternoon"]),
        ("?queue=snoozed", ["Snoozed"]),
        ("?queue=retry_today", ["Snoozed"]),
        ("?attempts=none", ["Any", "Morning", "Afternoon"]),
        ("?attempts=no_answer", ["Snoozed"]),
    ],
)
def test_the_mornings_filters(client, front_desk, query, expected):
    with time_machine.travel(local("Tue 2026-11-17 10:00"), tick=False):
        now = timezone.now()
        make_appointment_request(name="Any", best_time="any", received_at=now - timedelta(hours=5))
        make_appointment_request(name="Morning", best_time="morning", received_at=now - timedelta(hours=4))
        make_appointment_request(
            name="Afternoon", best_time="afternoon", received_at=now - timedelta(hours=3)
        )
        snoozed = make_appointment_request(
            name="Snoozed", best_time="any", received_at=now - timedelta(hours=2)
        )
        appointment_request_log_call(
            appointment_request=snoozed,
            staff_member=None,
            outcome="no_answer",
            next_attempt_at=now + timedelta(hours=3),
        )

        assert listed_names(client, query) == expected


def test_assigned_to_offers_only_front_desk_staff(client, front_desk, django_user_model):
    django_user_model.objects.create_user("editor-only", is_staff=True)
    colleague = make_front_desk_user("colleague")

    html = client.get(change_url(make_appointment_request())).content.decode()
    options = re.search(r'<select name="assigned_to"[^>]*>(.*?)</select>', html, re.S)[1]

    assert "colleague" in options and "frontdesk" in options
    assert "editor-only" not in options
    assert colleague.pk


@time_machine.travel(local("Tue 2026-11-17 10:00"), tick=False)  # a retry in 30 minutes is still today
def test_the_admin_home_page_counts_the_morning_with_links(client, front_desk):
    now = timezone.now()
    make_appointment_request(received_at=now - timedelta(days=5))  # new and overdue
    make_appointment_request(assigned_to=front_desk)  # new, mine
    make_appointment_request(status=Status.CONTACTED, next_attempt_at=now + timedelta(minutes=30))
    make_appointment_request(status=Status.CLOSED, close_reason="other", assigned_to=front_desk)

    html = client.get("/admin/").content.decode()
    block = html.split('id="front-desk-counts"')[1].split("</div>")[0]

    assert re.search(
        r'queue=retry_today">\s*<span class="front-desk-counts__count">1</span> Due a retry today', block
    )
    assert '<span class="front-desk-counts__count">2</span> New' in block
    assert '<span class="front-desk-counts__count">1</span> Overdue' in block
    assert '<span class="front-desk-counts__count">1</span> Assigned to me, still open' in block
    for link in ("?status=new", "?overdue=yes", "?queue=retry_today", "?assigned=me&amp;queue=open"):
        assert f'href="{CHANGELIST}{link}"' in block


def test_the_list_keeps_a_fixed_number_of_queries_with_attempts_and_filters(client, front_desk):
    def add(count):
        for _ in range(count):
            appointment_request = make_appointment_request(assigned_to=front_desk)
            appointment_request_log_call(
                appointment_request=appointment_request, staff_member=front_desk, outcome="no_answer"
            )

    add(2)
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{CHANGELIST}?q=555&queue=open")
    add(20)
    with CaptureQueriesContext(connection) as many:
        client.get(f"{CHANGELIST}?q=555&queue=open")

    assert len(many) == len(few)
    assert "No answer" in client.get(CHANGELIST).content.decode()


# --- Finding a caller -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    ["0199", "555-0199", "(757) 555-0199", "757.555.0199", "+1 757 555 0199", "hernandez", "HERNÁNDEZ",
     "ana hern", "ANA@EXAMPLE", "reference"],
)  # fmt: skip
def test_search_by_any_part_of_the_phone_a_name_without_accents_email_or_reference(client, front_desk, term):
    wanted = make_appointment_request(name="Ana  Hernández", phone="+17575550199", email="ana@example.com")
    make_appointment_request(name="Someone Else", phone="+17575550142", email="else@example.com")
    if term == "reference":
        term = wanted.display_reference.lower()

    assert listed_names(client, f"?q={term}") == ["Ana  Hernández"]


def test_search_columns_are_kept_on_save_blanked_by_anonymising_and_never_in_history():
    appointment_request = make_appointment_request(name="José Núñez", phone="+17575550199")
    assert (appointment_request.search_name, appointment_request.search_phone) == (
        "jose nunez",
        "17575550199",
    )

    appointment_request_anonymise(appointment_request=appointment_request)

    appointment_request.refresh_from_db()
    assert (appointment_request.search_name, appointment_request.search_phone) == ("", "")
    assert appointment_request.search_email == ""
    history_columns = {field.name for field in AppointmentRequest.history.model._meta.fields}
    assert not {"search_name", "search_phone", "search_email", "name", "phone", "email"} & history_columns


# --- Possible duplicates --------------------------------------------------------------------


def test_a_new_request_with_the_phone_or_email_of_an_open_one_is_flagged_on_both(client, front_desk):
    from appointments.submission import appointment_request_submit

    same_phone = make_appointment_request(name="Earlier", phone="+17575550199", email="a@example.com")
    same_email = make_appointment_request(name="Other", phone="+17575550111", email="B@example.com")
    make_appointment_request(
        phone="+17575550199", email="x@example.com", status=Status.CLOSED, close_reason="other"
    )
    make_appointment_request(
        phone="+17575550199", email="y@example.com", received_at=timezone.now() - timedelta(days=40)
    )

    new = appointment_request_submit(
        submission=appointment_submission(phone="+17575550199", email="b@example.com", name="Later")
    ).appointment_request

    assert set(new.possible_duplicates.all()) == {same_phone, same_email}
    assert list(same_phone.possible_duplicates.all()) == [new]
    html = client.get(change_url(same_phone)).content.decode()
    assert "Possible duplicate:" in html and new.display_reference in html
    assert AppointmentRequest.CloseReason.DUPLICATE.label == "Duplicate of another request"


def test_a_flood_with_one_phone_number_links_each_request_to_the_latest_few_only():
    from appointments.models import POSSIBLE_DUPLICATES_LINKED
    from appointments.submission import appointment_request_submit

    earlier = [
        make_appointment_request(phone="+17575550199", received_at=timezone.now() - timedelta(minutes=60 - n))
        for n in range(POSSIBLE_DUPLICATES_LINKED + 5)
    ]

    new = appointment_request_submit(
        submission=appointment_submission(phone="+17575550199", email="", name="Later")
    ).appointment_request

    assert set(new.possible_duplicates.all()) == set(earlier[-POSSIBLE_DUPLICATES_LINKED:])


def test_the_possible_duplicate_check_reads_indexes_only():
    """It runs inside the patients' write lock as each request arrives: a scan of every
    request of the last 30 days would slow every patient's POST as the table grows."""
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    request = make_appointment_request(phone="+17575550199", email="Ana@Example.com")
    assert (request.search_phone, request.search_email) == ("17575550199", "ana@example.com")
    sql, params = AppointmentRequest.objects.open_with_contact(
        request.search_phone, request.search_email, since=request.received_at - timedelta(days=30)
    ).query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())

    assert "search_phone" in plan and "search_email" in plan, plan
    assert "SCAN appointments_appointmentrequest" not in plan, plan


# --- Requests taken by phone ------------------------------------------------------------------


def test_a_request_taken_by_phone_uses_the_forms_rules_and_the_same_emails(client, front_desk, settings):
    settings.APPOINTMENTS_RATE_LIMIT = (1, 600)
    add = reverse("admin:appointments_appointmentrequest_add")

    refused = client.post(add, appointment_request_answers(phone="", contact_method="phone", name=""))
    html = refused.content.decode()
    assert "Enter your name." in html and "Enter a phone number, as you would like a phone call." in html
    assert not AppointmentRequest.objects.exists()

    for number in ("(757) 555-0170", "(757) 555-0171"):  # past the public limit of 1: never counted
        response = client.post(add, appointment_request_answers(phone=number, website="filled"))
        assert response.status_code == 302

    made = list(AppointmentRequest.objects.order_by("received_at"))
    assert [r.status for r in made] == [Status.NEW, Status.NEW]  # the honeypot is not for staff
    assert all(r.entered_by == front_desk and r.client_key == "" for r in made)
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # the same emails, queued
    assert client.get(response["Location"]).status_code == 200


def test_only_staff_with_the_permission_can_enter_a_request(client, django_user_model):
    make_clinic()
    staff = django_user_model.objects.create_user("reader", is_staff=True, password="x-long-password-1")
    client.force_login(staff)

    assert client.get(reverse("admin:appointments_appointmentrequest_add")).status_code == 403
    assert get_user_model().objects.count() == 1
