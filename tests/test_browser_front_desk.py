"""The front desk's morning in a real browser at 1280 x 800: the queue, one click per call, search, phone-in."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import AppointmentRequest, ContactAttempt
from tests.browser import SCREENSHOT_DIR, BrowserSession
from tests.factories import FRONT_DESK_PASSWORD, make_appointment_request, make_clinic, make_front_desk_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1280, "height": 800}
CHANGELIST = "/admin/appointments/appointmentrequest/"


@pytest.fixture
def desk(chromium, live_server, request):
    """A browser the size of the front desk's screen, logged in as a front-desk member."""
    make_clinic()
    user = make_front_desk_user()
    session = BrowserSession(chromium, live_server.url, test_name=request.node.name, viewport=SCREEN)
    page = session.page
    session.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", FRONT_DESK_PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    session.user = user
    yield session
    session.close()
    session.assert_clean()


def page_loads(page, action):
    """Run `action` and count the main frame's navigations it caused (a redirect and its page are one)."""
    loads = []

    def count(_page):
        loads.append(page.url)

    page.on("load", count)
    with page.expect_navigation():
        action()
    page.wait_for_load_state("load")
    page.remove_listener("load", count)
    return len(loads)


def assert_above_the_fold(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] + box["height"] <= SCREEN["height"], f"{selector} is below the fold ({box})"


def assert_no_sideways_scrolling(page):
    """Neither the page nor the list's own scrolling box (the admin's .results) is wider than the screen."""
    widths = page.evaluate(
        """[document.documentElement, ...document.querySelectorAll('#changelist .results')]
        .map(element => [element.scrollWidth, element.clientWidth])"""
    )
    assert all(scroll <= client for scroll, client in widths), f"something scrolls sideways: {widths}"


