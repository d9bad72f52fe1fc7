"""A real server for the tests that need one (and for tests/bench/): gunicorn with
production-like settings on a free 127.0.0.1 port, and a small HTTP client that
keeps cookies, does the CSRF dance and fills in the appointment form.

Everything here talks only to 127.0.0.1.
"""

import contextlib
import http.cookiejar
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from tests.helpers import FORM_URL, PROJECT_DIR, RECEIVED_URL, hidden_input, run_manage, site_environ

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(**overrides):
    """Production settings, minus only what plain HTTP on 127.0.0.1 needs: no HTTPS
    redirect, no Secure-only cookies. No appointment rate limit unless asked for."""
    env = site_environ()
    env.update(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "APPOINTMENTS_RATE_LIMIT": "off",
            "APPOINTMENTS_NOTIFY_EMAILS": "frontdesk@clinic.test",
            "DJANGO_LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": "",  # no access log: it would cost time and fill the terminal
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def sqlite_site(folder, **overrides):
    """A fresh SQLite site in `folder`: migrated, static files collected, demo content
    loaded. Returns the environment to serve it with."""
    env = production_env(DATABASE_URL=f"sqlite:///{Path(folder) / 'bench.sqlite3'}", **overrides)
    run_manage("migrate", "--noinput", env=env, timeout=600, check=True)
    run_manage("collectstatic", "--noinput", "--verbosity", "0", env=env, timeout=600, check=True)
    run_manage("load_demo_content", env=env, timeout=600, check=True)
    return env


class Gunicorn:
    """gunicorn with the project's config on a free port, in its own process group."""

    def __init__(self, env, *, workers=None, port=None, extra_args=(), log_path=None):
        self.env = dict(env)
        if workers is not None:
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.extra_args = list(extra_args)
        self.log_path = log_path
        self.process = None
        self._log = None

    def start(self, timeout=60):
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "prolo_site.wsgi",
                "--config",
                "prolo_site/gunicorn.conf.py",
                "--bind",
                f"{HOST}:{self.port}",
                *self.extra_args,
            ],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log_path or 'its output'}"
                )
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response,  # noqa: S310
            ):
                if response.status == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not answer /healthz on {self.url} within {timeout} s")
        # One worker answers first; measure only once all of them are serving.
        expected = int(self.env.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1)
        while len(self.worker_pids()) < expected and time.monotonic() < deadline:
            time.sleep(0.1)

    def worker_pids(self):
        """The master's children, read from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return sorted(children)

    def kill_everything(self):
        """SIGKILL the master and its workers at once, as a power cut or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_everything()
        # Workers left behind by a killed master go too (its own process group only).
        with contextlib.suppress(ProcessLookupError, TypeError, AttributeError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Worker:
    """The task queue's worker (`manage.py db_worker`, as in the Procfile), in its own process group."""

    def __init__(self, env, *, log_path=None):
        self.env = dict(env)
        self.log_path = log_path
        self.process = None
        self._log = None

    def __enter__(self):
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser-like client: its own cookies, redirects not followed, never raises on 4xx/5xx."""

    def __init__(self, base_url, *, headers=None, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def request(self, method, path, data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
            f"{self.base_url}{path}", data=body, method=method, headers={**self.headers, **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def cookie(self, name):
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)


def appointment_form_data(marker, *, csrf_token, submission_token=None):
    """A valid request whose name and message carry `marker`, to find it in the database later."""
    return {
        "csrfmiddlewaretoken": csrf_token,
        "name": f"Bench Patient {marker}",
        "patient_type": "new",
        "contact_method": "email",
        "email": f"patient-{marker.lower()}@example.com",
        "phone": "",
        "best_time": "any",
        "visit_type": "in_person",
        "areas": ["knee"],
        "message": f"Load test request {marker}.",
        "acknowledged_not_emergency": "on",
        "website": "",
        "submission_token": submission_token or uuid.uuid4().hex,
    }


def submit_appointment_request(client, marker):
    """GET the form (CSRF cookie and token, one-time token), then POST it. Returns
    (acknowledged, status): acknowledged means the redirect to the confirmation page."""
    status, _, page = client.get(FORM_URL)
    if status != 200:
        return False, status
    data = appointment_form_data(
        marker,
        csrf_token=hidden_input(page, "csrfmiddlewaretoken"),
        submission_token=hidden_input(page, "submission_token"),
    )
    status, headers, _ = client.post(FORM_URL, data)
    location = headers.get("Location", "")
    return status == 302 and location.endswith(RECEIVED_URL), status
