"""Email down: requests still go through, and each email goes out exactly once when it returns.

Serves a fresh SQLite site with gunicorn, its SMTP backend pointed at a port on
127.0.0.1 where nothing listens. Sends N appointment requests (each with an
email address, so each needs a front desk email and a patient confirmation):
all must be acknowledged and stored, with both emails still unsent.

Then starts a small SMTP sink (below: plain asyncio, it keeps every message in
memory) on that port and runs `manage.py send_appointment_notifications` twice.
Each request's front desk email and patient email must arrive exactly once: the
first run sends them all, the second sends nothing.

    python tests/bench/email_down.py [--requests 10]
"""

import asyncio
import email
import email.policy
import sqlite3
import sys
import tempfile
import threading
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import support
from tests.helpers import run_manage

NAME = "email_down"
FRONT_DESK = "frontdesk@clinic.test"


class SmtpSink:
    """Just enough SMTP for smtplib (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); keeps what it gets."""

    def __init__(self, port):
        self.port = port
        self.messages = []  # (envelope recipients, parsed message)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = None

    async def session(self, reader, writer):
        def reply(text):
            writer.write(f"{text}\r\n".encode())

        recipients = []
        reply("220 bench-sink ESMTP")
        while line := await reader.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            if verb == "EHLO":
                reply("250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8")
            elif verb in ("HELO", "NOOP"):
                reply("250 OK")
            elif verb == "MAIL":
                recipients = []
                reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                lines = []
                while (data_line := await reader.readline()) not in (b".\r\n", b""):
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.messages.append((recipients, message))
                recipients = []
                reply("250 OK: queued")
            elif verb == "RSET":
                recipients = []
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 Bye")
                await writer.drain()
                break
            else:
                reply("502 Command not implemented")
            await writer.drain()
        writer.close()

    def __enter__(self):
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.session, servers.HOST, self.port), self.loop
        ).result(timeout=10)
        return self

    def __exit__(self, *exc):
        self.server.close()
        asyncio.run_coroutine_threadsafe(self.server.wait_closed(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def stored_requests(database_path, prefix):
    database = sqlite3.connect(database_path, timeout=30)
    try:
        return database.execute(
            "SELECT reference, email, front_desk_notified_at, patient_notified_at "
            "FROM appointments_appointmentrequest WHERE name LIKE ? ORDER BY id",
            [f"Bench Patient {prefix}-%"],
        ).fetchall()
    finally:
        database.close()


def display_reference(reference):
    half = len(reference) // 2
    return f"{reference[:half]}-{reference[half:]}"


def main():
    args = support.bench_arguments(__doc__, requests=10).parse_args()
    smtp_port = servers.free_port()  # closed: nothing listens there until the sink starts
    prefix = f"MAIL{uuid.uuid4().hex[:6].upper()}"
    with tempfile.TemporaryDirectory(prefix="prolo-email-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        env = support.sqlite_site(
            folder,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=servers.HOST,
            EMAIL_PORT=smtp_port,
            EMAIL_TIMEOUT=5,
            APPOINTMENTS_NOTIFY_EMAILS=FRONT_DESK,
        )
        database_path = Path(folder) / "bench.sqlite3"

        print(
            f"SMTP is down (nothing on 127.0.0.1:{smtp_port}); sending {args.requests} requests...",
            flush=True,
        )
        with servers.Gunicorn(env, log_path=Path(folder) / "gunicorn.log") as server:
            answers = [
                servers.submit_appointment_request(servers.Client(server.url), f"{prefix}-{number}")
                for number in range(1, args.requests + 1)
            ]
        acknowledged = sum(ok for ok, _ in answers)
        before = stored_requests(database_path, prefix)
        unsent_before = sum(front is None and patient is None for _, _, front, patient in before)

        print("SMTP is back (a local sink); running send_appointment_notifications twice...", flush=True)
        with SmtpSink(smtp_port) as sink:
            runs = [run_manage("send_appointment_notifications", env=env, check=False) for _ in range(2)]
            messages = list(sink.messages)
        after = stored_requests(database_path, prefix)

    print()
    for number, run in enumerate(runs, 1):
        said = (run.stdout + run.stderr).strip().replace("\n", " | ")
        print(f"  run {number} (exit {run.returncode}): {said}")

    # Each request: how many front desk emails and patient emails name its reference.
    deliveries = []
    for reference, address, front_desk_at, patient_at in after:
        shown = display_reference(reference)
        to_front_desk = sum(
            FRONT_DESK in recipients and shown in message["Subject"] for recipients, message in messages
        )
        to_patient = sum(
            address in recipients and shown in message["Subject"] for recipients, message in messages
        )
        deliveries.append(
            (shown, to_front_desk, to_patient, front_desk_at is not None and patient_at is not None)
        )
    exactly_once = sum(front == 1 and patient == 1 and marked for _, front, patient, marked in deliveries)

    print()
    support.print_table(
        ["reference", "front desk emails", "patient emails", "marked sent"],
        [
            [shown, str(front), str(patient), "yes" if marked else "no"]
            for shown, front, patient, marked in deliveries
        ],
    )
    print(f"\nThe sink received {len(messages)} message(s) in all.")

    checks = [
        (
            "acknowledged with SMTP down",
            f"{acknowledged} of {args.requests}",
            "all",
            acknowledged == args.requests,
        ),
        (
            "stored, emails unsent",
            f"{len(before)} / {unsent_before}",
            f"{args.requests} / {args.requests}",
            len(before) == unsent_before == args.requests,
        ),
        (
            "both emails exactly once",
            f"{exactly_once} of {len(after)}",
            "all",
            exactly_once == len(after) > 0,
        ),
        (
            "messages in the sink",
            str(len(messages)),
            str(2 * args.requests),
            len(messages) == 2 * args.requests,
        ),
        (
            "retry runs exit 0",
            " / ".join(str(run.returncode) for run in runs),
            "0 / 0",
            all(run.returncode == 0 for run in runs),
        ),
    ]
    support.print_targets(checks)
    support.save_result(NAME, status="ok", rows=checks)


if __name__ == "__main__":
    main()
