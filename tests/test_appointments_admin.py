"""The front desk's admin: the list, its filters and search, the workflow, bulk actions, CSV, history."""

import csv
import difflib
import io
import re
from datetime import timedelta
from pathlib import Path

import django.contrib.admin
import pytest
import simple_history
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.workflow import appointment_request_update
from tests.factories import (
    make_appointment_request,
    make_clinic,
    make_contact_attempt,
    make_front_desk_user,
    make_provider,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/appointments/appointmentrequest/"


def change_url(appointment_request):
    return reverse("admin:appointments_appointmentrequest_change", args=[appointment_request.pk])


def admin_url(view, appointment_request, *args):
    return reverse(f"admin:appointments_appointmentrequest_{view}", args=[appointment_request.pk, *args])


@pytest.fixture
def front_desk(client):
    make_clinic()
    user = make_front_desk_user()
    client.force_login(user)
    return user


def listed_references(client, query=""):
    """The references of the listed requests, in the list's order (the list links each name)."""
    html = client.get(f"{CHANGELIST}{query}").content.decode()
    pks = [
        int(pk)
        for pk in re.findall(rf'<th class="field-name_display"><a href="{CHANGELIST}(\d+)/change/', html)
    ]
    references = dict(AppointmentRequest.objects.filter(pk__in=pks).values_list("pk", "reference"))
    return [AppointmentRequest(reference=references[pk]).display_reference for pk in pks]


def change_form_data(appointment_request, **overrides):
    attempts = appointment_request.contact_attempts.count()
    data = {
        "status": appointment_request.status,
        "close_reason": appointment_request.close_reason,
        "assigned_to": appointment_request.assigned_to_id or "",
        "staff_notes": appointment_request.staff_notes,
        "contact_attempts-TOTAL_FORMS": str(attempts),
        "contact_attempts-INITIAL_FORMS": str(attempts),
        "contact_attempts-MIN_NUM_FORMS": "0",
        "contact_attempts-MAX_NUM_FORMS": "1000",
    }
    for index, attempt in enumerate(appointment_request.contact_attempts.all()):
        local = timezone.localtime(attempt.attempted_at)
        data.update(
            {
                f"contact_attempts-{index}-id": str(attempt.pk),
                f"contact_attempts-{index}-appointment_request": str(appointment_request.pk),
                f"contact_attempts-{index}-attempted_at": f"{local:%Y-%m-%dT%H:%M:%S}",
                f"contact_attempts-{index}-outcome": attempt.outcome,
                f"contact_attempts-{index}-note": attempt.note,
            }
        )
    data.update(overrides)
    return data


def run_action(client, action, *appointment_requests, query=""):
    return client.post(
        f"{CHANGELIST}{query}",
        {"action": action, "_selected_action": [str(r.pk) for r in appointment_requests], "index": "0"},
    )


# --- The Front desk group ----------------------------------------------------------------


def test_front_desk_group_can_work_requests_and_nothing_else():
    group = Group.objects.get(name="Front desk")  # made by the data migration

    permissions = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())

    # Saved contact attempts are never edited (no change_contactattempt); requests taken by
    # phone are added; closure days are the front desk's to keep.
    assert permissions == [
        "appointments.add_appointmentrequest",
        "appointments.add_closureday",
        "appointments.add_contactattempt",
        "appointments.change_appointmentrequest",
        "appointments.change_closureday",
        "appointments.delete_closureday",
        "appointments.view_appointmentrequest",
        "appointments.view_closureday",
        "appointments.view_contactattempt",
        "prolo_site.view_provider",
    ]


@pytest.mark.django_db(transaction=True)
def test_front_desk_group_migration_is_reversible():
    executor = MigrationExecutor(connection)
    executor.migrate([("appointments", "0001_initial")])
    assert not Group.objects.filter(name="Front desk").exists()

    executor = MigrationExecutor(connection)
    executor.migrate([("appointments", "0002_front_desk_group")])
    group = Group.objects.get(name="Front desk")
    # Back to the latest schema, which the tests after this one use.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert group.permissions.count() == 10
    assert not group.permissions.filter(
        codename__in=["delete_appointmentrequest", "delete_contactattempt", "change_contactattempt"]
    ).exists()


