"""Settings behaviour: refusal without secrets, what production declares, SQLite pragmas, the deploy check.

The rules themselves are unit-tested in test_prolo_site_env.py; a fresh process is
started only where the behaviour is the process refusing to start (or the deploy
check, which judges a whole process's settings).
"""

import pytest
from django.db import connection

from prolo_site.env import MissingSetting
from tests.helpers import declared_settings, run_manage, run_python, site_environ


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", env=site_environ(DJANGO_ALLOWED_HOSTS="clinic.example"))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_wsgi_entry_point_refuses_plainly_too():
    result = run_python("-c", "import prolo_site.wsgi", env=site_environ(), timeout=60)

    assert result.returncode != 0
    assert "Configuration error: DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_need_the_allowed_hosts(monkeypatch):
    with pytest.raises(MissingSetting, match="DJANGO_ALLOWED_HOSTS must be set"):
        declared_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 60)


def test_debug_mode_starts_without_secrets_for_local_work(monkeypatch):
    declared = declared_settings(monkeypatch, DJANGO_DEBUG="true")

    assert declared.DEBUG is True
    assert declared.SECRET_KEY and declared.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]"]
    assert declared.SECURE_SSL_REDIRECT is False


def test_production_defaults_are_secure(monkeypatch):
    declared = declared_settings(
        monkeypatch, DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="clinic.example"
    )

    assert declared.DEBUG is False
    assert declared.SECURE_SSL_REDIRECT is True
    assert declared.SECURE_HSTS_SECONDS >= 31_536_000
    assert declared.EMAIL_TIMEOUT == 10
    assert declared.APPOINTMENTS_RATE_LIMIT == (5, 600)
    assert declared.ADMIN_URL == "admin/"


def test_the_environment_reaches_the_database_cache_and_rate_limit(monkeypatch):
    declared = declared_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="clinic.example",
        DATABASE_URL="postgres://prolo:secret@db:5432/prolo",
        CACHE_URL="redis://cache:6379/0",
        APPOINTMENTS_RATE_LIMIT="20/h",
        DJANGO_ADMIN_URL="/staff-7f3a/",
    )

    assert declared.DATABASES["default"]["HOST"] == "db"
    assert declared.CACHES["default"]["LOCATION"] == "redis://cache:6379/0"
    assert declared.APPOINTMENTS_RATE_LIMIT == (20, 3600)
    assert declared.ADMIN_URL == "staff-7f3a/"


def test_deploy_check_is_clean_with_only_the_three_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=site_environ(
            DJANGO_SECRET_KEY="k8Jw2-p_Qz7vLr4Xn0sTf9Yb3Hc6Ua1Me5Dg8Ri2Ow7Ky4Pj0Ns3Vx6Zq9Tl1Bf",
            DJANGO_ALLOWED_HOSTS="clinic.example",
            DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        ),
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
