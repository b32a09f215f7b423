"""Restore a backup of db_backup into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.backup import BackupError, Target, database_restore


class Command(BaseCommand):
    help = (
        "Restore BACKUP (made by db_backup) into an empty database: the configured one, "
        "or --database-url. PostgreSQL: create it first (createdb); SQLite: a new file."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup file to read")
        parser.add_argument(
            "--database-url", default="", help="restore here instead of DATABASE_URL"
        )

    def handle(self, *args, backup, database_url="", **options):
        if database_url:
            target = Target.from_url(database_url)
        else:
            target = Target.from_settings(connection.settings_dict)
            connection.close()  # SQLite: the file is written by another connection
        try:
            database_restore(target=target, source=Path(backup))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {backup} into the {target.vendor} database {target.name}.")