def test_demo_front_desk_account_gets_the_group_and_can_work_requests():
    call_command("create_demo_staff", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="frontdesk")

    assert user.groups.filter(name="Front desk").exists()
    assert user.has_perm("appointments.change_appointmentrequest")
    assert not user.has_perm("appointments.delete_appointmentrequest")
    assert not user.has_perm("auth.change_user")


def test_front_desk_cannot_delete_requests_or_manage_users(client, front_desk):
    appointment_request = make_appointment_request()

    assert client.get(admin_url("delete", appointment_request)).status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    html = client.get(CHANGELIST).content.decode()
    assert 'value="delete_selected"' not in html
    assert "deletelink" not in client.get(change_url(appointment_request)).content.decode()
    assert not Permission.objects.filter(
        group__name="Front desk", codename__in=["delete_appointmentrequest", "delete_contactattempt"]
    ).exists()


# --- The list ------------------------------------------------------------------------------


def test_list_shows_what_the_front_desk_needs_for_each_request(client, front_desk):
    appointment_request = make_appointment_request(
        received_at=timezone.now() - timedelta(hours=3),
        email="maria@example.com",
        best_time="afternoon",
        visit_type="telehealth",
        areas="knee,ankle_foot",
        assigned_to=front_desk,
    )

    html = client.get(CHANGELIST).content.decode()

    assert "3\xa0hours ago" in html
    assert f'<a href="{change_url(appointment_request)}">Maria Example</a>' in html
    assert '<td class="field-phone_display">(757) 555-0142</td>' in html
    assert '<td class="field-best_time">Afternoon</td>' in html
    assert '<td class="field-visit_type_display">Telehealth</td>' in html
    assert '<td class="field-attempts_display">None yet</td>' in html
    assert '<td class="field-status">New</td>' in html
    assert '<td class="field-assigned_to nowrap">frontdesk</td>' in html
    assert '<td class="field-overdue_display"></td>' in html  # nothing at all when not overdue


def test_spam_is_hidden_unless_the_status_filter_asks_for_it(client, front_desk):
    real = make_appointment_request()
    spam = make_appointment_request(name="Cheap Pills", status="spam")

    assert listed_references(client) == [real.display_reference]
    assert listed_references(client, "?status=spam") == [spam.display_reference]
    assert "All except spam" in client.get(CHANGELIST).content.decode()


def test_default_order_is_new_requests_oldest_first(client, front_desk):
    now = timezone.now()
    contacted_oldest = make_appointment_request(status="contacted", received_at=now - timedelta(days=5))
    new_newer = make_appointment_request(received_at=now - timedelta(hours=1))
    new_older = make_appointment_request(received_at=now - timedelta(days=2))

    assert listed_references(client) == [
        new_older.display_reference,
        new_newer.display_reference,
        contacted_oldest.display_reference,
    ]


def test_overdue_flag_marks_requests_still_new_after_one_business_day(client, front_desk):
    overdue = make_appointment_request(received_at=timezone.now() - timedelta(days=5))
    make_appointment_request(received_at=timezone.now() - timedelta(minutes=5))
    make_appointment_request(status="contacted", received_at=timezone.now() - timedelta(days=5))

    html = client.get(CHANGELIST).content.decode()

    # Plain red text, and nothing for the others: no icons to read backwards.
    assert html.count('<td class="field-overdue_display"><strong class="overdue">Overdue</strong></td>') == 1
    assert html.count('<td class="field-overdue_display"></td>') == 2
    assert "icon-yes" not in html and "icon-no" not in html
    assert listed_references(client, "?overdue=yes") == [overdue.display_reference]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?visit_type=telehealth", ["telehealth"]),
        ("?patient_type=returning", ["returning"]),
        ("?area=hip", ["hip", "knee-and-hip"]),
        ("?area=knee", ["knee-and-hip", "telehealth", "returning"]),
        ("?status=contacted", ["contacted"]),
    ],
)
def test_filters_narrow_the_list(client, front_desk, query, expected):
    made = {
        "telehealth": make_appointment_request(name="telehealth", visit_type="telehealth", areas="knee"),
        "returning": make_appointment_request(name="returning", patient_type="returning", areas="knee"),
        "hip": make_appointment_request(name="hip", areas="hip"),
        "knee-and-hip": make_appointment_request(name="knee-and-hip", areas="knee,hip"),
        "contacted": make_appointment_request(name="contacted", status="contacted", areas="neck"),
    }
    listed = listed_references(client, query)

    assert sorted(listed) == sorted(made[name].display_reference for name in expected)


