"""Each data-quality rule on households built to break it, and on one that
passes: the SQL twins (worklists, counts) and the pure rules (the household's
page) must find exactly the same problems."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from census import quality, selectors
from census.rules import RuleCode
from households.choices import HouseholdAttribute, HousingAlternative, HousingGrade, LeaveReason
from households.models import Household, HouseholdIncome, Member, Village
from tests.census.conftest import add_child, lift, make_household
from tests.factories import MemberFactory, id_number

pytestmark = pytest.mark.django_db

ON = date(2020, 5, 31)


def found(household, on=ON) -> set[str]:
    """The codes ``household`` breaks on ``on``; both versions of the rules must agree."""
    groups = selectors.worklist(households=Household.objects.filter(pk=household.pk), on=on)
    sql = {group.rule.code for group in groups}
    pure = {f.code for f in selectors.household_findings(household=household, on=on)}
    assert sql == pure, "SQL and Python disagree"
    progress = selectors.census_progress(on=on, villages=[household.village])[0]
    counted = {code for code, n in progress.violations_by_rule.items() if n}
    assert counted >= pure, "the progress counts miss a problem"
    return pure


def test_the_passing_household_breaks_no_rule(passing_household):
    assert found(passing_household) == set()
    assert found(lift(passing_household)) == set()


# R01 -------------------------------------------------------------------------


def test_lifted_with_income_below_the_line(town):
    household = lift(town["household"])  # 7,000 for two: 3,500 < 4,000
    assert found(household) == {RuleCode.LIFTED_LOW_INCOME}


def test_the_line_is_the_households_provinces(town):
    from households.models import County, PolicyYear
    from tests.factories import PolicyYearFactory

    household = lift(town["household"])  # 3,500 each
    county = County.objects.get(towns__villages=household.village)
    PolicyYearFactory(province_name="河北省", year=2020, poverty_line=Decimal("3000"))
    assert found(household) == {RuleCode.LIFTED_LOW_INCOME}  # Inner Mongolia: 4,000
    # The county in Hebei (3,000): no contradiction, and the progress kept of
    # the date is counted again (the county's province chooses the line).
    county.province = "河北省"
    county.save()
    assert found(household) == set()
    progress = selectors.census_progress(on=ON, villages=[household.village])[0]
    assert progress.violations_by_rule.get(RuleCode.LIFTED_LOW_INCOME, 0) == 0
    # A province without its line of the year: not judged, as a year without one.
    PolicyYear.objects.get(province_name="河北省").delete()
    assert not PolicyYear.objects.filter(province_name="河北省").exists()
    assert found(household) == set()
    assert not Household.objects.filter(quality.poverty_line_set_q(ON), pk=household.pk).exists()


def test_not_lifted_below_the_line_is_no_contradiction(town):
    assert found(town["household"]) == set()


# R02 -------------------------------------------------------------------------


def test_lifted_with_a_dangerous_house(passing_household):
    household = lift(passing_household)
    household.guarantees.update(housing_grade=HousingGrade.D)
    assert found(household) == {RuleCode.LIFTED_UNSAFE_HOUSE}


def test_lifted_with_a_dangerous_house_left_for_a_relocation_passes(passing_household):
    household = lift(passing_household)
    household.guarantees.update(
        housing_grade=HousingGrade.D, housing_alternative=HousingAlternative.RELOCATION
    )
    assert found(household) == set()


# R03 -------------------------------------------------------------------------


def test_lifted_without_food_security(passing_household):
    household = lift(passing_household)
    household.guarantees.update(food_ok=False)
    assert found(household) == {RuleCode.LIFTED_GUARANTEE_FAILED}


def test_lifted_without_any_assessment(passing_household):
    household = lift(passing_household)
    household.guarantees.all().delete()
    assert found(household) == {RuleCode.LIFTED_GUARANTEE_FAILED, RuleCode.LIFTED_UNSAFE_HOUSE}


def test_lifted_with_an_uninsured_member(passing_household):
    household = lift(passing_household)
    household.members.filter(relation="spouse").update(medical_insurance="none")
    assert found(household) == {RuleCode.LIFTED_GUARANTEE_FAILED}


# R04 -------------------------------------------------------------------------


def test_a_newborn_after_the_income_survey_makes_the_size_differ(passing_household):
    add_child(passing_household, born=date(2020, 6, 5), joined_on=date(2020, 6, 10))
    assert found(passing_household, on=date(2020, 6, 9)) == set()
    assert found(passing_household, on=date(2020, 6, 30)) == {RuleCode.SIZE_MISMATCH}


# R05 -------------------------------------------------------------------------


def wrong_check_digit(number):
    return number[:17] + ("1" if number[17] != "1" else "2")


def test_an_invalid_id_number_stored_past_the_form(passing_household):
    # Member.save() refuses it: such a number only arrives by a bulk write.
    spouse = passing_household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(id_number=wrong_check_digit(spouse.id_number))
    assert found(passing_household) == {RuleCode.INVALID_ID}


def test_an_invalid_id_number_of_a_member_who_left_is_not_checked(passing_household):
    spouse = passing_household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(
        id_number="15092719720601", left_on=date(2020, 3, 1), leave_reason=LeaveReason.MOVE_OUT
    )
    assert found(passing_household) == set()


# R06 -------------------------------------------------------------------------


def test_a_person_registered_in_two_households_at_once(town, passing_household):
    other = town["other_household"]
    moving = passing_household.members.get(relation="spouse")
    Member.objects.filter(pk=moving.pk).update(
        left_on=date(2020, 6, 30), leave_reason=LeaveReason.MARRIAGE_OUT
    )
    MemberFactory(
        household=other,
        name=moving.name,
        relation="spouse",
        id_number=moving.id_number,
        joined_on=date(2020, 3, 1),
    )
    assert found(passing_household) == {RuleCode.DUPLICATE_ID}
    assert found(other) == {RuleCode.DUPLICATE_ID}
    # Once the first household has recorded the leave, nothing is duplicated.
    assert RuleCode.DUPLICATE_ID not in found(other, on=date(2020, 7, 31))


# R07 -------------------------------------------------------------------------


def test_a_school_age_child_who_dropped_out(passing_household):
    passing_household.incomes.update(wage_income=Decimal("13500"))
    add_child(passing_household, born=date(2010, 3, 1), school_status="dropped_out")
    assert found(passing_household) == {RuleCode.OUT_OF_SCHOOL}


def test_a_school_age_child_in_school(passing_household):
    passing_household.incomes.update(wage_income=Decimal("13500"))
    add_child(passing_household, born=date(2010, 3, 1), school_status="in_school")
    assert found(passing_household) == set()


def test_a_lifted_household_with_a_child_out_of_school_breaks_both_rules(passing_household):
    passing_household.incomes.update(wage_income=Decimal("13500"))
    add_child(passing_household, born=date(2010, 3, 1), school_status="dropped_out")
    assert found(lift(passing_household)) == {
        RuleCode.OUT_OF_SCHOOL,
        RuleCode.LIFTED_GUARANTEE_FAILED,
    }


# R08 -------------------------------------------------------------------------


def test_a_head_who_died_but_is_still_registered(passing_household):
    passing_household.members.filter(relation="head").update(deceased_on=date(2020, 1, 16))
    assert found(passing_household) == {RuleCode.DECEASED_REGISTERED}
    assert found(passing_household, on=date(2020, 1, 15)) == set()


def test_a_head_who_died_and_left_is_no_problem(passing_household):
    passing_household.members.filter(relation="head").update(
        deceased_on=date(2020, 1, 16), left_on=date(2020, 1, 16), leave_reason=LeaveReason.DEATH
    )
    passing_household.incomes.update(wage_income=Decimal("4500"))
    assert found(passing_household) == set()


# R09 -------------------------------------------------------------------------


def test_dibao_class_but_nobody_on_dibao(passing_household):
    Household.objects.filter(pk=passing_household.pk).update(
        attribute=HouseholdAttribute.DIBAO, dibao_class="B"
    )
    passing_household.refresh_from_db()
    assert found(passing_household) == {RuleCode.DIBAO_CLASS_WITHOUT_DIBAO}
    passing_household.members.filter(relation="head").update(on_dibao=True)
    assert found(passing_household) == set()


# R10 -------------------------------------------------------------------------


def test_no_income_for_the_year(passing_household):
    passing_household.incomes.all().delete()
    assert found(passing_household) == {RuleCode.INCOME_MISSING}


def test_an_income_with_every_amount_zero(passing_household):
    passing_household.incomes.update(wage_income=Decimal("0"))
    assert found(passing_household) == {RuleCode.INCOME_MISSING}


def test_income_of_another_year_does_not_count(passing_household):
    HouseholdIncome.objects.filter(household=passing_household).update(year=2019)
    assert found(passing_household) == {RuleCode.INCOME_MISSING}


# Scope and counts ------------------------------------------------------------


def test_a_household_removed_before_the_date_breaks_no_rule(passing_household):
    passing_household.incomes.all().delete()
    passing_household.status_periods.update(valid_to=date(2020, 3, 1))
    passing_household.status_periods.create(
        status="natural", valid_from=date(2020, 3, 1), reason="死亡"
    )
    assert found(passing_household) == set()


def test_progress_counts_take_five_queries_whatever_the_households(town, passing_household):
    village = passing_household.village

    def progress():
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.count_census_progress(on=ON, villages=Village.objects.all())
        return {row.village.pk: row for row in rows}, len(queries)

    few, n = progress()
    assert few[village.pk].violations_by_rule == dict.fromkeys(RuleCode.values, 0)
    for k in range(5):
        household = make_household(village, f"户{k}")
        household.incomes.all().delete()
        household.members.filter(relation="head").update(deceased_on=date(2020, 2, 1))
    spouse = passing_household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(id_number=wrong_check_digit(spouse.id_number))
    many, m = progress()
    assert m == n == 5
    row = many[village.pk]
    assert row.violations_by_rule[RuleCode.INCOME_MISSING] == 5
    assert row.violations_by_rule[RuleCode.DECEASED_REGISTERED] == 5
    assert row.violations_by_rule[RuleCode.INVALID_ID] == 1
    assert (row.open_violations, row.households_with_violations) == (11, 6)
    assert many[town["other_household"].village_id].open_violations == 0


def test_invalid_id_members_name_member_and_reason(passing_household):
    spouse = passing_household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(id_number="1509271972")
    (invalid,) = quality.invalid_id_members(Household.objects.all(), on=ON)
    assert (invalid.household_id, invalid.member_id, invalid.name) == (
        passing_household.pk,
        spouse.pk,
        spouse.name,
    )
    assert invalid.error == "身份证号应为18位,实际为10位"


def test_an_id_number_the_factories_make_is_valid():
    # The tests' own ID numbers must pass, or every "passing" test above is void.
    from census.rules import id_number_problem

    assert id_number_problem(id_number(date(2001, 2, 3))) is None
