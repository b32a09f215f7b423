"""Pages of a list that may hold a county's registry.

Django's :class:`~django.core.paginator.Paginator` counts every row of the
list for every page. A village's list, or a town's, is counted in
milliseconds; a county's hundred thousand households are not, and the count
is shown only as "共 N 户". :class:`RegistryPaginator` counts exactly up to
``LIST_EXACT_COUNT_LIMIT`` rows (a count that stops there: it costs what those
rows cost, never the whole registry) and, above it, shows the database's
estimate of the number instead (PostgreSQL's planner; SQLite, a development
database, counts). The page then says the number is estimated and points to the
village filter, under which the count is exact again.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


def planner_rows(queryset) -> int | None:
    """The number of rows PostgreSQL's planner expects ``queryset`` to return
    (``EXPLAIN``: nothing is run), or None on another database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class RegistryPaginator(Paginator):
    """A paginator whose count stops at ``exact_limit`` rows (see the module)."""

    def __init__(self, object_list, per_page, *, exact_limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.exact_limit = settings.LIST_EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
        #: True when :attr:`count` is an estimate (more rows than ``exact_limit``).
        self.estimated = False

    @cached_property
    def count(self) -> int:
        limit = self.exact_limit
        bounded = self.object_list.order_by().values("pk")[: limit + 1].count()
        if bounded <= limit:
            return bounded
        estimate = planner_rows(self.object_list)
        if estimate is None:
            return self.object_list.count()
        self.estimated = True
        return max(estimate, limit + 1)