def test_provider_assigned_to_me_and_received_date_filters(client, front_desk):
    provider = make_provider()
    with_provider = make_appointment_request(preferred_provider=provider)
    mine = make_appointment_request(assigned_to=front_desk)
    old = make_appointment_request(received_at=timezone.now() - timedelta(days=40))

    assert listed_references(client, f"?preferred_provider__id__exact={provider.pk}") == [
        with_provider.display_reference
    ]
    assert listed_references(client, "?assigned=me") == [mine.display_reference]
    html = client.get(CHANGELIST).content.decode()
    past_week = re.search(r'<a href="(\?received_at__gte=[^"]+)">Past 7 days</a>', html)[1].replace(
        "&amp;", "&"
    )
    assert old.display_reference not in listed_references(client, past_week)
    assert mine.display_reference in listed_references(client, past_week)


def test_one_date_drill_down_the_received_filter(client, front_desk):
    now = timezone.localtime()
    two_years_ago = make_appointment_request(received_at=now.replace(year=now.year - 2, month=3, day=10))
    this_year = make_appointment_request(received_at=now)

    html = client.get(CHANGELIST).content.decode()
    this_year_link = re.search(r'<a href="(\?received_at__gte=[^"]+)">This year</a>', html)[1]

    assert '<nav class="toplinks">' not in html  # no second drill-down (Django's date hierarchy)
    assert listed_references(client, this_year_link.replace("&amp;", "&")) == [this_year.display_reference]
    assert two_years_ago.display_reference in listed_references(client)


@pytest.mark.parametrize(
    "term", ["Maria Ex", "maria@example", "(757) 555-0142", "757-555-0142", "REFERENCE", "reference-lower"]
)
def test_search_finds_requests_by_name_phone_email_or_reference(client, front_desk, term):
    wanted = make_appointment_request()
    make_appointment_request(name="Someone Else", phone="+17575550199", email="else@example.com")
    if term == "REFERENCE":
        term = wanted.display_reference
    elif term == "reference-lower":
        term = wanted.reference.lower()

    assert listed_references(client, f"?q={term}") == [wanted.display_reference]


def test_list_pages_50_at_a_time(client, front_desk):
    now = timezone.now()
    AppointmentRequest.objects.bulk_create(
        AppointmentRequest(
            reference=f"TEST{number:04d}", name=f"Patient {number}", phone="+17575550142",
            contact_method="phone", patient_type="new", visit_type="either", areas="knee",
            received_at=now - timedelta(minutes=number),
        )
        for number in range(51)
    )  # fmt: skip

    html = client.get(CHANGELIST).content.decode()

    assert len(listed_references(client)) == 50
    assert "51 appointment requests" in html
    assert '?p=2"' in html


def test_list_queries_do_not_grow_with_the_rows(client, front_desk):
    provider = make_provider()
    for _ in range(3):
        make_appointment_request(preferred_provider=provider, assigned_to=front_desk)
    client.get(CHANGELIST)  # the login's first visit also pushes its idle expiry back (one write)
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for _ in range(30):
        make_appointment_request(preferred_provider=provider, assigned_to=front_desk)
    with CaptureQueriesContext(connection) as many:
        client.get(CHANGELIST)

    assert len(many) == len(few)


