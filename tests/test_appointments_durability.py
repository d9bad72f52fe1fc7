"""A confirmed request is on disk before the patient is answered, and the next patient never waits for that disk write."""

import fcntl
import os
import sqlite3

import pytest
from django.db import connection

from appointments.models import AppointmentRequest
from appointments.submission import Submission, appointment_request_submit
from tests.factories import PATIENT_ANSWERS_EXAMPLE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own write lock and WAL file"),
]


def database_file():
    return str(connection.settings_dict["NAME"])


def test_the_request_is_flushed_to_disk_after_its_commit_and_outside_the_write_lock(monkeypatch):
    """What synchronous=FULL did inside the lock (fsync of the WAL at the commit) now
    happens after it: still before appointment_request_submit returns (the patient's
    confirmation), with the request already committed and the lock already free."""
    real_fsync = os.fsync
    flushes = []

    def watched_fsync(descriptor):
        path = os.readlink(f"/proc/self/fd/{descriptor}")
        with open(f"{database_file()}.write-lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                lock_was_free = True
                fcntl.flock(lock, fcntl.LOCK_UN)
            except BlockingIOError:
                lock_was_free = False
        other = sqlite3.connect(database_file())
        try:
            committed = other.execute("SELECT COUNT(*) FROM appointments_appointmentrequest").fetchone()[0]
        finally:
            other.close()
        flushes.append({"path": path, "lock_was_free": lock_was_free, "committed": committed})
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", watched_fsync)

    outcome = appointment_request_submit(submission=Submission(answers=PATIENT_ANSWERS_EXAMPLE))
    monkeypatch.undo()

    assert outcome.appointment_request.pk
    wal_flushes = [flush for flush in flushes if flush["path"] == f"{os.path.realpath(database_file())}-wal"]
    assert wal_flushes, f"the WAL file was never flushed: {flushes}"
    assert all(flush["lock_was_free"] and flush["committed"] == 1 for flush in wal_flushes)
    assert AppointmentRequest.objects.count() == 1


def test_other_writes_still_commit_with_synchronous_full():
    """Only the patient's own transaction skips the flush at its commit (and flushes
    after): every other write on the connection (the worker, the front desk) still
    waits for the disk at its commit."""
    appointment_request_submit(submission=Submission(answers=PATIENT_ANSWERS_EXAMPLE))

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