def test_a_morning_one_click_and_one_page_load_per_call(desk):
    now = timezone.now()
    overdue = make_appointment_request(
        name="Ana Hernández", phone="+17575550101", email="", received_at=now - timedelta(days=4),
        best_time="any", access_needs="Step-free access", needs_interpreter=True, interpreter_language="Spanish",
    )  # fmt: skip
    older = make_appointment_request(
        name="Ben Carter", phone="+17575550102", email="ben@example.com", received_at=now - timedelta(hours=5)
    )
    newest = make_appointment_request(
        name="Cy Dale", phone="+17575550103", email="cy@example.com", received_at=now - timedelta(hours=1)
    )
    page = desk.page

    desk.goto(CHANGELIST)
    assert_no_sideways_scrolling(page)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{desk.test_name}-queue-first-screen-1280x800.png"))
    names = page.locator("#result_list tbody th a").all_inner_texts()
    assert names == ["Ana Hernández", "Ben Carter", "Cy Dale"]  # overdue first, then oldest
    assert page.locator("#result_list .overdue").all_inner_texts() == ["Overdue"]
    for column in (
        "Arrived",
        "Name",
        "Phone",
        "Best time",
        "Visit",
        "Attempts",
        "Status",
        "Assigned to",
        "Overdue",
    ):
        expect(page.locator("#result_list thead")).to_contain_text(column)
    desk.check_page("queue")

    with page.expect_navigation():
        page.get_by_role("link", name="Ana Hernández").click()
    # What a caller needs is on the first screen: the number to dial is a tel: link.
    phone = page.locator(".caller__phone")
    assert phone.get_attribute("href") == "tel:+1-757-555-0101"
    for selector in (
        ".caller__phone",
        "text=Step-free access",
        "text=Previous attempts",
        ".log-call__outcome",
    ):
        assert_above_the_fold(page, selector)
    expect(page.locator(".caller")).to_contain_text("Interpreter (Spanish)")
    expect(page.locator(".caller")).to_contain_text("Overdue")
    assert page.locator(".log-call__outcome").last.bounding_box()["y"] < SCREEN["height"]
    assert_no_sideways_scrolling(page)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{desk.test_name}-request-first-screen-1280x800.png"))
    desk.check_page("request")

    # No answer: one click saves it, snoozes the request and opens the next in the queue.
    assert page_loads(page, lambda: page.get_by_role("button", name="No answer").click()) == 1
    assert page.url.endswith(f"/{older.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text(f"Logged “No answer” on {overdue.display_reference}")
    overdue.refresh_from_db()
    assert overdue.status == AppointmentRequest.Status.NEW
    assert overdue.next_attempt_at > timezone.now()
    attempt = ContactAttempt.objects.get(appointment_request=overdue)
    assert (attempt.outcome, attempt.staff_member) == ("no_answer", desk.user)

    # Booked, with a note: one click again, and the last one is next.
    page.fill("#id_note", "Booked Tuesday 10:00 with Dr Andrus")
    assert page_loads(page, lambda: page.get_by_role("button", name="Reached: booked").click()) == 1
    assert page.url.endswith(f"/{newest.pk}/change/")
    older.refresh_from_db()
    assert older.status == AppointmentRequest.Status.SCHEDULED
    assert older.contact_attempts.get().note == "Booked Tuesday 10:00 with Dr Andrus"
    assert older.history.first().history_user == desk.user  # through the workflow: recorded

    # Left a message: Contacted, snoozed; nobody else is due, so back to the list.
    assert page_loads(page, lambda: page.get_by_role("button", name="Left a message").click()) == 1
    assert page.url.endswith(CHANGELIST)
    expect(page.locator(".messagelist")).to_contain_text("Nobody else is due a call now")
    newest.refresh_from_db()
    assert newest.status == AppointmentRequest.Status.CONTACTED and newest.next_attempt_at

    # The snoozed ones wait at the bottom of the open work, each showing its attempt.
    names = page.locator("#result_list tbody th a").all_inner_texts()
    assert names == ["Ana Hernández", "Cy Dale", "Ben Carter"]
    expect(page.locator("#result_list tbody tr").first).to_contain_text("No answer")
    assert page.locator("#result_list .overdue").count() == 1  # still New, still overdue


def test_other_needs_a_note_and_nothing_is_lost_meanwhile(desk):
    appointment_request = make_appointment_request(name="Dana Evans")
    page = desk.page
    desk.goto(f"{CHANGELIST}{appointment_request.pk}/change/")

    page.check("#id_stay")
    with page.expect_navigation():
        page.get_by_role("button", name="Other (see note)").click()
    assert page.title().startswith("Error:")
    expect(page.locator(".log-call__errors")).to_be_focused()
    expect(page.locator(".log-call__errors")).to_contain_text("a note is needed for Other")
    assert page.locator("#id_stay").is_checked()  # what was chosen is kept
    assert ContactAttempt.objects.count() == 0
    desk.check_page("log-call-error")

    page.fill("#id_note", "Patient's son answered; will pass the message on")
    with page.expect_navigation():
        page.get_by_role("button", name="Other (see note)").click()
    assert page.url.endswith(f"/{appointment_request.pk}/change/")  # stayed, as asked
    expect(page.locator(".caller__attempts")).to_contain_text("will pass the message on")


def test_snoozed_until_the_time_chosen_then_back_in_the_queue(desk):
    later = make_appointment_request(name="Eve Ford", received_at=timezone.now() - timedelta(hours=3))
    make_appointment_request(name="Finn Gale", received_at=timezone.now() - timedelta(hours=2))
    page = desk.page
    desk.goto(f"{CHANGELIST}{later.pk}/change/")

    suggested = page.input_value("#id_next_attempt_at")
    assert suggested  # filled in from the patient's best time
    in_an_hour = timezone.localtime() + timedelta(hours=1)
    page.fill("#id_next_attempt_at", f"{in_an_hour:%Y-%m-%dT%H:%M}")
    with page.expect_navigation():
        page.get_by_role("button", name="No answer").click()

    later.refresh_from_db()
    assert timezone.localtime(later.next_attempt_at).strftime("%H:%M") == f"{in_an_hour:%H:%M}"
    desk.goto(f"{CHANGELIST}?queue=snoozed")
    assert page.locator("#result_list tbody th a").all_inner_texts() == ["Eve Ford"]

    # An hour later the retry has come: it is back among the calls due now, after new ones.
    AppointmentRequest.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    desk.goto(CHANGELIST)
    assert page.locator("#result_list tbody th a").all_inner_texts() == ["Finn Gale", "Eve Ford"]


@pytest.mark.parametrize("term", ["0199", "555-0199", "(757) 555-0199", "hernandez", "HERNÁNDEZ", "ana@"])
def test_search_finds_a_caller_however_they_say_it(desk, term):
    make_appointment_request(name="Ana Hernández", phone="+17575550199", email="ana@example.com")
    make_appointment_request(name="Someone Else", phone="+17575550142", email="else@example.com")
    page = desk.page
    desk.goto(CHANGELIST)

    page.fill("#searchbar", term)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("#result_list tbody th a").all_inner_texts() == ["Ana Hernández"]


def test_a_request_taken_by_phone(desk):
    page = desk.page
    desk.goto("/admin/")
    expect(page.locator("#front-desk-counts")).to_contain_text("New")
    with page.expect_navigation():
        page.get_by_role("link", name="Enter a request taken by phone").click()
    desk.check_page("phone-in")

    with page.expect_navigation():
        page.get_by_role("button", name="Save the request").click()
    assert page.title().startswith("Error:")
    expect(page.locator(".error-summary")).to_contain_text("Enter your name.")  # the public form's own rules
    desk.check_page("phone-in-errors")

    page.fill("#id_name", "Gus Hill")
    page.check("#id_patient_type_0")
    page.check("#id_contact_method_0")
    page.fill("#id_phone", "(757) 555-0177")
    page.check("#id_visit_type_0")
    page.check("#id_areas_0")
    page.check("#id_acknowledged_not_emergency")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the request").click()

    created = AppointmentRequest.objects.get()
    assert created.entered_by == desk.user and created.client_key == ""
    expect(page.locator(".messagelist")).to_contain_text(created.display_reference)
    expect(page.locator(".caller")).to_contain_text(f"Entered by {desk.user.username}")