def test_patient_markup_is_shown_escaped_in_the_list_and_the_form(client, front_desk):
    appointment_request = make_appointment_request(
        name="<script>alert('name')</script>", message="<img src=x onerror=alert(1)>"
    )

    listing = client.get(CHANGELIST).content.decode()
    form = client.get(change_url(appointment_request)).content.decode()

    assert "<script>alert('name')</script>" not in listing
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in listing
    assert "<img src=x onerror" not in form
    assert "&lt;img src=x onerror=alert(1)&gt;" in form


# --- The workflow ------------------------------------------------------------------------------


def test_front_desk_works_a_request_from_new_to_scheduled(client, front_desk):
    appointment_request = make_appointment_request()

    response = client.post(
        change_url(appointment_request), change_form_data(appointment_request, status="contacted")
    )
    assert response.status_code == 302
    appointment_request.refresh_from_db()
    assert appointment_request.status == "contacted"

    client.post(
        change_url(appointment_request),
        change_form_data(appointment_request, status="scheduled", staff_notes="Booked Tue 10:00"),
    )
    appointment_request.refresh_from_db()
    assert appointment_request.status == "scheduled"
    assert appointment_request.staff_notes == "Booked Tue 10:00"


def test_closing_a_request_needs_a_reason(client, front_desk):
    appointment_request = make_appointment_request()

    response = client.post(
        change_url(appointment_request), change_form_data(appointment_request, status="closed")
    )
    assert response.status_code == 200
    assert "Choose why the request was closed." in response.content.decode()
    appointment_request.refresh_from_db()
    assert appointment_request.status == "new"

    client.post(
        change_url(appointment_request),
        change_form_data(appointment_request, status="closed", close_reason="no_answer"),
    )
    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.close_reason) == ("closed", "no_answer")


def test_close_reason_choices_cover_the_usual_endings():
    assert [value for value, _ in AppointmentRequest.CloseReason.choices] == [
        "booked_elsewhere",
        "not_suitable",
        "no_answer",
        "patient_declined",
        "wrong_details",
        "duplicate",
        "other",
    ]


def test_what_the_patient_sent_is_read_only(client, front_desk):
    appointment_request = make_appointment_request()

    html = client.get(change_url(appointment_request)).content.decode()
    client.post(
        change_url(appointment_request),
        change_form_data(appointment_request, name="Changed By Staff", phone="+17575550000", areas="neck"),
    )

    appointment_request.refresh_from_db()
    assert appointment_request.name == "Maria Example"
    assert appointment_request.areas == "knee,lower_back"
    assert 'name="name"' not in html
    assert 'name="phone"' not in html
    assert '<select name="status"' in html
    assert 'name="staff_notes"' in html


def test_a_saved_contact_attempt_cannot_be_edited_through_the_change_form(client, front_desk):
    appointment_request = make_appointment_request()
    attempt = make_contact_attempt(appointment_request, staff_member=front_desk, note="No answer")
    data = change_form_data(appointment_request)
    data["contact_attempts-0-note"] = "Spoke to her"  # not a field any more: read-only
    data["contact_attempts-0-outcome"] = "spoke"

    response = client.post(change_url(appointment_request), data)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.outcome, attempt.note) == ("voicemail", "No answer")
    html = client.get(change_url(appointment_request)).content.decode()
    assert 'name="contact_attempts-0-note"' not in html
    with pytest.raises(ValueError, match="never edited"):
        attempt.save()


def test_history_shows_who_changed_what(client, front_desk):
    appointment_request = make_appointment_request()

    client.post(change_url(appointment_request), change_form_data(appointment_request, status="contacted"))
    html = client.get(admin_url("history", appointment_request)).content.decode()

    latest = appointment_request.history.first()
    assert latest.history_user == front_desk
    assert latest.status == "contacted"
    assert appointment_request.history.count() == 2
    assert "frontdesk" in html
    assert re.search(r"<strong>Status:</strong>\s*new\s*&nbsp;&rarr;&nbsp;&nbsp;contacted", html)


