"""Crash test: does every request a patient saw confirmed survive a killed server?

Serves a fresh SQLite site with gunicorn (production settings: WAL, IMMEDIATE
transactions, synchronous=FULL) while 16 clients keep sending appointment
requests, each with its own marker in the name and message. A request counts as
acknowledged when its POST got the redirect to the confirmation page.

Round 1: SIGKILL one gunicorn worker every second, three times, mid-load (the
master starts new ones). Round 2: SIGKILL the master and all its workers at
once, as a power cut or the OOM killer would, check the file as the crash left
it, then start gunicorn again on the same database while the clients carry on.

At the end: every acknowledged request must be in the database (found by its
marker); `PRAGMA integrity_check` must say ok. Per round it prints acknowledged
/ stored / lost (lost = acknowledged but not stored; target 0). Requests stored
whose answer never arrived are shown too: they are not lost, the patient just
did not see the confirmation.

    python tests/bench/crash_test.py [--clients 16] [--seconds 8]
"""

import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import support

NAME = "crash_test"


class Load:
    """`clients` threads sending requests with markers `<prefix>-C<client>-<n>` until stopped."""

    def __init__(self, base_url, *, clients, prefix):
        self.base_url = base_url
        self.prefix = prefix
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sent = []  # (marker, acknowledged)
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients)]

    def client(self, number):
        count = 0
        while not self.stopping.is_set():
            count += 1
            marker = f"{self.prefix}-C{number:02d}-{count}"
            try:
                acknowledged, _ = servers.submit_appointment_request(
                    servers.Client(self.base_url, timeout=30), marker
                )
            except OSError:  # refused or reset while the server is down: not acknowledged
                acknowledged = False
                time.sleep(0.05)
            with self.lock:
                self.sent.append((marker, acknowledged))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged_so_far(self):
        with self.lock:
            return sum(acknowledged for _, acknowledged in self.sent)


def integrity(database_path):
    database = sqlite3.connect(database_path, timeout=30)
    try:
        return ", ".join(row[0] for row in database.execute("PRAGMA integrity_check"))
    finally:
        database.close()


def stored_markers(database_path, prefix):
    database = sqlite3.connect(database_path, timeout=30)
    try:
        rows = database.execute(
            "SELECT name, message FROM appointments_appointmentrequest WHERE name LIKE ? OR message LIKE ?",
            [f"Bench Patient {prefix}-%", f"Load test request {prefix}-%"],
        ).fetchall()
    finally:
        database.close()
    markers = set()
    for name, message in rows:
        for text, start in ((name, "Bench Patient "), (message, "Load test request ")):
            if text.startswith(start):
                markers.add(text[len(start) :].rstrip("."))
    return markers


def wait_for_acknowledgements(load, count, timeout=30):
    deadline = time.monotonic() + timeout
    while load.acknowledged_so_far() < count and time.monotonic() < deadline:
        time.sleep(0.05)


def round_kill_workers(server, *, clients, seconds):
    kills = []
    with Load(server.url, clients=clients, prefix="CRASH-R1") as load:
        wait_for_acknowledgements(load, 20)
        for _ in range(3):
            time.sleep(1)
            workers = server.worker_pids()
            if workers:
                os.kill(workers[0], signal.SIGKILL)  # one of our gunicorn's own workers
                kills.append(workers[0])
        time.sleep(max(0, seconds - 3))
    return load.sent, f"SIGKILL of {len(kills)} worker(s) mid-load"


def round_kill_master(server, env, database_path, *, clients, seconds, log_path):
    with Load(server.url, clients=clients, prefix="CRASH-R2") as load:
        wait_for_acknowledgements(load, 20)
        time.sleep(1)
        server.kill_everything()
        killed_at = time.monotonic()
        check_after_crash = integrity(database_path)
        restarted = servers.Gunicorn(env, port=server.port, log_path=log_path).start()
        downtime = time.monotonic() - killed_at
        time.sleep(max(1, seconds - 2))
    return load.sent, restarted, check_after_crash, downtime


def tally(sent, database_path, prefix):
    stored = stored_markers(database_path, prefix)
    acknowledged = {marker for marker, ok in sent if ok}
    return {
        "attempts": len(sent),
        "acknowledged": len(acknowledged),
        "stored": len(stored & {marker for marker, _ in sent}),
        "lost": sorted(acknowledged - stored),
        "stored_unacknowledged": len(stored - acknowledged),
    }


def main():
    args = support.bench_arguments(__doc__, clients=16, seconds=8).parse_args()
    with tempfile.TemporaryDirectory(prefix="prolo-crash-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        env = support.sqlite_site(folder)
        database_path = Path(folder) / "bench.sqlite3"
        log_path = Path(folder) / "gunicorn.log"
        server = servers.Gunicorn(env, log_path=log_path).start()
        try:
            print(f"Round 1: {args.clients} clients, SIGKILL a worker each second...", flush=True)
            sent_1, how_1 = round_kill_workers(server, clients=args.clients, seconds=args.seconds)
            print(
                f"Round 2: {args.clients} clients, SIGKILL the master and its workers, restart...", flush=True
            )
            sent_2, server, check_after_crash, downtime = round_kill_master(
                server, env, database_path, clients=args.clients, seconds=args.seconds, log_path=log_path
            )
        finally:
            server.stop()
        check_at_end = integrity(database_path)
        rounds = {
            "1: workers killed": (tally(sent_1, database_path, "CRASH-R1"), how_1),
            "2: master killed": (
                tally(sent_2, database_path, "CRASH-R2"),
                f"all killed; integrity right after the crash: {check_after_crash}; "
                f"back up in {downtime:.1f} s on the same database",
            ),
        }

    print()
    support.print_table(
        ["round", "attempts", "acknowledged", "stored", "lost", "stored, answer lost"],
        [
            [
                label,
                str(t["attempts"]),
                str(t["acknowledged"]),
                str(t["stored"]),
                str(len(t["lost"])),
                str(t["stored_unacknowledged"]),
            ]
            for label, (t, _) in rounds.items()
        ],
    )
    for label, (t, how) in rounds.items():
        print(f"  round {label}: {how}")
        if t["lost"]:
            print(f"    LOST (acknowledged, not stored): {', '.join(t['lost'][:20])}")
    print(f"PRAGMA integrity_check at the end: {check_at_end}")

    lost = sum(len(t["lost"]) for t, _ in rounds.values())
    checks = [
        (
            f"round {label}: ack / stored / lost",
            f"{t['acknowledged']} / {t['stored']} / {len(t['lost'])}",
            "0 lost",
            not t["lost"],
        )
        for label, (t, _) in rounds.items()
    ]
    checks.append(("integrity_check", check_at_end, "ok", check_at_end == "ok" and check_after_crash == "ok"))
    support.print_targets(checks)
    support.save_result(NAME, status="ok", rows=checks)
    if lost:
        print(f"{lost} acknowledged request(s) were lost: see above.")


if __name__ == "__main__":
    main()
