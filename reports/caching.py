"""The dashboard's, the town overview's and the work report's figures, kept for
``REPORTS_CACHE_SECONDS``.

Counting the demo town takes half a second and a county's registry many
seconds, while leaders open the dashboard often and the figures change
slowly. So a computed dashboard (and the work report written from its facts)
is kept in Django's cache together with the time it was computed, under a key made of
everything the figures depend on: the scope (the whole town, or the ids of
its villages), the as-of date and the measures' year. The pages show that
time and offer to recompute now (``?refresh=1``).

Permissions are not the cache's business: ``reports.views.report_scope``
decides the scope, refusing what the user may not see, before an entry is
looked up, and the town's key is never a village's. Two users with the same
scope (a leader's version of one village and that village's cadre) read the
same figures, and so the same entry.

When an entry is older than ``REPORTS_CACHE_SECONDS``, the request that
finds it first takes a short lock (``cache.add``) and recomputes, while the
others serve the stale copy rather than counting the same county at the same
time; an entry is kept :data:`LOCK_SECONDS` beyond its age for that. With
Django's local-memory cache each worker process keeps its own entries (and
its own lock): the time shown is that of the worker that answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from reports import selectors
from reports.writing import WorkReport, write_report

T = TypeVar("T")

#: The longest a recomputation may hold the lock (the gunicorn timeout of
#: deploy/gunicorn.conf.py: no request lives longer); meanwhile the stale
#: entry is served.
LOCK_SECONDS = 120

#: Part of every key: change it when what is cached changes shape, should the
#: cache ever outlive the processes (a shared backend instead of local memory).
KEY_VERSION = 1


@dataclass(frozen=True)
class Computed(Generic[T]):
    """Figures and when they were computed."""

    value: T
    at: datetime
    #: ``REPORTS_CACHE_SECONDS`` when they were computed (0: not kept).
    seconds: int

    def age(self) -> float:
        return (now() - self.at).total_seconds()


def now() -> datetime:
    """The clock of the cache (the tests move it)."""
    return timezone.now()


def cache_key(kind: str, *, on: date, year: int, scope: selectors.Scope) -> str:
    """``reports:<version>:<kind>:<all | t<town id>-… | v<village id>-…>:<on>:<year>``."""
    return f"reports:{KEY_VERSION}:{kind}:{scope.key}:{on.isoformat()}:{year}"


def computed(key: str, compute: Callable[[], T], *, refresh: bool = False) -> Computed[T]:
    """The figures kept under ``key``, or ``compute()`` kept there now.

    ``refresh`` recomputes whatever is kept. ``REPORTS_CACHE_SECONDS`` of 0
    computes on every call and keeps nothing.
    """
    seconds = settings.REPORTS_CACHE_SECONDS
    if seconds <= 0:
        return Computed(compute(), now(), 0)
    entry = None if refresh else cache.get(key)
    lock, locked = f"{key}:lock", False
    if entry is not None:
        if entry.age() < seconds:
            return entry
        locked = cache.add(lock, True, LOCK_SECONDS)
        if not locked:
            return entry  # stale, but another request is recomputing it
    try:
        entry = Computed(compute(), now(), seconds)
        cache.set(key, entry, seconds + LOCK_SECONDS)
    finally:
        if locked:
            cache.delete(lock)
    return entry


def dashboard(
    *, on: date, year: int, scope: selectors.Scope, refresh: bool = False
) -> Computed[selectors.Dashboard]:
    """:func:`reports.selectors.dashboard`, kept."""
    return computed(
        cache_key("dashboard", on=on, year=year, scope=scope),
        lambda: selectors.dashboard(on=on, year=year, scope=scope),
        refresh=refresh,
    )


def overview(
    *, on: date, scope: selectors.Scope, refresh: bool = False
) -> Computed[selectors.Overview]:
    """:func:`reports.selectors.overview`, kept."""
    return computed(
        cache_key("overview", on=on, year=on.year, scope=scope),
        lambda: selectors.overview(on=on, scope=scope),
        refresh=refresh,
    )


def work_report(
    *, on: date, year: int, scope: selectors.Scope, refresh: bool = False
) -> Computed[WorkReport]:
    """The work report written from :func:`reports.selectors.report_facts`, kept
    (the page and its .docx). The written report is kept rather than its facts:
    for a county's registry (100,000 households) the facts, every household
    not lifted with its members and measures, are 3.5 MB that take 0.65 s to
    read back and 0.4 s to write out; the report is 0.3 MB, read back in 4 ms."""
    return computed(
        cache_key("report", on=on, year=year, scope=scope),
        lambda: write_report(selectors.report_facts(on=on, year=year, scope=scope)),
        refresh=refresh,
    )
