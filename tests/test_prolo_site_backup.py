"""backup_database: a consistent copy of a live SQLite database, and pg_dump advice on PostgreSQL."""

import shutil
import sqlite3
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.helpers import run_manage, site_environ

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="backs up SQLite; runs in the SQLite pass of the suite"
)


# A production-like process for manage.py (see tests/helpers.py).
SITE = {
    "DJANGO_SECRET_KEY": "test-only-secret-key-for-a-subprocess-0123456789abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}


def table_counts(path):
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: database.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
    finally:
        database.close()


class SessionWriter(threading.Thread):
    """Another process's connection, committing one row after another into django_session."""

    def __init__(self, database_path):
        super().__init__(daemon=True)
        self.database_path = database_path
        self.committed = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        database = sqlite3.connect(self.database_path, timeout=20)
        try:
            while not self.stop.is_set():
                key = f"backup-test-{self.committed + 1:06d}"
                database.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date) "
                    "VALUES (?, 'x', '2099-01-01 00:00:00')",
                    [key],
                )
                database.commit()
                self.committed += 1
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            database.close()


@on_sqlite
def test_backup_taken_while_another_connection_writes_restores_to_the_same_data(transactional_db, tmp_path):
    call_command("load_demo_content", stdout=StringIO())
    live_path = connection.settings_dict["NAME"]
    writer = SessionWriter(live_path)
    writer.start()
    try:
        while writer.committed < 50 and writer.is_alive():
            writer.stop.wait(0.01)
        # The latest commits are still in the WAL file, where a plain file copy would miss them.
        assert Path(f"{live_path}-wal").stat().st_size > 0
        committed_before = writer.committed
        out, err = StringIO(), StringIO()
        call_command("backup_database", output=str(tmp_path / "backups"), stdout=out, stderr=err)
        committed_after = writer.committed
    finally:
        writer.stop.set()
        writer.join(timeout=10)
    assert writer.error is None, writer.error

    backup = Path(out.getvalue().strip())
    assert backup.parent == tmp_path / "backups"
    assert backup.name.startswith(Path(live_path).stem) and backup.suffix == ".sqlite3"
    assert "verified" in err.getvalue()
    assert sorted(path.name for path in backup.parent.iterdir()) == [backup.name]  # no partial file left

    # Restore: the backup becomes the database file of a fresh site.
    restored = tmp_path / "restored" / "db.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    check = sqlite3.connect(restored)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    keys = [key for (key,) in check.execute("SELECT session_key FROM django_session ORDER BY session_key")]
    check.close()

    live_counts, restored_counts = table_counts(live_path), table_counts(restored)
    assert live_counts.keys() == restored_counts.keys()
    for table in ("prolo_site_clinic", "prolo_site_provider", "prolo_site_page", "articles_article",
                  "articles_source", "auth_permission", "django_migrations"):  # fmt: skip
        assert restored_counts[table] == live_counts[table] > 0, table
    assert {table: count for table, count in restored_counts.items() if table != "django_session"} == {
        table: count for table, count in live_counts.items() if table != "django_session"
    }
    # One committed moment: every session written up to some point, in order, and none after it.
    assert committed_before <= len(keys) <= committed_after
    assert keys == [f"backup-test-{number:06d}" for number in range(1, len(keys) + 1)]

    # Django sees a complete, migrated database in the restored file.
    result = run_manage("migrate", "--check", env=site_environ(**SITE, DATABASE_URL=f"sqlite:///{restored}"))
    assert result.returncode == 0, result.stdout + result.stderr


@on_sqlite
def test_each_backup_gets_its_own_file(transactional_db, tmp_path):
    call_command("load_demo_content", stdout=StringIO())
    paths = set()
    for _ in range(2):
        out = StringIO()
        call_command("backup_database", output=str(tmp_path), stdout=out, stderr=StringIO())
        paths.add(out.getvalue().strip())

    assert len(paths) == 2
    assert all(Path(path).is_file() for path in paths)


def test_refuses_postgresql_and_gives_the_pg_dump_command_without_the_password(tmp_path):
    result = run_manage(
        "backup_database",
        f"--output={tmp_path}",
        env=site_environ(
            **SITE, DATABASE_URL="postgres://clinic_app:s3cret-Passw0rd@db.internal:5433/clinic"
        ),
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "uses PostgreSQL" in result.stderr
    assert "pg_dump --format=custom" in result.stderr
    for part in ("--host=db.internal", "--port=5433", "--username=clinic_app", "--dbname=clinic"):
        assert part in result.stderr
    assert "s3cret-Passw0rd" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []
