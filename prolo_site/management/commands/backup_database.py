"""Write a consistent, verified copy of the live SQLite database (safe while the site runs).

SQLite's online backup API copies the database as one snapshot, including what is
still in the WAL file, while gunicorn keeps writing: a plain `cp` of the file can
miss committed requests or catch a half-written page. PostgreSQL is backed up
with `pg_dump`; this command says how instead of pretending.
"""

import shlex
import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

DEFAULT_FOLDER = Path(settings.BASE_DIR) / "backups"


def pg_dump_command(settings_dict):
    """The pg_dump command for this database, without its password."""
    args = ["pg_dump", "--format=custom", "--file=backups/prolo-$(date -u +%Y%m%dT%H%M%SZ).dump"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    args.append(f"--dbname={settings_dict.get('NAME') or ''}")
    # The file name is left unquoted so that the shell expands its $(date).
    return " ".join(arg if arg.startswith("--file=") else shlex.quote(arg) for arg in args)


class Command(BaseCommand):
    help = "Copy the live SQLite database into a timestamped, verified file (default folder: backups/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            default=str(DEFAULT_FOLDER),
            help="Folder for the backup file (created if missing). Default: backups/ in the project.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, output, database, **options):
        settings_dict = connections[database].settings_dict
        vendor = connections[database].vendor
        if vendor == "postgresql":
            raise CommandError(
                "backup_database copies SQLite databases only. This site uses PostgreSQL: back it up "
                "with pg_dump, for example\n\n"
                f"    {pg_dump_command(settings_dict)}\n\n"
                "giving the password through PGPASSWORD or ~/.pgpass (see README.md, 'Deploying')."
            )
        if vendor != "sqlite":
            raise CommandError(f"backup_database copies SQLite databases only, not {vendor}.")

        source_path = Path(str(settings_dict["NAME"]))
        if str(source_path) == ":memory:" or "mode=memory" in str(source_path) or not source_path.is_file():
            raise CommandError(f"No SQLite database file at {source_path}.")

        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        target = self.new_backup_path(folder, source_path)
        partial = target.with_name(f".{target.name}.partial")
        try:
            self.copy(source_path, partial)
            problems = self.integrity_problems(partial)
            if problems:
                raise CommandError(
                    f"The copy failed its integrity check ({'; '.join(problems[:5])}); "
                    "nothing was kept. Check the live database with `PRAGMA integrity_check`."
                )
            # Only a copy that passed the check ever carries a backup's name.
            partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)

        if options["verbosity"] > 0:
            size_kib = target.stat().st_size / 1024
            self.stderr.write(self.style.SUCCESS(f"Backup written and verified ({size_kib:,.0f} KiB):"))
        # The path alone on stdout, for scripts and cron.
        self.stdout.write(str(target))

    @staticmethod
    def new_backup_path(folder, source_path):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        candidate = folder / f"{source_path.stem}-{stamp}.sqlite3"
        number = 2
        while candidate.exists():
            candidate = folder / f"{source_path.stem}-{stamp}-{number}.sqlite3"
            number += 1
        return candidate

    @staticmethod
    def copy(source_path, target_path):
        source = sqlite3.connect(source_path, timeout=20)
        target = sqlite3.connect(target_path)
        try:
            # One step (pages=-1): a single read snapshot, so writers in other
            # processes carry on and the copy is exactly one committed state.
            source.backup(target, pages=-1)
            # A single self-contained file: no -wal beside it to lose in transit.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()

    @staticmethod
    def integrity_problems(path):
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [row[0] for row in check.execute("PRAGMA integrity_check")]
        finally:
            check.close()
        return [] if rows == ["ok"] else rows