def test_history_cannot_be_used_to_revert(client, front_desk):
    appointment_request = make_appointment_request()
    client.post(change_url(appointment_request), change_form_data(appointment_request, status="contacted"))
    first = appointment_request.history.last()

    url = admin_url("simple_history", appointment_request, first.history_id)
    assert client.get(url).status_code == 200
    assert client.post(url, change_form_data(appointment_request, status="new")).status_code == 403
    appointment_request.refresh_from_db()
    assert appointment_request.status == "contacted"


def test_an_anonymised_request_cannot_be_changed(client, front_desk):
    appointment_request = make_appointment_request(
        status="closed",
        close_reason="other",
        anonymised_at=timezone.now(),
        name="(removed)",
        phone="",
        email="",
    )
    history_before = appointment_request.history.count()
    data = change_form_data(appointment_request, status="new", close_reason="", staff_notes="Reopened")

    html = client.get(change_url(appointment_request)).content.decode()
    client.post(change_url(appointment_request), data)
    logging = client.post(admin_url("log_call", appointment_request), {"outcome": "voicemail", "note": "Hi"})
    run_action(client, "mark_spam", appointment_request)
    run_action(client, "assign_to_me", appointment_request)

    assert '<select name="status"' not in html
    assert "Log a call" not in html
    assert logging.status_code == 403
    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.staff_notes) == ("closed", "")
    assert appointment_request.assigned_to is None
    assert appointment_request.contact_attempts.count() == 0
    assert appointment_request.history.count() == history_before


def test_the_workflow_refuses_changes_to_an_anonymised_request_and_closing_without_a_reason():
    appointment_request = make_appointment_request(anonymised_at=timezone.now())

    with pytest.raises(ValidationError, match=r"An anonymised request cannot be changed\."):
        appointment_request_update(appointment_request=appointment_request, status="contacted")
    with pytest.raises(ValidationError, match=r"Choose why the request was closed\."):
        appointment_request_update(appointment_request=make_appointment_request(), status="closed")


# --- Bulk actions ------------------------------------------------------------------------


def test_bulk_mark_contacted_changes_only_new_requests(client, front_desk):
    new = make_appointment_request()
    scheduled = make_appointment_request(status="scheduled")

    response = run_action(client, "mark_contacted", new, scheduled)

    assert response.status_code == 302
    new.refresh_from_db()
    scheduled.refresh_from_db()
    assert new.status == "contacted"
    assert scheduled.status == "scheduled"
    assert new.history.first().history_user == front_desk


def test_bulk_assign_to_me(client, front_desk):
    first, second = make_appointment_request(), make_appointment_request()

    run_action(client, "assign_to_me", first, second)

    assert set(AppointmentRequest.objects.values_list("assigned_to", flat=True)) == {front_desk.pk}


def test_bulk_mark_spam_hides_them_from_the_default_list(client, front_desk):
    spam = make_appointment_request(name="Cheap Pills")
    real = make_appointment_request()

    run_action(client, "mark_spam", spam)

    spam.refresh_from_db()
    assert spam.status == "spam"
    assert listed_references(client) == [real.display_reference]


