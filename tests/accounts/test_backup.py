"""Backup and restore of the demo town: every table comes back with the same
rows (count and checksum). PostgreSQL with pg_dump/pg_restore, SQLite with its
backup API; each test runs on its own database engine only."""

import sqlite3

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.backup import Target, check_pg_versions, table_fingerprints

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def source_fingerprints():
    with connection.cursor() as cursor:
        return table_fingerprints(cursor, connection.vendor)


def assert_same_and_full(source, restored):
    assert set(restored) == set(source)
    differing = [t for t in source if source[t] != restored[t]]
    assert differing == []
    # The demo town is in it, not an empty schema.
    assert source["households_household"][0] >= 1347
    assert source["households_member"][0] >= 2829
    assert source["audit_auditentry"][0] > 0


# Outside a test transaction, as the nightly backup runs: SQLite's backup API
# cannot copy from a connection in the middle of a write transaction (and every
# transaction takes the write lock at once, transaction_mode=IMMEDIATE).
@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_every_table_identically(demo_town, tmp_path, capsys):
    backup = tmp_path / "backup.sqlite3"
    restored = tmp_path / "restored.sqlite3"

    call_command("db_backup", str(backup))
    call_command("db_restore", str(backup), "--database-url", f"sqlite:///{restored}")

    out = capsys.readouterr().out
    assert "Backed up sqlite database" in out and "Restored" in out
    with sqlite3.connect(restored) as copy:
        restored_prints = table_fingerprints(copy.cursor(), "sqlite")
    assert_same_and_full(source_fingerprints(), restored_prints)

    # A file that holds data is never restored into.
    with pytest.raises(CommandError, match="not empty"):
        call_command("db_restore", str(backup), "--database-url", f"sqlite:///{restored}")


@pytest.fixture
def empty_postgres_database():
    """A new, empty database on the test server, dropped afterwards."""
    import psycopg2

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore"
    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name, {**params, "dbname": name}
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def database_url(params):
    user = params["user"] or ""
    password = f":{params['password']}" if params["password"] else ""
    host = params["host"] or "localhost"
    port = f":{params['port']}" if params["port"] else ""
    return f"postgres://{user}{password}@{host}{port}/{params['dbname']}"


@on_postgresql
def test_postgresql_backup_restores_every_table_identically(
    demo_town, tmp_path, empty_postgres_database, capsys
):
    import psycopg2

    name, params = empty_postgres_database
    backup = tmp_path / "backup.dump"
    client, server = check_pg_versions(Target.from_settings(connection.settings_dict))
    assert client >= server

    call_command("db_backup", str(backup))
    call_command("db_restore", str(backup), "--database-url", database_url(params))

    out = capsys.readouterr().out
    assert "Backed up postgresql database" in out and f"database {name}" in out
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    copy = psycopg2.connect(**params)
    try:
        with copy.cursor() as cursor:
            restored = table_fingerprints(cursor, "postgresql")
            # The append-only trigger came back with the table.
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditentry_append_only'"
            )
            assert cursor.fetchone()[0] == 1
    finally:
        copy.close()
    assert_same_and_full(source_fingerprints(), restored)


@on_postgresql
def test_postgresql_restore_refuses_a_database_with_tables(demo_town, tmp_path):
    backup = tmp_path / "backup.dump"
    call_command("db_backup", str(backup))
    with pytest.raises(CommandError, match="not empty"):
        call_command("db_restore", str(backup))
