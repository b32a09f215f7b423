"""The SQL twins (``monitoring.queries``) decide as the rules do, household by household.

Generated households in two provinces whose lines differ (7,500 and 8,800
yuan) and one province without a line: every registration (lifted, not
lifted, never registered, removed), incomes exactly at, a fen below and above
each line (per capita rounded half up), records with only a declared
per-capita figure, households without members, rigid costs and income drops
at their shares.
"""

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.choices import PovertyStatus
from households.models import Household
from monitoring import selectors
from monitoring.choices import Category
from monitoring.models import RigidExpenditure
from monitoring.queries import category_counts, with_risk
from tests.factories import (
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    StatusFactory,
    VillageFactory,
    id_number,
)
from tests.monitoring.conftest import OTHER_PROVINCE, PROVINCE, town_in

pytestmark = pytest.mark.django_db

YEAR = 2024
ON = date(2024, 6, 28)
D = Decimal

STATUSES = [
    PovertyStatus.LIFTED,
    PovertyStatus.STABLE,
    PovertyStatus.NOT_LIFTED,
    PovertyStatus.RETURNED,
    PovertyStatus.REMOVED_CLEARED,
    None,  # never registered
]


def cents(amount):
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def make(village, *, status, members, net=None, declared=None, previous=None, rigid=None):
    household = HouseholdFactory(village=village)
    if status is not None:
        StatusFactory(household=household, status=status, valid_from=date(2019, 1, 1))
    for i in range(members):
        MemberFactory(
            household=household,
            relation="head" if i == 0 else "child",
            id_number=id_number(date(1980 + i, 1, 1)),
            joined_on=date(2019, 1, 1),
        )
    if net is not None or declared is not None:
        IncomeFactory(
            household=household,
            year=YEAR,
            assessed_on=date(2024, 5, 31),
            wage_income=net or D("0"),
            declared_per_capita=declared,
        )
    if previous is not None:
        IncomeFactory(
            household=household, year=YEAR - 1, assessed_on=date(2023, 5, 31), wage_income=previous
        )
    if rigid is not None:
        RigidExpenditure.objects.create(
            household=household, year=YEAR, assessed_on=date(2024, 5, 31), **rigid
        )
    return household


def python_decision(household):
    return selectors.household_category(household=household, year=YEAR, on=ON)


def assert_agree(households):
    rows = {
        row.pk: row
        for row in with_risk(
            Household.objects.filter(pk__in=[h.pk for h in households]), year=YEAR, on=ON
        )
    }
    disagreements = []
    for household in households:
        decision = python_decision(household)
        row = rows[household.pk]
        python = (
            decision.category.value if decision.category else None,
            decision.income.flagged is True,
            decision.rigid.flagged is True,
            decision.drop.flagged is True,
        )
        sql = (row.risk_category, row.risk_below_line, row.risk_rigid_surge, row.risk_income_drop)
        if python != sql:
            disagreements.append((household.pk, python, sql, decision.reason))
    assert disagreements == []
    return rows


@pytest.fixture
def villages(lines):
    return {
        PROVINCE: VillageFactory(town=town_in(PROVINCE, "铁沙盖镇")),
        OTHER_PROVINCE: VillageFactory(town=town_in(OTHER_PROVINCE, "河北某镇")),
        "": VillageFactory(town=town_in("山西省", "无标准镇")),
    }


def test_rules_and_sql_agree_on_generated_households(villages):
    rng = random.Random(17)
    # Per-capita figures around both lines (two members: net = 2 × per capita,
    # 14,999.99 / 2 = 7,499.995 rounds up to the line itself).
    nets = [
        D("15000.00"),
        D("14999.99"),
        D("14999.98"),
        D("17600.00"),
        D("17599.99"),
        D("17599.97"),
        D("3000"),
        D("40000"),
        D("0"),
    ]
    households = []
    for village in villages.values():
        for status in STATUSES:
            for net in nets:
                previous = rng.choice([None, net * 2, net * 2 + D("0.02"), D("0")])
                # Amounts of two decimals, as every form and import makes them.
                half, share = cents(net / 2), cents(net * D("0.6"))
                rigid = rng.choice(
                    [
                        None,
                        {"medical": half},
                        {"medical": half + D("0.01")},
                        {"medical": D("1"), "schooling": share},
                        {"accident_loss": share + D("0.01")},
                    ]
                )
                households.append(
                    make(village, status=status, members=2, net=net, previous=previous, rigid=rigid)
                )
        households.append(make(village, status=None, members=0, net=D("5000")))
        households.append(make(village, status=PovertyStatus.LIFTED, members=3))  # no income
        households.append(
            make(village, status=PovertyStatus.LIFTED, members=2, declared=D("7499.99"))
        )
        households.append(
            make(
                village,
                status=None,
                members=3,
                declared=D("8800.00"),
                previous=D("60000"),
                rigid={"medical": D("13200.01")},  # over 50% of 3 × 8,800
            )
        )
    rows = assert_agree(households)
    found = {row.risk_category for row in rows.values()}
    assert found == {None, *Category.values}  # every outcome is exercised


def test_the_line_is_the_households_provinces(villages):
    inner = make(villages[PROVINCE], status=PovertyStatus.LIFTED, members=2, net=D("16000"))
    hebei = make(villages[OTHER_PROVINCE], status=PovertyStatus.LIFTED, members=2, net=D("16000"))
    rows = assert_agree([inner, hebei])
    # 8,000 per capita: above Inner Mongolia's 7,500, below Hebei's 8,800.
    assert rows[inner.pk].risk_category is None
    assert rows[hebei.pk].risk_category == Category.UNSTABLE
    assert (rows[inner.pk].risk_line_fen, rows[hebei.pk].risk_line_fen) == (750000, 880000)


@pytest.mark.parametrize(
    ("net", "category"),
    [
        (D("15000.00"), None),  # 7,500.00: at the line, not below
        (D("14999.99"), None),  # 7,499.995 rounds half up to 7,500.00
        (D("14999.98"), Category.UNSTABLE),  # 7,499.99
    ],
)
def test_exactly_at_the_line_in_sql_as_in_the_rules(villages, net, category):
    household = make(villages[PROVINCE], status=PovertyStatus.LIFTED, members=2, net=net)
    rows = assert_agree([household])
    assert rows[household.pk].risk_category == category


def test_counts_by_category_in_one_query(villages):
    made = [
        make(villages[PROVINCE], status=PovertyStatus.LIFTED, members=2, net=D("1000")),
        make(villages[PROVINCE], status=None, members=2, net=D("1000")),
        make(villages[PROVINCE], status=None, members=1, net=D("1000")),
        make(
            villages[OTHER_PROVINCE],
            status=None,
            members=1,
            net=D("20000"),
            rigid={"medical": D("10000.01")},
        ),
        make(villages[""], status=None, members=1, net=D("1")),  # no line: no category
    ]
    queryset = Household.objects.filter(pk__in=[h.pk for h in made])
    with CaptureQueriesContext(connection) as ctx:
        counts = category_counts(queryset, year=YEAR, on=ON)
    assert len(ctx.captured_queries) == 1
    assert counts == {Category.UNSTABLE: 1, Category.EDGE: 2, Category.SUDDEN: 1}
