"""Helpers the suite shares: the one way to run manage.py (or Python) in a fresh process,
the settings an environment gives (read without one), and a page's hidden inputs."""

import atexit
import functools
import html
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORM_URL = "/appointments/request/"
RECEIVED_URL = "/appointments/request/received/"

# Whatever the caller's shell has set for the site, a process started here gets only what it is given.
SITE_VARIABLE_PREFIXES = (
    "DJANGO_",
    "DATABASE_URL",
    "CACHE_URL",
    "APPOINTMENTS_",
    "EMAIL_",
    "AWS_",
    "GUNICORN_",
)


@functools.cache
def private_cache_home():
    """A cache home of this test run's own (removed at exit), so processes started here
    keep their file caches out of the user's real ~/.cache."""
    folder = tempfile.mkdtemp(prefix="prolo-test-cache-home-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def site_environ(**variables):
    """This process's environment without any of the site's variables, plus `variables`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SITE_VARIABLE_PREFIXES)}
    env.update(
        {"XDG_CACHE_HOME": private_cache_home(), **{key: str(value) for key, value in variables.items()}}
    )
    env.pop("CACHE_DIRECTORY", None)
    return env


def declared_settings(monkeypatch, **variables):
    """What prolo_site/settings.py declares when the site's environment is exactly
    `variables`: the module is run afresh in this process (the live settings are not
    touched), so a test reads the result without starting a process."""
    for key in os.environ:
        if key.startswith(SITE_VARIABLE_PREFIXES) or key == "CACHE_DIRECTORY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CACHE_HOME", private_cache_home())
    for key, value in variables.items():
        monkeypatch.setenv(key, str(value))
    module = runpy.run_path(str(PROJECT_DIR / "prolo_site" / "settings.py"))
    return SimpleNamespace(**{name: value for name, value in module.items() if name.isupper()})


def run_python(*arguments, env, timeout=120, check=False):
    """`python <arguments>` in the project folder, in a fresh process with exactly `env`.
    With check, a non-zero exit raises with the process's output."""
    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"python {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_manage(*arguments, env, timeout=120, check=False):
    """`manage.py <arguments>` in a fresh process (see run_python)."""
    return run_python("manage.py", *arguments, env=env, timeout=timeout, check=check)


def hidden_input(page, name):
    """The value of the input called `name` in the HTML `page`, or None if there is none."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match[0])
    return html.unescape(value[1]) if value else ""
