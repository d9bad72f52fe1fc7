"""The rules that turn environment variables into settings (prolo_site/env.py), one by one."""

import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from prolo_site import env

# --- Yes/no and numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), (" Yes ", True), ("1", True), ("off", False), ("0", False)]
)
def test_yes_no_variables_read_the_usual_words(text, value):
    assert env.parse_bool(text, name="DJANGO_DEBUG", default=None) is value


def test_an_empty_yes_no_variable_takes_its_default():
    assert env.parse_bool("  ", name="DJANGO_SECURE_COOKIES", default=True) is True


@pytest.mark.parametrize("text", ["ture", "flase", "enabled", "2"])
def test_a_typo_in_a_yes_no_variable_stops_the_site_rather_than_meaning_false(text):
    with pytest.raises(env.BadSetting, match=rf"DJANGO_SECURE_COOKIES='{text}' is not a yes/no value"):
        env.parse_bool(text, name="DJANGO_SECURE_COOKIES", default=True)


def test_numbers_are_read_within_their_bounds():
    assert env.parse_int(" 587 ", name="EMAIL_PORT", default=25, minimum=1, maximum=65535) == 587
    assert env.parse_int("", name="EMAIL_PORT", default=25) == 25
    assert env.parse_int("0", name="APPOINTMENTS_RETENTION_DAYS", default=365, minimum=0) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25a", "EMAIL_PORT='25a' is not a whole number."),
        ("2.5", "EMAIL_PORT='2.5' is not a whole number."),
        ("0", "EMAIL_PORT=0 is too small: use 1 or more."),
        ("70000", "EMAIL_PORT=70000 is too large: use 65535 or less."),
    ],
)
def test_a_bad_number_is_one_clear_sentence(text, message):
    with pytest.raises(env.BadSetting) as raised:
        env.parse_int(text, name="EMAIL_PORT", default=25, minimum=1, maximum=65535)

    assert str(raised.value) == message


def test_a_negative_retention_is_refused():
    with pytest.raises(env.BadSetting, match="APPOINTMENTS_RETENTION_DAYS=-1 is too small"):
        env.parse_int("-1", name="APPOINTMENTS_RETENTION_DAYS", default=365, minimum=0)


def test_requests_left_open_are_kept_longer_than_finished_ones_and_never_shorter():
    name = "APPOINTMENTS_OPEN_RETENTION_DAYS"
    assert env.open_retention_days("", name=name, retention_days=365) == 730
    assert env.open_retention_days("", name=name, retention_days=1000) == 1000  # never below it
    assert env.open_retention_days(" 400 ", name=name, retention_days=365) == 400
    assert env.open_retention_days("365", name=name, retention_days=365) == 365
    with pytest.raises(env.BadSetting) as raised:
        env.open_retention_days("200", name=name, retention_days=365)
    assert str(raised.value) == (
        "APPOINTMENTS_OPEN_RETENTION_DAYS=200 is shorter than APPOINTMENTS_RETENTION_DAYS=365: "
        "requests still open must be kept at least as long as closed ones."
    )
    with pytest.raises(env.BadSetting, match="APPOINTMENTS_OPEN_RETENTION_DAYS='two years' is not a whole"):
        env.open_retention_days("two years", name=name, retention_days=365)


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


@pytest.mark.parametrize(
    "url", ["mysq://prolo:s3cret-pw@db/prolo", "postgres://prolo:s3cret-pw@db:port/prolo", "db.example"]
)
def test_a_bad_database_url_is_one_clear_sentence_without_the_password(url):
    with pytest.raises(
        env.BadSetting, match="DATABASE_URL is not a database URL this site can use"
    ) as raised:
        env.database_settings(url, conn_max_age=0, sqlite_test_name="unused")

    assert "s3cret-pw" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_each_database_gets_its_own_cache_folder():
    temp = Path("/var/tmp")
    one = env.file_cache_dir({"NAME": "/srv/a/db.sqlite3", "HOST": "", "PORT": ""}, temp)
    again = env.file_cache_dir({"NAME": "/srv/a/db.sqlite3", "HOST": "", "PORT": ""}, temp)
    other = env.file_cache_dir({"NAME": "/srv/b/db.sqlite3", "HOST": "", "PORT": ""}, temp)

    assert one == again != other
    assert Path(one).parent == temp


def test_the_cache_is_redis_when_a_cache_url_is_given_else_files(tmp_path):
    redis = env.cache_settings("redis://cache:6379/0", file_cache_dir="/unused")["default"]
    files = env.cache_settings("", file_cache_dir=str(tmp_path / "cache"))["default"]

    assert redis["BACKEND"] == files["BACKEND"] == "prolo_site.cache.ResilientCache"
    assert redis["WRAPPED_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://cache:6379/0"
    assert files["WRAPPED_BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert files["LOCATION"] == str(tmp_path / "cache")
    assert redis["KEY_PREFIX"] == files["KEY_PREFIX"] == "prolo"


def test_the_default_cache_lives_in_the_users_own_cache_folder_not_the_shared_temp_folder(monkeypatch):
    monkeypatch.setenv("HOME", "/home/clinic")
    assert env.user_cache_home({}) == Path("/home/clinic/.cache")
    assert env.user_cache_home({"XDG_CACHE_HOME": "/home/clinic/.xdg"}) == Path("/home/clinic/.xdg")
    # systemd's CacheDirectory=prolo, made for the service's user alone
    assert env.user_cache_home({"CACHE_DIRECTORY": "/var/cache/prolo", "XDG_CACHE_HOME": "/x"}) == Path(
        "/var/cache/prolo"
    )


def test_the_cache_folder_is_made_for_this_user_alone(tmp_path):
    folder = env.private_folder(tmp_path / "cache" / "prolo-cache-1", name="DJANGO_CACHE_DIR")

    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_a_cache_folder_others_can_write_is_refused(tmp_path):
    planted = tmp_path / "prolo-cache-1"
    planted.mkdir()
    planted.chmod(0o777)  # as someone who made it first in a shared folder would leave it

    with pytest.raises(env.BadSetting, match="must belong to this user and be writable by no one else"):
        env.cache_settings("", file_cache_dir=str(planted))


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_someone_else_owns_is_refused(tmp_path):
    planted = tmp_path / "prolo-cache-1"
    planted.mkdir(mode=0o700)
    os.chown(planted, 65534, 65534)

    with pytest.raises(env.BadSetting, match="owned by uid 65534"):
        env.private_folder(planted, name="DJANGO_CACHE_DIR")


def test_a_link_in_place_of_the_cache_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "prolo-cache-1").symlink_to(tmp_path / "elsewhere")

    with pytest.raises(env.BadSetting, match="is not a folder"):
        env.private_folder(tmp_path / "prolo-cache-1", name="DJANGO_CACHE_DIR")


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
