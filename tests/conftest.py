"""Fixtures every test module shares.

The demo town (about 1,350 households with their members, measures, problems
and census checks) takes seconds to build. Each test process builds it once,
the first time a module asks for ``demo_town``, and keeps a copy of the
database it built it in: a module that asks for it gets that copy put in
place of the test database, and the test database as it was before once the
module is done. Tests that do not ask for the demo never see it.

- SQLite (an in-memory test database per process): SQLite's backup API copies
  the demo's database into the test database and the saved state back.
- PostgreSQL: the demo is built once in a database of its own
  (``<test database>_demo``); a module gets a fresh copy of it
  (``CREATE DATABASE … TEMPLATE``) and the connection points there until the
  module is done, when the copy is dropped and the test database is used again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import override_settings

from demo.build import build_demo_town
from tests.households.conftest import (  # _module_town: a fixture for every test module
    _module_town,  # noqa: F401
    close_module_town,
    is_transactional,
    uses_module_town,
)


class _SQLiteDemo:
    """The demo town as a copy of an in-memory SQLite database."""

    def __init__(self) -> None:
        self.demo: sqlite3.Connection | None = None
        self.saved: sqlite3.Connection | None = None

    @staticmethod
    def _raw() -> sqlite3.Connection:
        connection.ensure_connection()
        return connection.connection

    def build(self) -> None:
        before = sqlite3.connect(":memory:")
        self._raw().backup(before)
        build_demo_town()
        self.demo = sqlite3.connect(":memory:")
        self._raw().backup(self.demo)
        before.backup(self._raw())
        before.close()

    def put_in(self) -> None:
        self.saved = sqlite3.connect(":memory:")
        self._raw().backup(self.saved)
        self.demo.backup(self._raw())

    def take_out(self) -> None:
        self.saved.backup(self._raw())
        self.saved.close()
        self.saved = None

    def discard(self) -> None:
        if self.demo is not None:
            self.demo.close()


class _PostgreSQLDemo:
    """The demo town as a template database on the test server."""

    def __init__(self) -> None:
        self.test_name = connection.settings_dict["NAME"]
        self.template = f"{self.test_name}_demo"
        # The server's maintenance database, for CREATE and DROP DATABASE
        # (also from the thread below, which must not read Django's settings).
        self.server_params = {**connection.get_connection_params(), "dbname": "postgres"}
        self.copies = 0
        self.in_use: str | None = None
        # DROP DATABASE waits for a checkpoint of the whole server: copies
        # are dropped beside the tests, by a thread of their own.
        self.dropping = ThreadPoolExecutor(max_workers=1)
        self.drops: list[Future] = []

    def _server(self, *statements: str) -> None:
        import psycopg2

        server = psycopg2.connect(**self.server_params)
        server.autocommit = True
        try:
            with server.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            server.close()

    @staticmethod
    def _use(name: str) -> None:
        # Every alias pointing at the test database (a replica mirrors it)
        # shares this settings dictionary; connections reopen on next use.
        connections.close_all()
        connection.settings_dict["NAME"] = name
        settings.DATABASES[connection.alias]["NAME"] = name

    def build(self) -> None:
        connections.close_all()
        self._server(
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            f'CREATE DATABASE "{self.template}" TEMPLATE "{self.test_name}"',
        )
        self._use(self.template)
        try:
            build_demo_town()
        finally:
            self._use(self.test_name)

    def put_in(self) -> None:
        self.copies += 1
        self.in_use = f"{self.template}_{self.copies}"
        self._server(
            f'DROP DATABASE IF EXISTS "{self.in_use}" WITH (FORCE)',
            f'CREATE DATABASE "{self.in_use}" TEMPLATE "{self.template}"',
        )
        self._use(self.in_use)

    def take_out(self) -> None:
        self._use(self.test_name)
        drop = f'DROP DATABASE IF EXISTS "{self.in_use}" WITH (FORCE)'
        self.drops.append(self.dropping.submit(self._server, drop))
        self.in_use = None

    def discard(self) -> None:
        connections.close_all()
        self.dropping.shutdown(wait=True)
        self._server(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        for drop in self.drops:
            drop.result()  # a failed drop is reported, not lost


@pytest.fixture(scope="session")
def _demo_copy(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[object]:
    """The demo town, built once per test process (per xdist worker) on first use."""
    close_module_town()  # built outside any transaction, as in ``demo_town``
    demo = _SQLiteDemo() if connection.vendor == "sqlite" else _PostgreSQLDemo()
    # The demo's evidence files go to a folder of the session, not the checkout.
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo_media")),
    ):
        demo.build()
    yield demo
    with django_db_blocker.unblock():
        demo.discard()


@pytest.fixture(scope="module")
def demo_town(_demo_copy, django_db_blocker):
    """The demo town of the 2020 report, in the test database for one test module.

    It is committed (the tests' transactions roll back to it), built once
    per test process and copied in; when the module is done the test
    database is back as it was before.
    """
    # Tests of the small town of the module ran before (they are ordered so):
    # its transaction is rolled back before the demo's database is put in.
    close_module_town()
    with django_db_blocker.unblock():
        _demo_copy.put_in()
    yield
    with django_db_blocker.unblock():
        _demo_copy.take_out()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is slow by design; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_login_slowdown(settings):
    # The wait after repeated wrong passwords is tested where it is the point.
    settings.LOGIN_SLOWDOWN_SECONDS = 0


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Uploaded ledgers and evidence files go to a temporary folder, never the checkout.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache():
    # The dashboard and work report keep their figures in the (local-memory)
    # cache under keys of scope, date and year that tests share: no test
    # sees another's figures.
    from django.core.cache import cache

    cache.clear()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each module, the tests that use the small ``town`` run after those
    that do not, and those of the demo town last.

    The town is written once per module and kept until the module is done
    (tests/households/conftest.py), the demo town likewise (above); a test
    that does not ask for one must not see it. pytest-django has already
    ordered the tests (database tests, then transactional ones, then the
    rest); each run of one module's tests of one kind keeps its place and
    only the order inside it changes.
    """
    reordered = []
    run = []

    def kind(item):
        return item.module, is_transactional(item)

    def flush():
        # Stable: those of neither, those of the town, those of the demo town.
        run.sort(key=lambda item: 2 if "demo_town" in item.fixturenames else uses_module_town(item))
        reordered.extend(run)
        run.clear()

    for item in items:
        if run and kind(item) != kind(run[-1]):
            flush()
        run.append(item)
        if uses_module_town(item):
            # Before every function-scoped fixture: the module's transaction
            # must be open before pytest-django's ``db`` opens the test's.
            item.fixturenames.insert(0, "_module_town")
    flush()
    items[:] = reordered


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # A test that commits runs outside any transaction: when it follows its
    # module's tests of the small town, the town is rolled back first.
    if is_transactional(item):
        close_module_town()
