"""The monitoring dashboard: figures per village as of the date, scope, queries pinned."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.choices import CaseState, Category, RiskType, StepKind
from tests.factories import HouseholdFactory
from tests.monitoring.test_views import add_step, make_case

pytestmark = pytest.mark.django_db


def figures(client, on):
    response = client.get(reverse("monitoring:dashboard"), {"on": on})
    assert response.status_code == 200
    return {r.name: r for r in response.context["rows"]}, response.context


def test_a_case_counts_in_the_state_it_had_on_the_date(town, client_for):
    village = town["household"].village
    case = make_case(town["household"], category=Category.UNSTABLE, risks=(RiskType.ILLNESS,))
    add_step(case, StepKind.SYSTEM_ENTRY, date(2024, 3, 1), CaseState.MONITORED, by="admin")
    add_step(
        case, StepKind.ELIMINATION_ANNOUNCEMENT, date(2024, 9, 2), CaseState.ELIMINATED, by="admin"
    )
    make_case(HouseholdFactory(village=village))  # home check due 2024-02-22, never done
    client = client_for("admin")

    rows, _context = figures(client, "2024-02-23")
    assert (rows[village.name].identifying, rows[village.name].overdue) == (2, 2)
    rows, context = figures(client, "2024-06-30")
    row = rows[village.name]
    assert (row.identifying, row.overdue, row.monitored[Category.UNSTABLE], row.eliminated) == (
        1,
        1,
        1,
        0,
    )
    assert dict(context["risks"])["因病"] == 1
    rows, context = figures(client, "2024-09-30")
    assert (rows[village.name].monitored_total, rows[village.name].eliminated) == (0, 1)
    assert context["total"].eliminated == 1
    assert dict(context["risks"])["因病"] == 0  # no longer monitored


def test_a_cadre_sees_the_figures_of_their_village_only(town, client_for):
    make_case(town["household"])
    make_case(town["other_household"])
    rows, context = figures(client_for("cadre"), "2024-02-23")
    assert list(rows) == [town["household"].village.name]
    assert context["total"].identifying == 1


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        figures(client, "2024-06-30")
    return len(ctx.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_the_cases(town, client_for):
    village = town["household"].village
    client = client_for("admin")
    make_case(town["household"])
    _queries(client)
    few = _queries(client)
    for _ in range(10):
        make_case(HouseholdFactory(village=village), risks=(RiskType.DISASTER, RiskType.HOUSING))
    assert _queries(client) == few
