"""Backups with django-dbbackup, run as cron runs them: a live database backed up while
requests are written, restored into a fresh one; retention; media; a broken copy refused."""

import json
import os
import shutil
import sqlite3
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from appointments.models import AppointmentRequest
from prolo_site.backups import integrity_problems
from tests.factories import make_appointment_request
from tests.helpers import run_manage, site_environ

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="runs in the SQLite pass of the suite")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" or not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="needs PostgreSQL with pg_dump and pg_restore (the PostgreSQL pass of the suite)",
)


def run_cron_job(*args, database_url, backup_dir, **env_overrides):
    """manage.py in a fresh process with only the environment a cron job would have."""
    env = site_environ(
        DJANGO_SECRET_KEY="test-only-secret-key-for-a-subprocess-0123456789abcdefghijklmnop",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DJANGO_BACKUP_DIR=backup_dir,
        **env_overrides,
    )
    return run_manage(*args, env=env)


def backups_in(folder):
    return sorted(path.name for path in Path(folder).iterdir() if not path.name.endswith(".metadata"))


class RequestWriter(threading.Thread):
    """Patients sending requests: one committed appointment request after another."""

    def __init__(self):
        super().__init__(daemon=True)
        self.committed = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                with transaction.atomic():  # the request and its history row, as the form stores them
                    make_appointment_request()
                self.committed += 1
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            connections.close_all()

    def wait_for(self, count):
        while self.committed < count and self.is_alive():
            self.stop.wait(0.01)  # waiting for the other thread's commits, not for time


def live_counts():
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def request_ids():
    return list(AppointmentRequest.objects.order_by("pk").values_list("pk", flat=True))


def backup_while_requests_are_written(database_url, backup_dir):
    """Back up with the cron line while another thread commits requests; the counts around it."""
    call_command("load_demo_content", stdout=StringIO())
    writer = RequestWriter()
    writer.start()
    try:
        writer.wait_for(30)
        before = live_counts()
        result = run_cron_job(
            "dbbackup", "--noinput", "--quiet", database_url=database_url, backup_dir=backup_dir
        )
        after = live_counts()
        writer.wait_for(writer.committed + 5)  # still writing after the backup finished
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""  # quiet: cron mails only failures
    return before, after, request_ids()


def assert_one_committed_moment(before, after, live_ids, restored, restored_ids):
    assert restored.keys() == before.keys()
    for table, count in restored.items():
        assert before[table] <= count <= after[table], table
    for table in ("prolo_site_clinic", "prolo_site_provider", "articles_article", "articles_source"):
        assert restored[table] == before[table] > 0, table
    # Every request committed up to one moment, and none after it.
    assert before["appointments_appointmentrequest"] <= len(restored_ids) < len(live_ids)
    assert restored_ids == live_ids[: len(restored_ids)]


@on_sqlite
def test_sqlite_backup_while_requests_are_written_restores_into_a_fresh_database(transactional_db, tmp_path):
    live_path = Path(connection.settings_dict["NAME"])
    backup_dir = tmp_path / "backups"

    before, after, live_ids = backup_while_requests_are_written(f"sqlite:///{live_path}", backup_dir)

    [backup] = backups_in(backup_dir)
    assert backup.endswith(".sqlite3")
    metadata = json.loads((backup_dir / f"{backup}.metadata").read_text())
    assert metadata["connector"] == "prolo_site.backups.CheckedSqliteBackupConnector"  # online backup API
    assert integrity_problems(backup_dir / backup) == []
    assert (backup_dir / backup).read_bytes()[18:20] == b"\x01\x01"  # one file: no WAL beside it, ever
    assert sorted(path.name for path in backup_dir.iterdir()) == [backup, f"{backup}.metadata"]

    restored = tmp_path / "restored" / "db.sqlite3"  # a fresh site: no database yet
    result = run_cron_job(
        "dbrestore", "--noinput", "--quiet", database_url=f"sqlite:///{restored}", backup_dir=backup_dir
    )
    assert result.returncode == 0, result.stdout + result.stderr

    database = sqlite3.connect(restored)
    try:
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        restored_counts = {
            table: database.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
            if not table.startswith("sqlite_")
        }
        restored_ids = [
            pk for (pk,) in database.execute("SELECT id FROM appointments_appointmentrequest ORDER BY id")
        ]
    finally:
        database.close()
    assert_one_committed_moment(before, after, live_ids, restored_counts, restored_ids)

    # Django sees a complete, migrated database in the restored file.
    result = run_cron_job("migrate", "--check", database_url=f"sqlite:///{restored}", backup_dir=backup_dir)
    assert result.returncode == 0, result.stdout + result.stderr


