"""Print the row count and a checksum of every table: run it on a database and
on its restored copy, and compare."""

from django.core.management.base import BaseCommand
from django.db import connection

from accounts.backup import table_fingerprints


class Command(BaseCommand):
    help = "Print each table's row count and SHA-256 of its rows, then the totals."

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            fingerprints = table_fingerprints(cursor, connection.vendor)
        for table, (rows, digest) in fingerprints.items():
            self.stdout.write(f"{table:<50} {rows:>10,}  {digest[:16]}")
        total = sum(rows for rows, _digest in fingerprints.values())
        self.stdout.write(f"{len(fingerprints)} tables, {total:,} rows")
