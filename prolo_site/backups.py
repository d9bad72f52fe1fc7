"""SQLite backups for django-dbbackup: its online-backup copy, stored only once it passes PRAGMA integrity_check.

django-dbbackup's own SQLite connector (``SqliteBackupConnector``) copies the live
database with SQLite's online backup API: one consistent snapshot, including what
is still in the WAL file, while gunicorn keeps writing (a plain copy of the file can
miss committed requests or catch a half-written page). This one checks that the copy
is a sound database before it is stored (as one file, without a WAL) and again before
it is restored, and restores without leaving the old database's WAL beside the new one.
"""

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from dbbackup.db.sqlite import SqliteBackupConnector
from django.core.management.base import CommandError


class BackupIntegrityError(CommandError):
    """A copy of the database that is not sound; nothing was stored or replaced."""


def integrity_problems(path):
    """What `PRAGMA integrity_check` finds wrong with the SQLite file at *path* ([] when sound)."""
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            # A row may hold several findings, one a line; 100 are plenty to say it is broken.
            found = "\n".join(row[0] for row in database.execute("PRAGMA integrity_check(100)"))
        finally:
            database.close()
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
        return [str(error)]
    problems = found.splitlines()
    return [] if problems == ["ok"] else problems


def checked_copy(dump, what, *, standalone=False):
    """The SQLite file in *dump* (a file object), as a new temporary file, once it is sound.

    ``standalone`` turns the copy's WAL journal off, so that it is one self-contained
    file: opening it later leaves no -wal or -shm file beside it in the backups folder
    (where dbrestore would take one for the newest backup).
    Raises BackupIntegrityError, naming *what*, when `PRAGMA integrity_check` fails.
    """
    with tempfile.TemporaryDirectory(prefix="prolo-backup-check-") as folder:
        path = Path(folder) / "copy.sqlite3"
        dump.seek(0)
        with open(path, "wb") as copy:
            shutil.copyfileobj(dump, copy)
        problems = []
        if standalone:
            try:
                database = sqlite3.connect(path)
                try:
                    database.execute("PRAGMA journal_mode=DELETE")
                finally:
                    database.close()
            except sqlite3.DatabaseError as error:
                problems = [str(error)]
        problems = problems or integrity_problems(path)
        if problems:
            raise BackupIntegrityError(
                f"{what} failed PRAGMA integrity_check ({'; '.join(problems[:3])}), so nothing was "
                "written. Check the live database with `sqlite3 db.sqlite3 'PRAGMA integrity_check'`."
            )
        checked = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 (returned open)
        with open(path, "rb") as copy:
            shutil.copyfileobj(copy, checked)
    checked.seek(0)
    return checked


class CheckedSqliteBackupConnector(SqliteBackupConnector):
    def create_dump(self):
        return checked_copy(super().create_dump(), "The backup", standalone=True)

    def restore_dump(self, dump):
        dump = checked_copy(dump, "The file to restore")
        path = Path(self.connection.settings_dict["NAME"])
        self.connection.close()
        partial = path.with_name(f".{path.name}.restoring")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(partial, "wb") as restored:
                shutil.copyfileobj(dump, restored)
                restored.flush()
                os.fsync(restored.fileno())
            # The old database's WAL belongs to the old file: SQLite would replay it
            # onto the restored one. The site is stopped while restoring (README).
            for leftover in (f"{path}-wal", f"{path}-shm"):
                Path(leftover).unlink(missing_ok=True)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
