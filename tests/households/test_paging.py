"""The household list at a county's size: its count stops at a limit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Household
from households.paging import RegistryPaginator, planner_rows

pytestmark = pytest.mark.django_db


def test_below_the_limit_the_count_is_exact(town):
    paginator = RegistryPaginator(Household.objects.all(), 1, exact_limit=5)
    assert paginator.count == Household.objects.count() == 2
    assert paginator.estimated is False
    assert paginator.num_pages == 2


def test_the_count_reads_no_more_rows_than_the_limit(town):
    paginator = RegistryPaginator(Household.objects.all(), 1, exact_limit=1)
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    assert "LIMIT 2" in queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        # Above the limit: the planner's estimate, at least the limit + 1.
        assert paginator.estimated is True
        assert count >= 2
    else:
        # SQLite (a development database) counts exactly.
        assert paginator.estimated is False
        assert count == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_planner_estimates_without_running_the_query(town):
    assert planner_rows(Household.objects.all()) >= 1


def test_an_estimated_list_says_so_and_offers_no_last_page(town, client_for, settings):
    settings.LIST_EXACT_COUNT_LIMIT = 1
    response = client_for("admin").get(reverse("households:list"))
    text = response.content.decode()
    if connection.vendor == "postgresql":
        assert "此为估计数" in text
        assert "末页" not in text
    else:
        assert "共 2 户" in text