def test_csv_export_of_the_selected_requests(client, front_desk):
    first = make_appointment_request(
        message="Line one\nLine two", interpreter_language="Spanish", needs_interpreter=True
    )
    make_appointment_request(name="Not Selected")

    response = run_action(client, "export_csv", first)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert re.fullmatch(
        r'attachment; filename="appointment-requests-\d{4}-\d{2}-\d{2}-\d{6}\.csv"',
        response["Content-Disposition"],
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Reference", "Received", "Status", "Close reason", "Name", "Phone"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == first.display_reference
    assert row["Name"] == "Maria Example"
    assert row["Phone"] == "(757) 555-0142"
    assert row["Areas"] == "Knee, Lower back"
    assert row["Message"] == "Line one\nLine two"
    assert row["Interpreter language"] == "Spanish"


def test_csv_export_cannot_smuggle_spreadsheet_formulas_in_any_column(client, front_desk):
    provider = make_provider(name="=cmd|' /C calc'!A0")
    assignee = get_user_model().objects.create_user(username="@evil", password="unused-password-1234")
    dangerous = make_appointment_request(
        name='=HYPERLINK("http://evil.example","Click")',
        phone="+442079460958",
        message="@SUM(1+1)",
        access_needs=" -2+3",
        needs_interpreter=True,
        interpreter_language="\uff1dSUM(A1)",
        staff_notes="+cmd",
        preferred_provider=provider,
        assigned_to=assignee,
    )

    response = run_action(client, "export_csv", dangerous)

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["Phone"] == "'+44 20 7946 0958"
    assert row["Message"] == "'@SUM(1+1)"
    assert row["Access needs"] == "' -2+3"
    assert row["Interpreter language"] == "'\uff1dSUM(A1)"
    # Not only what the patient typed: staff notes, provider names and usernames too.
    assert row["Staff notes"] == "'+cmd"
    assert row["Provider"] == "'=cmd|' /C calc'!A0, MD"
    assert row["Assigned to"] == "'@evil"


def test_contact_attempts_show_on_the_request_read_only(client, front_desk):
    appointment_request = make_appointment_request()
    make_contact_attempt(appointment_request, staff_member=front_desk, note="No answer, try tomorrow")

    html = client.get(change_url(appointment_request)).content.decode()

    assert "Previous attempts" in html
    assert "No answer, try tomorrow" in html
    assert 'name="contact_attempts-0-note"' not in html  # shown, never editable


# --- Copies of third-party templates -------------------------------------------------------------

# Each copy differs from the installed original by these lines only (removed, added), so an
# upgrade that changes the original fails here instead of being silently hidden by the copy.
TEMPLATE_COPIES = [
    (
        # simple-history's list has an inline style attribute, which the Content-Security-Policy blocks.
        Path(simple_history.__file__).parent / "templates/simple_history/object_history_list.html",
        Path(settings.BASE_DIR) / "templates/appointments/admin/object_history_list.html",
        ['<p class="paginator" style="border-top: 0">'],
        [
            "{# simple_history's list without its inline style attribute, which the "
            "Content-Security-Policy blocks. #}",
            '<p class="paginator">',
        ],
    ),
    (
        # Django's search box is labelled only by an icon's alt text.
        Path(django.contrib.admin.__file__).parent / "templates/admin/search_form.html",
        Path(settings.BASE_DIR) / "templates/admin/search_form.html",
        ['<label for="searchbar"><img src="{% static "admin/img/search.svg" %}" alt="Search"></label>'],
        [
            "{# Django's search box is labelled only by an icon; staff and screen readers get the word too. #}",
            '<label for="searchbar"><img src="{% static "admin/img/search.svg" %}" alt=""> '
            '{% translate "Search" %}</label>',
        ],
    ),
]


@pytest.mark.parametrize(
    ("original", "copy", "removed", "added"), TEMPLATE_COPIES, ids=lambda v: str(v)[-30:]
)
def test_a_template_copy_changes_only_its_intended_lines(original, copy, removed, added):
    diff = list(
        difflib.unified_diff(
            original.read_text().splitlines(), copy.read_text().splitlines(), lineterm="", n=0
        )
    )
    changes = [line for line in diff if not line.startswith(("---", "+++", "@@"))]

    assert [line[1:] for line in changes if line.startswith("-")] == removed
    assert [line[1:] for line in changes if line.startswith("+")] == added


def test_the_history_page_uses_the_csp_safe_copy(client, front_desk):
    appointment_request = make_appointment_request()

    html = client.get(admin_url("history", appointment_request)).content.decode()

    assert '<p class="paginator">' in html
    assert "style=" not in html
