"""Settings behaviour: refusal without secrets, what production declares, SQLite pragmas, the deploy check.

The rules themselves are unit-tested in test_prolo_site_env.py; a fresh process is
started only where the behaviour is the process refusing to start (or the deploy
check, which judges a whole process's settings).
"""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import override_settings

from prolo_site.checks import production_settings_check
from prolo_site.env import MissingSetting
from tests.helpers import declared_settings, run_manage, run_python, site_environ

GOOD_SECRET_KEY = "k8Jw2-p_Qz7vLr4Xn0sTf9Yb3Hc6Ua1Me5Dg8Ri2Ow7Ky4Pj0Ns3Vx6Zq9Tl1Bf"
# What production sets (README, "Deploying"), with SQLite standing in for PostgreSQL.
PRODUCTION = {
    "DJANGO_SECRET_KEY": GOOD_SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "clinic.example",
    "DJANGO_SITE_URL": "https://clinic.example",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


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


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DJANGO_SECURE_COOKIES": "ture"}, "DJANGO_SECURE_COOKIES='ture' is not a yes/no value"),
        ({"EMAIL_PORT": "25a"}, "EMAIL_PORT='25a' is not a whole number."),
        ({"APPOINTMENTS_RETENTION_DAYS": "-30"}, "APPOINTMENTS_RETENTION_DAYS=-30 is too small"),
        (
            {"APPOINTMENTS_RETENTION_DAYS": "400", "APPOINTMENTS_OPEN_RETENTION_DAYS": "300"},
            "APPOINTMENTS_OPEN_RETENTION_DAYS=300 is shorter than APPOINTMENTS_RETENTION_DAYS=400",
        ),
        ({"DJANGO_SESSION_IDLE_MINUTES": "1"}, "DJANGO_SESSION_IDLE_MINUTES=1 is too small"),
        ({"DJANGO_PUBLISH_NEEDS_SIGN_OFF": "maybe"}, "DJANGO_PUBLISH_NEEDS_SIGN_OFF='maybe' is not a yes/no"),
        ({"DATABASE_URL": "postgress://prolo:s3cret-pw@db/prolo"}, "DATABASE_URL is not a database URL"),
    ],
)
def test_a_mistyped_variable_stops_the_site_in_one_clear_line(variables, message):
    result = run_manage("check", env=site_environ(**PRODUCTION, **variables), timeout=60)

    assert result.returncode != 0
    assert result.stderr.strip().startswith("Configuration error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # no traceback
    assert "s3cret-pw" not in result.stderr


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
    assert (declared.APPOINTMENTS_RETENTION_DAYS, declared.APPOINTMENTS_OPEN_RETENTION_DAYS) == (365, 730)
    assert declared.SESSION_COOKIE_AGE == 60 * 60  # a staff session ends after an idle hour


def test_the_environment_reaches_the_database_cache_and_rate_limit(monkeypatch):
    declared = declared_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="clinic.example",
        DATABASE_URL="postgres://prolo:secret@db:5432/prolo",
        CACHE_URL="redis://cache:6379/0",
        APPOINTMENTS_RATE_LIMIT="20/h",
        DJANGO_ADMIN_URL="/staff-7f3a/",
        APPOINTMENTS_OPEN_RETENTION_DAYS="1000",
        DJANGO_SESSION_IDLE_MINUTES="15",
        DJANGO_PUBLISH_NEEDS_SIGN_OFF="yes",
        DJANGO_ARTICLE_REVIEW_MONTHS="6",
    )

    assert declared.DATABASES["default"]["HOST"] == "db"
    assert declared.CACHES["default"]["LOCATION"] == "redis://cache:6379/0"
    assert declared.APPOINTMENTS_RATE_LIMIT == (20, 3600)
    assert declared.ADMIN_URL == "staff-7f3a/"
    assert declared.APPOINTMENTS_OPEN_RETENTION_DAYS == 1000
    assert declared.SESSION_COOKIE_AGE == 15 * 60
    assert declared.PUBLISH_NEEDS_SIGN_OFF is True and declared.ARTICLE_REVIEW_MONTHS == 6


def test_deploy_check_is_clean_with_the_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=site_environ(**PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


PRODUCTION_SETTINGS = {
    "DEBUG": False,
    "SECRET_KEY": GOOD_SECRET_KEY,
    "ALLOWED_HOSTS": ["clinic.example"],
    "SITE_URL": "https://clinic.example",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def deploy_errors(**changes):
    with override_settings(**{**PRODUCTION_SETTINGS, **changes}):
        return [(error.id, error.msg) for error in production_settings_check(None)]


def test_production_settings_pass_the_sites_deploy_checks():
    assert deploy_errors() == []


@pytest.mark.parametrize(
    ("changes", "error_id", "message"),
    [
        ({"DEBUG": True}, "prolo_site.E001", "DJANGO_DEBUG is on"),
        ({"SECRET_KEY": "k8Jw2-p_Qz7vLr4Xn0sTf9Yb3"}, "prolo_site.E002", "shorter than 50 characters"),
        ({"SECRET_KEY": "x" * 60}, "prolo_site.E002", "repeats a few characters"),
        (
            {"SECRET_KEY": "insecure-local-development-key-do-not-use-in-production"},
            "prolo_site.E002",
            "well-known key",
        ),
        (
            {"SECRET_KEY": "test-only-secret-key-not-for-production-use-anywhere-1234567890"},
            "prolo_site.E002",
            "well-known key",
        ),
        ({"SECRET_KEY": "django-insecure-" + GOOD_SECRET_KEY}, "prolo_site.E002", "well-known key"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "prolo_site.E003",
            "no email would reach the front desk",
        ),
        ({"ALLOWED_HOSTS": ["clinic.example", "*"]}, "prolo_site.E004", "contains '*'"),
        ({"SITE_URL": "http://clinic.example"}, "prolo_site.E005", "would not use HTTPS"),
    ],
)
def test_each_setting_unfit_for_production_fails_the_deploy_check(changes, error_id, message):
    [(found_id, found_message)] = deploy_errors(**changes)

    assert found_id == error_id
    assert message in found_message


def test_the_deploy_check_command_runs_the_sites_checks():
    with override_settings(**{**PRODUCTION_SETTINGS, "SITE_URL": "http://clinic.example"}):
        with pytest.raises(SystemCheckError, match=r"prolo_site\.E005"):
            call_command("check", "--deploy", "--tag", "security")
        call_command("check", "--tag", "security")  # only the deploy check asks for HTTPS


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
