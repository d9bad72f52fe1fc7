"""What the bench scripts (and the two-server test) share: a production-like site
in a temporary folder, gunicorn on a free 127.0.0.1 port, and a small HTTP client
that keeps cookies, does the CSRF dance and fills in the appointment form.

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

from tests.helpers import FORM_URL, RECEIVED_URL, hidden_input

PROJECT_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HOST = "127.0.0.1"
FORM_PATH = FORM_URL
RECEIVED_PATH = RECEIVED_URL

# Whatever the caller's shell has set for the site, the servers here get only what we give them.
SITE_VARIABLE_PREFIXES = (
    "DJANGO_",
    "DATABASE_URL",
    "CACHE_URL",
    "APPOINTMENTS_",
    "EMAIL_",
    "AWS_",
    "GUNICORN_",
)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(**overrides):
    """Production settings, minus only what plain HTTP on 127.0.0.1 needs: no HTTPS
    redirect, no Secure-only cookies. No appointment rate limit unless asked for."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SITE_VARIABLE_PREFIXES)}
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


def manage(*args, env, timeout=600, check=True):
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def sqlite_site(folder, **overrides):
    """A fresh SQLite site in `folder`: migrated, static files collected, demo content
    loaded. Returns the environment to serve it with."""
    env = production_env(DATABASE_URL=f"sqlite:///{Path(folder) / 'bench.sqlite3'}", **overrides)
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    manage("load_demo_content", env=env)
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
                PYTHON,
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
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
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
    status, _, page = client.get(FORM_PATH)
    if status != 200:
        return False, status
    data = appointment_form_data(
        marker,
        csrf_token=hidden_input(page, "csrfmiddlewaretoken"),
        submission_token=hidden_input(page, "submission_token"),
    )
    status, headers, _ = client.post(FORM_PATH, data)
    location = headers.get("Location", "")
    return status == 302 and location.endswith(RECEIVED_PATH), status


def appointments_available():
    """Whether the appointments app with its request form has landed in this tree."""
    return (PROJECT_DIR / "appointments" / "forms.py").exists() and (
        PROJECT_DIR / "appointments" / "models.py"
    ).exists()


# --- Reporting ---------------------------------------------------------------

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def bench_arguments(description, **defaults):
    """The arguments every bench script takes, plus its own defaults."""
    import argparse

    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return parser


def save_result(name, *, status, rows=(), reason=""):
    """Keep a script's figures for run_all's summary (tests/bench/results/, git-ignored).

    status: "ok" (measured; targets may still be missed) or "skipped" (a tool or
    the app is missing; `reason` says what to do). rows: (figure, value, target or
    "", met: True/False/None)."""
    import json

    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "script": name,
        "status": status,
        "reason": reason,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "rows": [list(row) for row in rows],
    }
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return payload


def skip(name, reason):
    """Say in one line why a script cannot run here and how to fix that; exit 0 (not a failure)."""
    print(f"SKIPPED {name}: {reason}")
    save_result(name, status="skipped", reason=reason)
    raise SystemExit(0)


def verdict(met):
    return {True: "met", False: "NOT MET", None: ""}[met]


def print_table(headers, rows, align=None):
    """A plain text table; `align` has one letter per column, l or r (default: first left, rest right)."""
    widths = [max(len(str(value)) for value in column) for column in zip(headers, *rows, strict=True)]
    align = align or "l" + "r" * (len(headers) - 1)
    line = "  ".join(
        f"{{:{'<' if a == 'l' else '>'}{width}}}" for a, width in zip(align, widths, strict=True)
    )
    print(line.format(*headers))
    print(line.format(*("-" * width for width in widths)))
    for row in rows:
        print(line.format(*row))


def print_targets(checks):
    """checks: (figure, value, target, met) rows."""
    print("\nTargets (issue 6):")
    print_table(
        ["figure", "value", "target", ""], [[*row[:3], verdict(row[3])] for row in checks], align="lrrl"
    )
