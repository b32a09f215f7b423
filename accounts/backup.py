"""Backup and restore of the whole database, and a fingerprint to compare two.

PostgreSQL: ``pg_dump --format=custom`` / ``pg_restore`` (the client's major
version must be at least the server's). SQLite: Python's ``sqlite3`` online
backup API (a consistent copy while the application runs; no ``sqlite3``
program needed). Uploaded files (MEDIA_ROOT) are not in the database: back
that folder up beside the dump (see README, "Backup and restore").
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dj_database_url


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Target:
    """A database to back up or restore into, from Django's settings or a URL."""

    vendor: str  # "postgresql" or "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> Target:
        engine = settings_dict["ENGINE"]
        if "postgresql" in engine:
            vendor = "postgresql"
        elif "sqlite3" in engine:
            vendor = "sqlite"
        else:
            raise BackupError(f"unsupported database engine {engine}")
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        return cls.from_settings(dj_database_url.parse(url))

    # -- PostgreSQL client arguments ----------------------------------------

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return [*args, "--no-password"]

    def pg_env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    return path


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not match:
        raise BackupError(f"cannot read a version in {version_text!r}")
    return int(match.group(1))


def check_pg_versions(target: Target, tool: str = "pg_dump") -> tuple[int, int]:
    """(client major, server major); refused if the client is older than the server."""
    client = _major(_run([_tool(tool), "--version"], target).stdout)
    server_num = _run(
        [
            _tool("psql"),
            *target.pg_args(),
            "--dbname",
            target.name,
            "-tAc",
            "SHOW server_version_num",
        ],
        target,
    ).stdout.strip()
    server = int(server_num) // 10000
    if client < server:
        raise BackupError(
            f"{tool} {client} is older than the PostgreSQL {server} server: "
            f"install the PostgreSQL {server} client"
        )
    return client, server


def _run(args: list[str], target: Target) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 (fixed programs, arguments from settings)
        args, env=target.pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")
    return result


# --------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------


def database_backup(*, target: Target, output: Path, sqlite_connection=None) -> Path:
    """Write a backup of ``target`` to ``output`` (overwritten).

    ``sqlite_connection``: an open ``sqlite3`` connection to copy from (the
    application's own; an in-memory database has no file to open).
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if target.vendor == "postgresql":
        check_pg_versions(target, "pg_dump")
        _run(
            [
                _tool("pg_dump"),
                *target.pg_args(),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(output),
                "--dbname",
                target.name,
            ],
            target,
        )
        return output
    source = sqlite_connection or sqlite3.connect(target.name)
    destination = sqlite3.connect(output)
    try:
        source.backup(destination)
    finally:
        destination.close()
        if sqlite_connection is None:
            source.close()
    return output


# --------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------


def database_restore(*, target: Target, source: Path) -> None:
    """Restore the backup ``source`` into ``target``, which must be empty.

    PostgreSQL: an empty database created beforehand (``createdb``); the
    restore is one transaction, it either loads everything or nothing.
    SQLite: the file is written (an existing non-empty file is refused).
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if target.vendor == "postgresql":
        check_pg_versions(target, "pg_restore")
        tables = _run(
            [
                _tool("psql"),
                *target.pg_args(),
                "--dbname",
                target.name,
                "-tAc",
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            ],
            target,
        ).stdout.strip()
        if tables != "0":
            raise BackupError(
                f"database {target.name} is not empty ({tables} tables): restore into a new one"
            )
        _run(
            [
                _tool("pg_restore"),
                *target.pg_args(),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                target.name,
                str(source),
            ],
            target,
        )
        return
    path = Path(target.name)
    if path.exists() and path.stat().st_size > 0:
        raise BackupError(f"{path} exists and is not empty: restore into a new file")
    backup = sqlite3.connect(source)
    destination = sqlite3.connect(path)
    try:
        backup.backup(destination)
    finally:
        destination.close()
        backup.close()


# --------------------------------------------------------------------------
# Fingerprint: row count and checksum of every table
# --------------------------------------------------------------------------


def table_fingerprints(cursor, vendor: str) -> dict[str, tuple[int, str]]:
    """``{table: (rows, sha256 of the rows)}`` for every table of the database.

    Rows are turned into text by the database itself (``t::text`` on
    PostgreSQL, ``quote()`` of each column on SQLite) and sorted, so two
    databases with the same content give the same fingerprint whatever the
    driver or the physical order.
    """
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        tables = [row[0] for row in cursor.fetchall()]
    result = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        if vendor == "postgresql":
            cursor.execute(f"SELECT t::text FROM {quoted} AS t")  # noqa: S608 (catalog names)
        else:
            cursor.execute(f"SELECT * FROM {quoted} LIMIT 0")  # noqa: S608
            columns = [d[0] for d in cursor.description]
            text = " || '|' || ".join('quote("' + c.replace('"', '""') + '")' for c in columns)
            cursor.execute(f"SELECT {text} FROM {quoted}")  # noqa: S608
        rows = sorted(row[0] for row in cursor.fetchall())
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        result[table] = (len(rows), digest)
    return result
