"""Email down: the request never waits for the mail server, and each email goes out exactly once when it returns.

Serves a fresh SQLite site with gunicorn and the task queue's worker (as the
Procfile runs them), its SMTP backend pointed at a local port:

1. mail up (the suite's SMTP sink, tests/smtp_servers.py): wrk POSTs the form and GETs the home page
   for a few seconds: the baseline p99s;
2. mail hung (a server on that port that accepts and never answers): the same
   again: form POST p99 and the home page unchanged, every request stored;
3. mail back (the sink again): the worker retries by itself; each request's front
   desk email and patient email arrive exactly once, and
   `manage.py send_appointment_notifications` (the safety net) exits 0.

    python tests/bench/email_down.py [--seconds 5]
"""

import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import server_speed, support
from tests.helpers import run_manage
from tests.smtp_servers import SMTPServer

NAME = "email_down"
FRONT_DESK = "frontdesk@clinic.test"


def count(database_path, sql, params=()):
    database = sqlite3.connect(database_path, timeout=30)
    try:
        return database.execute(sql, params).fetchone()[0]
    finally:
        database.close()


def unsent(database_path):
    return count(
        database_path,
        "SELECT COUNT(*) FROM appointments_appointmentrequest WHERE status != 'spam' AND "
        "((front_desk_notified_at IS NULL AND front_desk_email_failed_at IS NULL) OR "
        "(patient_notified_at IS NULL AND patient_email_failed_at IS NULL))",
    )


def measure(server, database_path, seconds):
    load = {"duration": seconds, "connections": 8, "threads": 2}
    post = server_speed.post_form(server, database_path, **load)
    home = server_speed.wrk(f"{server.url}/", **load)
    return post, home


def main():
    args = support.bench_arguments(__doc__, seconds=5).parse_args()
    smtp_port = servers.free_port()
    with tempfile.TemporaryDirectory(prefix="prolo-email-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        env = support.sqlite_site(
            folder,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=servers.HOST,
            EMAIL_PORT=smtp_port,
            EMAIL_TIMEOUT=2,
            EMAIL_SEND_DEADLINE=5,
            APPOINTMENTS_NOTIFY_EMAILS=FRONT_DESK,
            APPOINTMENTS_RATE_LIMIT="off",
            APPOINTMENTS_EMAIL_RETRY_SECONDS=1,  # retries within the bench, not minutes later
        )
        database_path = Path(folder) / "bench.sqlite3"
        messages = []
        with (
            servers.Gunicorn(env, log_path=Path(folder) / "gunicorn.log") as server,
            servers.Worker(env, log_path=Path(folder) / "worker.log"),
        ):
            print("1. mail up: measuring form POST and the home page...", flush=True)
            with SMTPServer(port=smtp_port) as sink:
                post_up, home_up = measure(server, database_path, args.seconds)
                messages.extend(sink.messages)
            print("2. mail hung: the same again...", flush=True)
            with SMTPServer("hang", port=smtp_port) as hung:
                post_hung, home_hung = measure(server, database_path, args.seconds)
                stored_while_hung = post_hung["stored"]
                hung_connections = hung.connections
            print("3. mail back: waiting for the worker to send everything...", flush=True)
            started = time.monotonic()
            with SMTPServer(port=smtp_port) as sink:
                while unsent(database_path) and time.monotonic() - started < 600:
                    time.sleep(1)
                drained_after = time.monotonic() - started
                safety_net = run_manage("send_appointment_notifications", env=env)
                messages.extend(sink.messages)
        stored = count(database_path, "SELECT COUNT(*) FROM appointments_appointmentrequest")
        left = unsent(database_path)
        given_up = count(
            database_path,
            "SELECT COUNT(*) FROM appointments_appointmentrequest WHERE "
            "front_desk_email_failed_at IS NOT NULL OR patient_email_failed_at IS NOT NULL",
        )

    per_email = Counter((tuple(recipients), message["Subject"]) for recipients, message in messages)
    twice = sum(1 for times in per_email.values() if times > 1)
    print()
    support.print_table(
        ["", "form POST req/s", "form POST p99", "home p99"],
        [
            [
                "mail up",
                f"{post_up['rps']:.0f}",
                f"{post_up['p99_ms']:.0f} ms",
                f"{home_up['p99_ms']:.0f} ms",
            ],
            [
                "mail hung",
                f"{post_hung['rps']:.0f}",
                f"{post_hung['p99_ms']:.0f} ms",
                f"{home_hung['p99_ms']:.0f} ms",
            ],
        ],
    )
    print(
        f"\n{stored} requests stored; the hung server held {hung_connections} connection(s) from the worker; "
        f"the worker sent {len(messages)} email(s), the backlog {drained_after:.0f} s after the mail came back."
    )
    # "Unchanged": within a factor of two and 100 ms of the baseline (the machine is shared).
    checks = [
        (
            "form POST p99, mail hung",
            f"{post_hung['p99_ms']:.0f} ms",
            f"<= {2 * post_up['p99_ms'] + 100:.0f} ms",
            post_hung["p99_ms"] <= 2 * post_up["p99_ms"] + 100 and post_hung["errors"] == 0,
        ),
        (
            "home p99, mail hung",
            f"{home_hung['p99_ms']:.0f} ms",
            f"<= {2 * home_up['p99_ms'] + 100:.0f} ms",
            home_hung["p99_ms"] <= 2 * home_up["p99_ms"] + 100 and home_hung["errors"] == 0,
        ),
        ("requests stored while hung", str(stored_while_hung), "> 0", stored_while_hung > 0),
        ("emails left unsent", str(left), "0", left == 0),
        ("emails given up on", str(given_up), "0", given_up == 0),
        ("emails sent twice", str(twice), "0", twice == 0),
        ("safety net exit", str(safety_net.returncode), "0", safety_net.returncode == 0),
    ]
    support.print_targets(checks)
    support.save_result(NAME, status="ok", rows=checks)


if __name__ == "__main__":
    main()
