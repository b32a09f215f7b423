"""Reads that scale out: a PostgreSQL streaming replica behind the read-only pages.

With ``DATABASE_REPLICA_URL`` set, the pages that only count and list — the
dashboard, the work report, the town overview, census progress, the exports
(``REPLICA_VIEWS``) — read the registry from the ``replica`` database.
Everything else reads and writes the primary (``default``):

- a request to any other page, and any request that is not GET or HEAD;
- accounts, sessions, permissions, login attempts, the cache and the
  background tasks (``PRIMARY_APPS``): a login or a role change is seen at
  once, and a task's state is the worker's, never a replica's lagging copy;
- anything read inside a transaction (a read that decides a write);
- for ``REPLICA_PIN_SECONDS`` after a user changed something (any POST that
  did not fail), that user's every page: what they just changed is never read
  from a replica that has not replayed it yet (a cookie marks the browser);
- any request while the replica cannot be reached (logged, not failed).

Without ``DATABASE_REPLICA_URL`` nothing here is installed and every query
goes to the one database, as before.
"""

from __future__ import annotations

import contextvars
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
#: The browser's mark of a recent write: the time until which it reads the primary.
PIN_COOKIE = "tsg_primary_until"
#: Read from the primary always: who the user is, what they may do, the cache.
PRIMARY_APPS = frozenset(
    {"auth", "sessions", "contenttypes", "admin", "axes", "django_cache", "django_tasks_database"}
)
#: The pages (URL names) whose reads may come from the replica.
DEFAULT_REPLICA_VIEWS = frozenset(
    {
        "reports:dashboard",
        "reports:report",
        "reports:report_docx",
        "households:overview",
        "households:export",
        "census:progress",
        "census:export",
        "ledger:export",
        "ledger:registry_export",
        "measures:summary",
    }
)

logger = logging.getLogger(__name__)
_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_replica", default=False
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def reading_replica() -> bool:
    """Whether the current request reads the registry from the replica."""
    return _reading_replica.get()


def replica_views() -> frozenset[str]:
    return frozenset(getattr(settings, "REPLICA_VIEWS", DEFAULT_REPLICA_VIEWS))


class ReplicaRouter:
    """Sends the reads of a replica request to ``replica``, all else to ``default``."""

    def db_for_read(self, model, **hints):
        if not _reading_replica.get():
            return PRIMARY
        if model._meta.app_label in PRIMARY_APPS:
            return PRIMARY
        if _in_transaction():
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: objects of both are one database's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _in_transaction() -> bool:
    """Whether the code runs inside a transaction of its own on the primary
    (a test case's enclosing transaction is not one)."""
    return any(
        not getattr(block, "_from_testcase", False) for block in connections[PRIMARY].atomic_blocks
    )


def _replica_usable() -> bool:
    try:
        # A kept connection the replica has closed (a restart) is found here
        # (one round trip), not by the page's first query.
        replica = connections[REPLICA]
        if replica.connection is not None and not replica.is_usable():
            replica.close()
        replica.ensure_connection()
    except DatabaseError:
        logger.warning("read replica unreachable: reading from the primary")
        return False
    return True


class ReplicaReadsMiddleware:
    """Marks the requests that read from the replica and the browsers that just wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reading_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_replica.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time() + seconds)),
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD"):
            return None
        match = request.resolver_match
        if match is None or match.view_name not in replica_views():
            return None
        if _pinned(request):
            return None
        if _replica_usable():
            _reading_replica.set(True)
        return None


def _pinned(request) -> bool:
    value = request.COOKIES.get(PIN_COOKIE, "")
    return value.isdigit() and int(value) > time.time()
