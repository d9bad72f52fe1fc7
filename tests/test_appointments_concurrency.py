"""Many patients at once: 200 requests from 20 parallel clients against the live server all land."""

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import pytest
from django.core import mail
from django.test import override_settings

from appointments.models import AppointmentRequest
from tests.factories import appointment_request_answers, make_clinic
from tests.helpers import FORM_URL, RECEIVED_URL, hidden_input
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 20
REQUESTS_PER_CLIENT = 10


class Patient:
    """One browser: its own cookies (CSRF, session), following redirects as a browser does."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def send_request(self, name):
        """GET the form, POST it, follow the redirect; returns the reference shown."""
        with self.opener.open(f"{self.base_url}{FORM_URL}", timeout=60) as response:
            page = response.read().decode()
        answers = appointment_request_answers(
            name=name,
            csrfmiddlewaretoken=hidden_input(page, "csrfmiddlewaretoken"),
            submission_token=hidden_input(page, "submission_token"),
        )
        body = urllib.parse.urlencode(answers, doseq=True).encode()
        with self.opener.open(f"{self.base_url}{FORM_URL}", data=body, timeout=60) as response:
            assert response.url.endswith(RECEIVED_URL), response.url
            confirmation = response.read().decode()
        return re.search(r'<p class="confirmation__reference">([A-Z0-9-]+)</p>', confirmation)[1]


@override_settings(APPOINTMENTS_RATE_LIMIT=None)
def test_200_requests_from_20_parallel_clients_all_land_with_their_own_reference(live_server, mailoutbox):
    make_clinic()
    references, errors = [], []
    lock = threading.Lock()

    def patient_sends_requests(client_number):
        patient = Patient(live_server.url)
        for number in range(REQUESTS_PER_CLIENT):
            try:
                reference = patient.send_request(f"Parallel Patient {client_number}-{number}")
            except Exception as error:  # collected and reported below
                with lock:
                    errors.append(f"client {client_number}, request {number}: {error!r}")
            else:
                with lock:
                    references.append(reference)

    threads = [threading.Thread(target=patient_sends_requests, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    total = CLIENTS * REQUESTS_PER_CLIENT
    assert len(references) == total
    assert len(set(references)) == total
    stored = AppointmentRequest.objects.filter(name__startswith="Parallel Patient ")
    assert stored.count() == total
    assert {r.display_reference for r in stored} == set(references)
    assert set(stored.values_list("status", flat=True)) == {AppointmentRequest.Status.NEW}
    # Each one's emails wait in the queue; the worker then sends every one, once.
    assert mail.outbox == []
    run_worker()
    assert len(mail.outbox) == 2 * total
    assert not stored.filter(front_desk_notified_at__isnull=True).exists()
    assert not stored.filter(patient_notified_at__isnull=True).exists()
