"""Back up the whole database to one file (pg_dump -Fc, or SQLite's backup API)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.backup import BackupError, Target, database_backup


class Command(BaseCommand):
    help = (
        "Back up the database to OUTPUT: PostgreSQL with pg_dump --format=custom "
        "(restore with db_restore or pg_restore), SQLite with the online backup API."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="the backup file to write")

    def handle(self, *args, output, **options):
        target = Target.from_settings(connection.settings_dict)
        sqlite_connection = None
        if target.vendor == "sqlite":
            connection.ensure_connection()
            sqlite_connection = connection.connection
        try:
            path = database_backup(
                target=target, output=Path(output), sqlite_connection=sqlite_connection
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = path.stat().st_size
        self.stdout.write(f"Backed up {target.vendor} database to {path} ({size:,} bytes).")
