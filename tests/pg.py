"""Helpers for tests that need PostgreSQL itself: a second connection, and
waiting until the server shows a state (a backend waiting for a lock…)."""

import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

only_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (row locks, several connections)",
)


def raw_connection():
    """A connection of its own to the test database (not Django's)."""
    return psycopg2.connect(**connection.get_connection_params())


def wait_for(query: str, args=(), *, seconds: float = 60.0):
    """Poll ``query`` on a connection of its own until it returns a row; return it."""
    deadline = time.monotonic() + seconds
    watcher = raw_connection()
    watcher.autocommit = True
    try:
        with watcher.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(query, args)
                row = cursor.fetchone()
                if row is not None:
                    return row
                time.sleep(0.05)
    finally:
        watcher.close()
    raise AssertionError(f"timed out waiting for: {query} {args}")


def waiting_for_locks(count: int = 1):
    """Wait until ``count`` backends of the test database wait for a lock; their pids."""
    row = wait_for(
        "SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = %s "
        "AND wait_event_type = 'Lock' HAVING count(*) >= %s",
        [connection.settings_dict["NAME"], count],
    )
    return row[0]


def gone(pid: int) -> None:
    """Wait until the backend ``pid`` has ended."""
    wait_for("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid])
