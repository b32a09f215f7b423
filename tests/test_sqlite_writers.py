"""Two writers at once on the embedded SQLite database wait for each other, as
on PostgreSQL, instead of one failing with "database is locked" (two real
processes of the application, each in a transaction that reads and then writes)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import time
import django
django.setup()
from django.db import connection, transaction
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        (n,) = cursor.fetchone()
        time.sleep(0.5)
        cursor.execute("UPDATE counter SET n = %s", [n + 1])
print("ok")
"""


def race(tmp_path) -> tuple[list[tuple[int, str, str]], int]:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE counter (n INTEGER)")
        db.execute("INSERT INTO counter VALUES (0)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tieshagai.settings",
        "DATABASE_URL": f"sqlite:///{path}",
        "DEBUG": "1",
    }
    writers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WRITER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=60) for w in writers]
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT n FROM counter").fetchone()
    return [(w.returncode, out, err) for w, (out, err) in zip(writers, results, strict=True)], count


def test_two_writers_wait_for_each_other_and_lose_nothing(tmp_path):
    results, count = race(tmp_path)
    assert [code for code, _out, _err in results] == [0, 0], results
    assert count == 2


def test_the_settings_begin_every_transaction_with_the_write_lock():
    from django.conf import settings

    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