@on_postgresql
def test_postgresql_backup_while_requests_are_written_restores_into_a_fresh_database(
    transactional_db, tmp_path
):
    import psycopg

    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:{settings['PORT'] or 5432}"
    fresh_name = f"{settings['NAME']}_restored"
    backup_dir = tmp_path / "backups"

    before, after, live_ids = backup_while_requests_are_written(f"{server}/{settings['NAME']}", backup_dir)

    [backup] = backups_in(backup_dir)
    assert backup.endswith(".psql.bin")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}"')
        admin.execute(f'CREATE DATABASE "{fresh_name}"')
    try:
        result = run_cron_job(
            "dbrestore", "--noinput", "--quiet", database_url=f"{server}/{fresh_name}", backup_dir=backup_dir
        )
        assert result.returncode == 0, result.stdout + result.stderr
        with psycopg.connect(f"{server}/{fresh_name}") as restored:
            tables = [
                name
                for (name,) in restored.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            ]
            restored_counts = {
                table: restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in tables
            }
            restored_ids = [
                pk for (pk,) in restored.execute("SELECT id FROM appointments_appointmentrequest ORDER BY id")
            ]
        assert_one_committed_moment(before, after, live_ids, restored_counts, restored_ids)
        result = run_cron_job(
            "migrate", "--check", database_url=f"{server}/{fresh_name}", backup_dir=backup_dir
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')


def make_sqlite_database(path, rows=3000):
    database = sqlite3.connect(path)
    database.execute("CREATE TABLE note (text TEXT)")
    database.execute("CREATE INDEX note_text ON note (text)")
    database.executemany("INSERT INTO note VALUES (?)", [(os.urandom(20).hex(),) for _ in range(rows)])
    database.commit()
    database.close()


def corrupt(path):
    with open(path, "r+b") as database:
        database.seek(4096 * 20 + 100)  # inside one of the index's pages
        database.write(b"\xff" * 200)
    assert integrity_problems(path)


def test_a_database_that_fails_its_integrity_check_is_not_backed_up(tmp_path):
    live = tmp_path / "db.sqlite3"
    make_sqlite_database(live)
    corrupt(live)

    result = run_cron_job(
        "dbbackup", "--noinput", "--quiet", database_url=f"sqlite:///{live}", backup_dir=tmp_path / "backups"
    )

    assert result.returncode != 0
    assert "BackupIntegrityError: The backup failed PRAGMA integrity_check" in result.stderr
    assert not (tmp_path / "backups").exists() or backups_in(tmp_path / "backups") == []


def test_a_backup_that_fails_its_integrity_check_is_not_restored(tmp_path):
    live, backup = tmp_path / "db.sqlite3", tmp_path / "broken.sqlite3"
    make_sqlite_database(live, rows=10)
    make_sqlite_database(backup)
    corrupt(backup)

    result = run_cron_job(
        "dbrestore", "--noinput", "--quiet", f"--input-path={backup}",
        database_url=f"sqlite:///{live}", backup_dir=tmp_path,
    )  # fmt: skip

    assert result.returncode != 0
    assert "The file to restore failed PRAGMA integrity_check" in result.stderr
    database = sqlite3.connect(live)
    assert database.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 10  # untouched
    database.close()


def test_clean_keeps_the_newest_backups(tmp_path):
    live, backup_dir = tmp_path / "db.sqlite3", tmp_path / "backups"
    make_sqlite_database(live, rows=10)
    backup_dir.mkdir()
    # Last week's nightly backups.
    older = [f"default-old-2026-01-0{day}-021500.sqlite3" for day in range(1, 6)]
    for name in older:
        shutil.copyfile(live, backup_dir / name)

    result = run_cron_job(
        "dbbackup", "--clean", "--noinput", "--quiet",
        database_url=f"sqlite:///{live}", backup_dir=backup_dir, DJANGO_BACKUP_KEEP="3",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    kept = backups_in(backup_dir)
    assert len(kept) == 3
    assert older[-2:] == [name for name in kept if name in older]  # the two newest old ones, and today's


def test_media_backup_restores_every_uploaded_file(tmp_path):
    media, backup_dir, database = tmp_path / "media", tmp_path / "backups", tmp_path / "db.sqlite3"
    make_sqlite_database(database, rows=1)
    (media / "articles" / "renditions").mkdir(parents=True)
    files = {"articles/knee.jpg": os.urandom(5000), "articles/renditions/knee-480.webp": os.urandom(700)}
    for name, content in files.items():
        (media / name).write_bytes(content)
    run = {"database_url": f"sqlite:///{database}", "backup_dir": backup_dir, "DJANGO_MEDIA_ROOT": str(media)}

    result = run_cron_job("mediabackup", "--clean", "--noinput", "--quiet", **run)
    assert result.returncode == 0, result.stderr
    [archive] = backups_in(backup_dir)
    assert archive.endswith(".tar")

    shutil.rmtree(media)
    media.mkdir()
    result = run_cron_job("mediarestore", "--noinput", "--quiet", **run)
    assert result.returncode == 0, result.stderr
    assert {
        str(path.relative_to(media)): path.read_bytes() for path in media.rglob("*") if path.is_file()
    } == files
