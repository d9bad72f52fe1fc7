"""Settings behaviour: refusal without secrets, SQLite pragmas, the deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides):
    """Run manage.py in a clean environment: none of the test process's DJANGO_* values."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", env_overrides={"DJANGO_ALLOWED_HOSTS": "clinic.example"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    result = run_manage("check", env_overrides={"DJANGO_SECRET_KEY": "x" * 60})

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_wsgi_entry_point_refuses_plainly_too():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import prolo_site.wsgi"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Configuration error: DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_mode_starts_without_secrets_for_local_work():
    result = run_manage("check", env_overrides={"DJANGO_DEBUG": "true"})

    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_only_the_three_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": "k8Jw2-p_Qz7vLr4Xn0sTf9Yb3Hc6Ua1Me5Dg8Ri2Ow7Ky4Pj0Ns3Vx6Zq9Tl1Bf",
            "DJANGO_ALLOWED_HOSTS": "clinic.example",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas only apply to SQLite")
def test_sqlite_is_set_up_for_concurrent_writers():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy_timeout = cursor.fetchone()[0]

    assert journal_mode == "wal"
    assert synchronous == 2  # FULL: a committed request survives a power cut
    assert busy_timeout >= 5000
    assert connection.transaction_mode == "IMMEDIATE"
