"""Fixtures of the census tests: the small town of the page tests (two
villages, one household each, one user per role) and households built to
break one data-quality rule at a time."""

from datetime import date
from decimal import Decimal

import pytest

from households.choices import PovertyStatus
from tests.factories import MemberFactory, id_number
from tests.households.conftest import ON, PASSWORD, client_for, make_household, town

__all__ = ["ON", "PASSWORD", "add_child", "client_for", "lift", "make_household", "town"]


def lift(household):
    """Mark the household 已脱贫(享受政策) for the whole period of the tests."""
    household.status_periods.update(status=PovertyStatus.LIFTED)
    return household


def add_child(household, *, born=date(2010, 3, 1), **fields):
    return MemberFactory(
        household=household,
        name=fields.pop("name", "小孩"),
        relation="child",
        id_number=id_number(born),
        joined_on=fields.pop("joined_on", born),
        **fields,
    )


@pytest.fixture
def passing_household(town):
    """The town's 学田地村 household with 9,000 yuan for two: 4,500 per head."""
    household = town["household"]
    household.incomes.update(wage_income=Decimal("9000"))
    return household
