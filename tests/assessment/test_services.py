"""Changing a household's poverty status keeps its history and obeys the lifting standard."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment.services import household_change_status
from households.choices import HousingGrade, PovertyStatus
from households.selectors import status_on
from tests.factories import (
    GuaranteeFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    PolicyYearFactory,
    StatusFactory,
    id_number,
)

pytestmark = pytest.mark.django_db

ON = date(2020, 6, 1)


@pytest.fixture
def household():
    """Two adults, 12,181.50 yuan per capita, safe house, not lifted since 2019-11-15."""
    PolicyYearFactory(year=2020, poverty_line=Decimal("4000"))
    household = HouseholdFactory()
    StatusFactory(household=household)
    MemberFactory(household=household, id_number=id_number(date(1960, 3, 1)))
    MemberFactory(
        household=household, relation="spouse", id_number=id_number(date(1962, 4, 1), male=False)
    )
    IncomeFactory(household=household, wage_income=Decimal("24363"))
    GuaranteeFactory(household=household, housing_grade=HousingGrade.B)
    return household


def test_lifting_a_household_that_passes_closes_the_old_period(household):
    household_change_status(
        household=household, status=PovertyStatus.LIFTED, on=ON, reason="达到脱贫标准"
    )
    assert status_on(household, date(2020, 5, 31)) == PovertyStatus.NOT_LIFTED
    assert status_on(household, ON) == PovertyStatus.LIFTED
    periods = list(household.status_periods.order_by("valid_from"))
    assert [p.valid_to for p in periods] == [ON, None]


def test_lifting_is_refused_with_the_failing_criteria(household):
    household.guarantees.update(housing_grade=HousingGrade.D)
    with pytest.raises(ValidationError) as excinfo:
        household_change_status(
            household=household, status=PovertyStatus.LIFTED, on=ON, reason="申请脱贫"
        )
    message = " ".join(excinfo.value.message_dict["status"])
    assert "住房安全无保障" in message and "危房改造尚未完工" in message
    assert "收入" not in message  # income passes; only failures are listed
    assert status_on(household, ON) == PovertyStatus.NOT_LIFTED
    assert household.status_periods.count() == 1


def test_lifting_is_refused_below_the_poverty_line(household):
    household.incomes.update(wage_income=Decimal("7900"))
    with pytest.raises(ValidationError) as excinfo:
        household_change_status(
            household=household, status=PovertyStatus.LIFTED, on=ON, reason="申请脱贫"
        )
    assert "低于2020年贫困线" in " ".join(excinfo.value.message_dict["status"])


def test_a_change_cannot_be_backdated_before_the_current_status(household):
    with pytest.raises(ValidationError) as excinfo:
        household_change_status(
            household=household,
            status=PovertyStatus.REMOVED_CLEARED,
            on=date(2019, 1, 1),
            reason="错评",
        )
    assert "valid_from" in excinfo.value.message_dict


def test_a_change_needs_a_reason(household):
    with pytest.raises(ValidationError) as excinfo:
        household_change_status(household=household, status=PovertyStatus.LIFTED, on=ON, reason=" ")
    assert "reason" in excinfo.value.message_dict


def test_not_lifted_cannot_jump_to_stable(household):
    with pytest.raises(ValidationError) as excinfo:
        household_change_status(
            household=household, status=PovertyStatus.STABLE, on=ON, reason="动态调整"
        )
    assert "不能从" in " ".join(excinfo.value.message_dict["status"])


def test_a_removed_household_stays_removed(household):
    household_change_status(
        household=household, status=PovertyStatus.REMOVED_NATURAL, on=ON, reason="户主死亡"
    )
    with pytest.raises(ValidationError):
        household_change_status(
            household=household,
            status=PovertyStatus.NOT_LIFTED,
            on=date(2020, 7, 1),
            reason="恢复",
        )
