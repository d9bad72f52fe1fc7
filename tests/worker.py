"""The task queue's real worker for the suite: in this process (`db_worker --batch`) or as the Procfile runs it."""

import io
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent


def run_worker():
    """Run every task that is due now, then return (the worker's own --batch mode).
    Deferred tasks (a retry's wait) stay queued, as with a real worker."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0, stdout=io.StringIO()
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def procfile_command(name):
    """The command line of one Procfile process, split as a shell would."""
    for line in (PROJECT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command.strip())
    raise LookupError(f"No {name} process in the Procfile")


def test_database_url():
    """DATABASE_URL for the database this test uses (committed data only: transactional tests)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return (
        f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def worker_environment(**variables):
    env = {**os.environ, "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1"}
    env.update({name: str(value) for name, value in variables.items()})
    return env


def start_process(command, *, env):
    """A Procfile-style command (`python manage.py ...`) with this interpreter, in the project folder."""
    if command[0] == "python":
        command = [sys.executable, *command[1:]]
    return subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
