"""Two app servers, one PostgreSQL and one Redis: what one server knows, the other knows.

Starts two gunicorns on different ports against the test database and a Redis
database, as the clinic would run them behind a load balancer, and shows that
the appointment rate limit counts across both and that a login on one is a login
on the other. Runs in the PostgreSQL pass of the suite (`.ci/run`).
"""

import os
import secrets
import socket
import uuid
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.helpers import hidden_input, run_manage
from tests.servers import Client, Gunicorn, production_env, submit_appointment_request

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The app servers' shared cache: any database the Redis has free (TEST_REDIS_DB to choose).
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "7"))


def redis_reachable():
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two servers need one shared database: runs with DATABASE_URL=postgres://... (the PostgreSQL pass)",
    ),
    pytest.mark.skipif(
        not redis_reachable(),
        reason=f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT} (the shared cache)",
    ),
]


def database_url():
    """The test database pytest-django made, as a DATABASE_URL for the servers."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    """Two gunicorns behind an imaginary load balancer: same database, same Redis,
    same secret key, different ports and processes."""
    env = production_env(
        DATABASE_URL=database_url(),
        CACHE_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",  # the client address comes from X-Forwarded-For, as behind a balancer
        APPOINTMENTS_RATE_LIMIT="3/10m",
        DJANGO_CONN_MAX_AGE="0",  # so the test database can be dropped as soon as the servers stop
    )
    # Pages need the static manifest.
    run_manage("collectstatic", "--noinput", "--verbosity", "0", env=env, timeout=600, check=True)
    servers = [Gunicorn(env, workers=2, log_path=tmp_path / f"gunicorn-{name}.log") for name in ("a", "b")]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def a_client_address():
    """An address no other test run uses, so the shared rate-limit count is this test's alone."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def test_rate_limit_counts_requests_sent_to_either_server(two_servers):
    from appointments.models import AppointmentRequest

    server_a, server_b = two_servers
    address = a_client_address()
    statuses = []
    for server, number in ((server_a, 1), (server_a, 2), (server_b, 3), (server_b, 4)):
        client = Client(server.url, headers={"X-Forwarded-For": address})
        acknowledged, status = submit_appointment_request(client, f"SCALE-{uuid.uuid4().hex[:8]}-{number}")
        statuses.append((acknowledged, status))

    # Three in ten minutes are allowed, wherever they land; the fourth is refused,
    # although server B has seen only two.
    assert statuses == [(True, 302), (True, 302), (True, 302), (False, 429)]
    assert AppointmentRequest.objects.filter(name__startswith="Bench Patient SCALE-").count() == 3


def test_a_login_on_one_server_is_valid_on_the_other(two_servers):
    server_a, server_b = two_servers
    password = secrets.token_urlsafe(16)
    # The servers use Django's default hasher, not the suite's fast MD5 one.
    get_user_model().objects.create(
        username="scale-out-admin",
        password=PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt()),
        is_staff=True,
        is_superuser=True,
    )
    headers = {"X-Forwarded-For": a_client_address()}

    on_a = Client(server_a.url, headers=headers)
    status, _, page = on_a.get("/admin/login/?next=/admin/")
    assert status == 200
    status, response_headers, _ = on_a.post(
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": hidden_input(page, "csrfmiddlewaretoken"),
            "username": "scale-out-admin",
            "password": password,
            "next": "/admin/",
        },
    )
    assert status == 302 and response_headers["Location"] == "/admin/"
    session_id = on_a.cookie("sessionid")
    assert session_id

    on_b = Client(server_b.url, headers=headers)
    status, _, page = on_b.get("/admin/", headers={"Cookie": f"sessionid={session_id}"})
    assert status == 200
    assert "scale-out-admin" in page.lower()
    assert 'action="/admin/logout/"' in page

    # Without the cookie, server B sends the visitor to its login page: it was the session that counted.
    status, response_headers, _ = Client(server_b.url, headers=headers).get("/admin/")
    assert status == 302 and response_headers["Location"].startswith("/admin/login/")
