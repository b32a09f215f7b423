"""Reads of the measures against the demo town of the 2020 report."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from households.models import Village
from measures.models import ApplicationStatus, Category, MeasureApplication
from measures.selectors import category_totals, village_coverage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


def by_hand(key):
    """Totals of the live 2020 applications grouped by ``key(application)``, in Python."""
    totals = defaultdict(
        lambda: {"households": set(), "persons": set(), "n": 0, "done": 0, "funds": Decimal(0)}
    )
    rows = MeasureApplication.objects.filter(programme__year=2020).exclude(
        status=ApplicationStatus.CANCELLED
    )
    for a in rows.select_related("programme", "household"):
        t = totals[key(a)]
        t["households"].add(a.household_id)
        if a.member_id:
            t["persons"].add(a.member_id)
        t["n"] += 1
        t["done"] += a.status == ApplicationStatus.COMPLETED
        t["funds"] += a.amount
    return totals


def test_category_totals_hold_the_report_figures():
    totals = {t.category: t for t in category_totals(year=2020)}
    # Every person still enjoying the policies was insured: 2,651.
    assert totals[Category.MEDICAL].persons == 2651
    # 91 renovations, 77 completed.
    housing = totals[Category.HOUSING]
    assert (housing.households, housing.applications, housing.completed) == (91, 91, 77)
    assert housing.label == "住房安全"
    # 36 national + 7 banner rangers + 114 cleaners.
    assert totals[Category.EMPLOYMENT].persons == 36 + 7 + 114


def test_category_totals_agree_with_the_rows_and_keep_the_category_order():
    rows = category_totals(year=2020)
    assert [r.category for r in rows] == [
        c for c in Category.values if c in {r.category for r in rows}
    ]
    expected = by_hand(lambda a: a.programme.category)
    for r in rows:
        t = expected[r.category]
        got = (r.households, r.persons, r.applications, r.completed, r.funds)
        assert got == (len(t["households"]), len(t["persons"]), t["n"], t["done"], t["funds"])


def test_village_coverage_agrees_with_the_rows_and_lists_every_village():
    coverage = village_coverage(year=2020)
    assert set(coverage) == set(Village.objects.values_list("pk", flat=True))
    expected = by_hand(lambda a: a.household.village_id)
    for village_id, v in coverage.items():
        t = expected[village_id]
        got = (v.households, v.persons, v.applications, v.completed, v.funds)
        assert got == (len(t["households"]), len(t["persons"]), t["n"], t["done"], t["funds"])
    assert sum(v.completed for v in coverage.values()) == sum(
        c.completed for c in category_totals(year=2020)
    )


def test_a_year_without_programmes_has_no_categories_and_zero_villages():
    assert category_totals(year=2019) == []
    assert {v.households for v in village_coverage(year=2019).values()} == {0}


def test_dashboard_selectors_take_one_query_each(django_assert_num_queries):
    with django_assert_num_queries(1):
        category_totals(year=2020)
    with django_assert_num_queries(1):
        village_coverage(year=2020)


def test_cancelled_applications_never_count():
    renovation = MeasureApplication.objects.filter(
        programme__year=2020, programme__category=Category.HOUSING, status="completed"
    ).first()
    village_id = renovation.household.village_id
    before = village_coverage(year=2020)[village_id]
    MeasureApplication.objects.filter(pk=renovation.pk).update(
        status=ApplicationStatus.CANCELLED, cancelled_on=date(2020, 5, 1), cancel_reason="重复"
    )
    housing = {t.category: t for t in category_totals(year=2020)}[Category.HOUSING]
    assert (housing.households, housing.applications, housing.completed) == (90, 90, 76)
    after = village_coverage(year=2020)[village_id]
    assert after.completed == before.completed - 1
    assert after.funds == before.funds - renovation.amount
