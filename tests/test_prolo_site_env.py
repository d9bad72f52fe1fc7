"""The rules that turn environment variables into settings (prolo_site/env.py), one by one."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from prolo_site import env

# --- Secret key and host names ------------------------------------------------------------------


def test_debug_runs_locally_without_a_secret_key_or_host_names():
    secret_key, hosts = env.secret_key_and_hosts(debug=True, secret_key="", allowed_hosts=[])

    assert secret_key == env.LOCAL_SECRET_KEY
    assert hosts == ["localhost", "127.0.0.1", "[::1]"]


def test_production_takes_the_secret_key_and_host_names_as_given():
    assert env.secret_key_and_hosts(debug=False, secret_key="s" * 50, allowed_hosts=["clinic.example"]) == (
        "s" * 50,
        ["clinic.example"],
    )


@pytest.mark.parametrize(
    ("secret_key", "hosts", "message"),
    [
        ("", ["clinic.example"], "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
        ("s" * 50, [], "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off"),
        ("", [], "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set"),
    ],
)
def test_production_names_what_is_missing(secret_key, hosts, message):
    with pytest.raises(env.MissingSetting, match=message):
        env.secret_key_and_hosts(debug=False, secret_key=secret_key, allowed_hosts=hosts)


# --- Database and cache -------------------------------------------------------------------------


def test_sqlite_is_tuned_for_many_writers_and_tested_in_a_file():
    database = env.database_settings(
        "sqlite:////srv/prolo/db.sqlite3", conn_max_age=60, sqlite_test_name="/tmp/prolo-test-1.sqlite3"
    )

    assert database["NAME"] == "/srv/prolo/db.sqlite3"
    assert database["CONN_MAX_AGE"] == 60
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert "PRAGMA synchronous=FULL" in database["OPTIONS"]["init_command"]
    assert database["TEST"] == {"NAME": "/tmp/prolo-test-1.sqlite3"}


def test_postgresql_gets_no_sqlite_options():
    database = env.database_settings(
        "postgres://prolo:secret@db:5432/prolo", conn_max_age=0, sqlite_test_name="unused"
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db", 5432, "prolo")
    assert database["CONN_MAX_AGE"] == 0
    assert "OPTIONS" not in database or "init_command" not in database["OPTIONS"]
    assert "TEST" not in database


def test_each_database_gets_its_own_cache_folder():
    temp = Path("/var/tmp")
    one = env.file_cache_dir({"NAME": "/srv/a/db.sqlite3", "HOST": "", "PORT": ""}, temp)
    again = env.file_cache_dir({"NAME": "/srv/a/db.sqlite3", "HOST": "", "PORT": ""}, temp)
    other = env.file_cache_dir({"NAME": "/srv/b/db.sqlite3", "HOST": "", "PORT": ""}, temp)

    assert one == again != other
    assert Path(one).parent == temp


def test_the_cache_is_redis_when_a_cache_url_is_given_else_files():
    redis = env.cache_settings("redis://cache:6379/0", file_cache_dir="/unused")["default"]
    files = env.cache_settings("", file_cache_dir="/var/cache/prolo")["default"]

    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://cache:6379/0"
    assert files["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert files["LOCATION"] == "/var/cache/prolo"
    assert redis["KEY_PREFIX"] == files["KEY_PREFIX"] == "prolo"


# --- The appointment rate limit -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5/10m", (5, 600)),
        ("5/m", (5, 60)),
        ("100/1h", (100, 3600)),
        ("3/30s", (3, 30)),
        (" 20 / 2H ", (20, 7200)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rate_limit_reads_a_count_per_period(text, rate):
    assert env.rate_limit(text, name="APPOINTMENTS_RATE_LIMIT") == rate


@pytest.mark.parametrize("text", ["5", "five/m", "5/10d", "0/m", "5/0m", "-1/m"])
def test_a_mistyped_rate_limit_stops_the_site_with_a_clear_message(text):
    with pytest.raises(
        ImproperlyConfigured, match=r"APPOINTMENTS_RATE_LIMIT=.* is not a rate: use for example"
    ):
        env.rate_limit(text, name="APPOINTMENTS_RATE_LIMIT")


def test_rate_limit_is_read_from_its_variable_with_a_default(monkeypatch):
    monkeypatch.delenv("APPOINTMENTS_RATE_LIMIT", raising=False)
    assert env.env_rate_limit("APPOINTMENTS_RATE_LIMIT", "5/10m") == (5, 600)

    monkeypatch.setenv("APPOINTMENTS_RATE_LIMIT", " ")
    assert env.env_rate_limit("APPOINTMENTS_RATE_LIMIT", "5/10m") == (5, 600)

    monkeypatch.setenv("APPOINTMENTS_RATE_LIMIT", "2/m")
    assert env.env_rate_limit("APPOINTMENTS_RATE_LIMIT", "5/10m") == (2, 60)


# --- Media storage ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "storage"), [("", "local"), ("local", "local"), (" S3 ", "s3")])
def test_media_are_local_unless_s3_is_asked_for(text, storage):
    assert env.media_storage(text) == storage


def test_an_unknown_media_storage_stops_the_site():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_MEDIA_STORAGE='gcs': use local"):
        env.media_storage("gcs")


def test_images_from_a_custom_domain_are_allowed_from_that_domain_only():
    assert env.s3_media_origins(
        bucket="clinic-media", region="us-east-1", custom_domain="media.example-clinic.com"
    ) == ["https://media.example-clinic.com"]


def test_images_from_another_s3_service_are_allowed_from_its_endpoint():
    assert env.s3_media_origins(
        bucket="clinic-media", endpoint_url="https://objects.example-host.net:9000"
    ) == ["https://objects.example-host.net:9000"]


def test_images_from_amazon_are_allowed_from_the_buckets_addresses():
    assert env.s3_media_origins(bucket="clinic-media") == ["https://clinic-media.s3.amazonaws.com"]
    assert env.s3_media_origins(bucket="clinic-media", region="eu-central-1") == [
        "https://clinic-media.s3.amazonaws.com",
        "https://clinic-media.s3.eu-central-1.amazonaws.com",
    ]


# --- The admin's path ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"), [("admin/", "admin/"), ("/staff-7f3a/", "staff-7f3a/"), ("", "admin/")]
)
def test_the_admin_path_is_a_url_prefix(text, path):
    assert env.admin_url(text) == path
