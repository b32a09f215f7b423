"""The SQL criteria of ``assessment.queries`` agree with the Python rules.

``assessment.selectors.lifting_check`` (Python, one household) and
``queries.criterion_failed_q`` (SQL, any number of households) must
fail exactly the same households on every criterion: checked here for every
registered household of the demo town on several dates, and on edge cases
built with factories (ages on the day, 29 February, members joining and
leaving, assessments before and after the date, renovations, the per-capita
boundary…).

The demo town is built once for this module (``demo_town`` is module-scoped),
so every test that needs it lives here; the edge-case households are added
next to it and rolled back after each test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import rules
from assessment.queries import (
    criterion_failed_q,
    failure_counts_by_village,
    failures_by_household,
    lifting_failed_q,
    lifting_passed_q,
    with_income,
)
from assessment.rules import Criterion
from assessment.selectors import LiftingCheckResult, lifting_check
from households import rules as household_rules
from households.choices import (
    HousingAlternative,
    HousingGrade,
    LeaveReason,
    MedicalInsurance,
    SchoolStatus,
)
from households.models import County, GuaranteeAssessment, Household, PolicyYear
from households.rules import years_before
from households.selectors import household_size_on, registered_q
from measures.models import ApplicationStatus, Category, Kind, MeasureApplication, Programme, Unit
from tests.factories import (
    GuaranteeFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    PolicyYearFactory,
    StatusFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

AS_OF = date(2020, 5, 31)  # after the May 2020 dynamic adjustment
LATER = date(2020, 7, 31)  # the newborn of report household 15 has joined
BEFORE_INCOMES = date(2019, 12, 31)  # the demo records no income for 2019
DEMO_DATES = [AS_OF, LATER, BEFORE_INCOMES]

ON = date(2020, 6, 30)  # the date of the edge cases
CENT = Decimal("0.01")


def failure_counts(queryset, *, on):
    """Households of ``queryset`` failing each criterion: the villages' counts
    (the overview's one query) summed."""
    by_village = failure_counts_by_village(queryset, on=on)
    return {c: sum(v[c] for v in by_village.values()) for c in Criterion}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

# The demo town uses region 150927 (as do tests.factories): ID numbers of
# another region can never collide with a demo member's.
_serial = itertools.count(1)


def local_id_number(birth: date, *, male: bool = True) -> str:
    seq = (next(_serial) % 499) * 2 + (1 if male else 0)
    body = f"110101{birth:%Y%m%d}{seq:03d}"
    return body + household_rules.id_check_digit(body)


def member(household, birth: date = date(1980, 1, 1), **kwargs):
    kwargs.setdefault("relation", "child" if birth.year > 2000 else "head")
    return MemberFactory(household=household, id_number=local_id_number(birth), **kwargs)


def passing_household(*, members: int = 1, **income):
    """A household meeting every criterion on ``ON``: insured adults, an
    assessment of 2020-05-15 with all guarantees met (grade B), an income
    of 2020 surveyed on 2020-05-31 (20,000 yuan of wages unless ``income``
    says otherwise)."""
    income.setdefault("wage_income", Decimal("20000"))
    PolicyYearFactory(year=2020, poverty_line=Decimal("4000"))
    household = HouseholdFactory()
    StatusFactory(household=household)
    for i in range(members):
        member(household, date(1970 + i, 3, 1), relation="head" if i == 0 else "other")
    GuaranteeFactory(household=household)
    IncomeFactory(household=household, **income)
    return household


def renovation(household, *, completed_on: date | None, status=ApplicationStatus.COMPLETED):
    programme, _ = Programme.objects.get_or_create(
        year=2020,
        name="测试危房改造",
        defaults={
            "category": Category.HOUSING,
            "kind": Kind.RENOVATION,
            "unit": Unit.PER_HOUSEHOLD,
        },
    )
    return MeasureApplication.objects.create(
        programme=programme,
        household=household,
        status=status,
        renovation_kind="new_build",
        completed_on=completed_on,
    )


def sql_failures(queryset, on: date) -> dict[Criterion, set[int]]:
    return {
        c: set(queryset.filter(criterion_failed_q(c, on=on)).values_list("pk", flat=True))
        for c in Criterion
    }


def python_failures(results: dict[int, LiftingCheckResult]) -> dict[Criterion, set[int]]:
    return {
        c: {pk for pk, result in results.items() if not result.check.by_key[c].passed}
        for c in Criterion
    }


def describe_differences(
    expected: set[int], actual: set[int], results: dict[int, LiftingCheckResult], criterion
) -> str:
    numbers = dict(Household.objects.values_list("pk", "number"))

    def lines(pks: Iterable[int]) -> str:
        return "\n".join(
            f"    {numbers.get(pk, pk)}: {results[pk].check.by_key[criterion].reason}"
            if pk in results
            else f"    {numbers.get(pk, pk)}"
            for pk in sorted(pks)[:20]
        )

    return (
        f"{criterion}: Python and SQL disagree\n"
        f"  failing in Python only ({len(expected - actual)}):\n{lines(expected - actual)}\n"
        f"  failing in SQL only ({len(actual - expected)}):\n{lines(actual - expected)}"
    )


def assert_income_annotations(row: Household, result: LiftingCheckResult, household) -> None:
    def cents(value):
        return None if value is None else Decimal(value).quantize(CENT)

    assert cents(row.net_income) == cents(result.net_income), household
    assert cents(row.per_capita_income) == cents(result.per_capita_income), household
    assert cents(row.poverty_line) == cents(result.poverty_line), household
    expected_size = (
        household_size_on(household, result.income.assessed_on) if result.income else None
    )
    assert row.income_size == expected_size, household
    if row.net_income is not None and row.income_size:
        # The display value can also be computed from the two annotations.
        assert (
            household_rules.per_capita_income(row.net_income, row.income_size)
            == row.per_capita_income
        )


def agree(household, on: date = ON) -> set[Criterion]:
    """Run the Python check and every SQL twin on one household; they must agree.

    Returns the criteria the household fails.
    """
    result = lifting_check(household=household, on=on)
    python = {r.key: r.passed for r in result.check.results}
    one = Household.objects.filter(pk=household.pk)
    sql = {c: not one.filter(criterion_failed_q(c, on=on)).exists() for c in Criterion}
    assert sql == python, "\n".join(
        f"{c}: Python {python[c]} ({result.check.by_key[c].reason}), SQL {sql[c]}"
        for c in Criterion
        if sql[c] != python[c]
    )
    assert one.filter(lifting_passed_q(on=on)).exists() == result.check.passed
    assert one.filter(lifting_failed_q(on=on)).exists() == (not result.check.passed)
    counts = failure_counts(one, on=on)
    assert counts == {c: int(not python[c]) for c in Criterion}
    # The list's page reads the same flags through the compiled SQL.
    assert failures_by_household([household.pk], on=on) == {
        household.pk: [c for c in Criterion if not python[c]]
    }
    assert_income_annotations(with_income(one, year=on.year).get(), result, household)
    return {c for c, passed in python.items() if not passed}


# --------------------------------------------------------------------------
# The demo town, household by household
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def python_checks(demo_town):
    """``lifting_check`` of every registered demo household, per date (computed once)."""
    cache: dict[date, dict[int, LiftingCheckResult]] = {}

    def checks(on: date) -> dict[int, LiftingCheckResult]:
        if on not in cache:
            cache[on] = {
                h.pk: lifting_check(household=h, on=on)
                for h in Household.objects.filter(registered_q(on))
            }
        return cache[on]

    return checks


@pytest.mark.parametrize("on", DEMO_DATES, ids=str)
def test_every_demo_household_fails_the_same_criteria_in_sql_and_python(python_checks, on):
    results = python_checks(on)
    registered = Household.objects.filter(registered_q(on))
    assert len(results) == registered.count() > 1000

    expected = python_failures(results)
    actual = sql_failures(registered, on)
    for criterion in Criterion:
        assert actual[criterion] == expected[criterion], describe_differences(
            expected[criterion], actual[criterion], results, criterion
        )

    failing = {pk for pk, result in results.items() if not result.check.passed}
    assert set(registered.filter(lifting_failed_q(on=on)).values_list("pk", flat=True)) == failing
    # A list page reads its rows' failures with one compiled query (every
    # household at once here).
    flags = failures_by_household(list(results), on=on)
    assert {pk: set(failed) for pk, failed in flags.items()} == {
        pk: {r.key for r in result.check.results if not r.passed} for pk, result in results.items()
    }
    assert set(registered.filter(lifting_passed_q(on=on)).values_list("pk", flat=True)) == (
        set(results) - failing
    )

    counts = failure_counts(registered, on=on)
    assert counts == {c: len(expected[c]) for c in Criterion}
    by_village = failure_counts_by_village(registered, on=on)
    assert {c: sum(v[c] for v in by_village.values()) for c in Criterion} == counts
    villages = dict(registered.values_list("pk", "village_id"))
    for criterion in Criterion:
        for village_id, village_counts in by_village.items():
            assert village_counts[criterion] == sum(
                1 for pk in expected[criterion] if villages[pk] == village_id
            )


@pytest.mark.parametrize("on", DEMO_DATES, ids=str)
def test_income_annotations_of_every_demo_household_match_python(python_checks, on):
    results = python_checks(on)
    rows = with_income(Household.objects.filter(registered_q(on)), year=on.year)
    assert len(rows) == len(results)
    for row in rows:
        assert_income_annotations(row, results[row.pk], row)
    if on.year == 2019:
        assert all(row.net_income is None and row.per_capita_income is None for row in rows)
        assert {row.poverty_line for row in rows} == {Decimal("3747.00")}
    else:
        assert all(row.per_capita_income is not None for row in rows)


def report_households(*seqs: int) -> set[Household]:
    return {Household.objects.get(notes__contains=f"第{seq}户)") for seq in seqs}


def test_demo_figures_on_the_report_date():
    registered = Household.objects.filter(registered_q(AS_OF))

    # Report household 1: 12,181.50 yuan per capita, but its house is still dangerous.
    (first,) = report_households(1)
    assert agree(first, AS_OF) == {Criterion.HOUSING}
    row = with_income(Household.objects.filter(pk=first.pk), year=2020).get()
    assert row.per_capita_income == Decimal("12181.50")
    assert (row.income_size, row.poverty_line) == (2, Decimal("4000.00"))

    # Below the 4,000 line: the report's households 4, 5, 9, 11 and 15, no other.
    below = set(registered.filter(criterion_failed_q(Criterion.INCOME, on=AS_OF)))
    assert below == report_households(4, 5, 9, 11, 15)
    # Renovation not completed yet: report households 1, 2, 5 and 6.
    unsafe = set(registered.filter(criterion_failed_q(Criterion.HOUSING, on=AS_OF)))
    assert unsafe == report_households(1, 2, 5, 6)

    assert failure_counts(registered, on=AS_OF) == {
        Criterion.INCOME: 5,
        Criterion.FOOD: 0,
        Criterion.CLOTHING: 0,
        Criterion.EDUCATION: 0,
        Criterion.MEDICAL: 0,
        Criterion.HOUSING: 4,
        Criterion.WATER: 0,
    }
    assert registered.filter(lifting_failed_q(on=AS_OF)).count() == 8


def test_no_income_of_the_year_fails_income_everywhere():
    registered = Household.objects.filter(registered_q(BEFORE_INCOMES))
    counts = failure_counts(registered, on=BEFORE_INCOMES)
    assert counts[Criterion.INCOME] == registered.count()
    # No guarantee assessment before 2020 either.
    assert counts[Criterion.FOOD] == registered.count()


def test_per_capita_range_filter_on_the_demo_town(python_checks):
    results = python_checks(AS_OF)
    low, high = Decimal("3000"), Decimal("5000")
    expected = {
        pk for pk, r in results.items() if r.per_capita_income and low <= r.per_capita_income < high
    }
    rows = with_income(Household.objects.filter(registered_q(AS_OF)), year=2020).filter(
        per_capita_income__gte=low, per_capita_income__lt=high
    )
    assert set(rows.values_list("pk", flat=True)) == expected
    assert expected


# --------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------


def test_a_household_meeting_every_criterion():
    assert agree(passing_household()) == set()


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (years_before(ON, 6), ON, 6),  # 6 today
        (years_before(ON, 6) + timedelta(days=1), ON, 5),  # 6 tomorrow
        (years_before(ON, 16), ON, 16),  # 16 today
        (years_before(ON, 16) + timedelta(days=1), ON, 15),  # 16 tomorrow
        # 29 February: a year older on 1 March of a common year.
        (date(2012, 2, 29), date(2018, 2, 28), 5),
        (date(2012, 2, 29), date(2018, 3, 1), 6),
        (date(2004, 2, 29), date(2020, 2, 28), 15),
        (date(2004, 2, 29), date(2020, 2, 29), 16),
        (date(2004, 3, 1), date(2020, 2, 29), 15),
        # On 29 February, six years back is a common year.
        (date(2014, 2, 28), date(2020, 2, 29), 6),
        (date(2014, 3, 1), date(2020, 2, 29), 5),
        (date(2005, 2, 28), date(2021, 2, 28), 16),
        (date(2005, 3, 1), date(2021, 2, 28), 15),
    ],
)
def test_school_age_is_counted_on_the_day(birth, on, age):
    assert household_rules.age_on(birth, on) == age
    household = passing_household()
    household.members.update(joined_on=date(2001, 1, 1))
    member(household, birth, joined_on=birth, school_status=SchoolStatus.NOT_STUDENT)
    failures = agree(household, on)
    assert (Criterion.EDUCATION in failures) == rules.is_compulsory_school_age(birth, on)


@pytest.mark.parametrize(
    ("birth", "on", "required"),
    [
        # Turned 6 in July: enrols in September, not out of school before.
        (date(2014, 7, 10), date(2020, 7, 31), False),
        (date(2014, 7, 10), date(2020, 9, 1), True),
        # 6 by 31 August of last year: required all through this school year.
        (date(2013, 8, 31), date(2020, 5, 31), True),
        (date(2013, 9, 1), date(2020, 5, 31), False),
        # 16 on the date: no longer of compulsory-school age.
        (date(2004, 5, 31), date(2020, 5, 31), False),
        (date(2004, 6, 1), date(2020, 5, 31), True),
    ],
)
def test_compulsory_school_age_follows_the_school_year(birth, on, required):
    assert rules.is_compulsory_school_age(birth, on) is required
    household = passing_household()
    household.members.update(joined_on=date(2001, 1, 1))
    member(household, birth, joined_on=birth, school_status=SchoolStatus.NOT_STUDENT)
    assert (Criterion.EDUCATION in agree(household, on)) is required


@pytest.mark.parametrize(
    ("status", "fails"),
    [
        (SchoolStatus.IN_SCHOOL, False),
        (SchoolStatus.HOME_TAUGHT, False),
        (SchoolStatus.CERTIFIED_UNABLE, False),
        (SchoolStatus.DROPPED_OUT, True),
        (SchoolStatus.NOT_STUDENT, True),
    ],
)
def test_school_status_of_a_child(status, fails):
    household = passing_household()
    member(household, date(2010, 9, 1), school_status=status)
    assert (Criterion.EDUCATION in agree(household)) == fails


def test_a_member_who_left_before_the_date_is_not_checked():
    household = passing_household()
    member(
        household,
        date(2009, 1, 1),
        school_status=SchoolStatus.DROPPED_OUT,
        medical_insurance=MedicalInsurance.NONE,
        left_on=ON,  # leaving on the day: no longer present
        leave_reason=LeaveReason.MOVE_OUT,
    )
    assert agree(household, ON) == set()
    assert agree(household, ON - timedelta(days=1)) == {Criterion.EDUCATION, Criterion.MEDICAL}


def test_a_member_who_joins_later_is_not_checked_yet():
    household = passing_household()
    member(household, medical_insurance=MedicalInsurance.NONE, joined_on=ON + timedelta(days=1))
    assert agree(household, ON) == set()
    assert agree(household, ON + timedelta(days=1)) == {Criterion.MEDICAL}


def test_income_is_divided_among_the_members_present_on_the_survey_date():
    # 6,000 yuan, one member on the survey date (2020-05-31): 6,000 per capita.
    household = passing_household(wage_income=Decimal("6000"))
    spouse = member(household, date(1985, 8, 1), relation="spouse", joined_on=date(2020, 6, 15))
    assert agree(household, LATER) == set()
    row = with_income(Household.objects.filter(pk=household.pk), year=2020).get()
    assert (row.income_size, row.per_capita_income) == (1, Decimal("6000.00"))
    # Had she married in by the survey date: 3,000 per capita, below the line.
    spouse.joined_on = date(2020, 5, 31)
    spouse.save()
    assert agree(household, LATER) == {Criterion.INCOME}


def test_a_member_who_left_after_the_survey_still_divides_the_income():
    household = passing_household(wage_income=Decimal("7000"))
    member(household, left_on=date(2020, 6, 1), leave_reason=LeaveReason.DEATH)
    # Two members on 2020-05-31: 3,500 per capita, though only one is left on ON.
    assert agree(household, ON) == {Criterion.INCOME}


def test_an_assessment_after_the_date_is_ignored():
    household = passing_household()
    GuaranteeFactory(household=household, assessed_on=date(2020, 7, 15), food_ok=False)
    assert agree(household, ON) == set()
    assert agree(household, LATER) == {Criterion.FOOD}


def test_the_latest_assessment_up_to_the_date_counts():
    household = passing_household()
    GuaranteeFactory(
        household=household,
        assessed_on=date(2020, 3, 1),
        water_ok=False,
        clothing_ok=False,
        housing_grade=HousingGrade.D,
    )
    assert agree(household, ON) == set()
    assert agree(household, date(2020, 5, 14)) == {
        Criterion.WATER,
        Criterion.CLOTHING,
        Criterion.HOUSING,
    }
    assessed_on_the_day = agree(household, date(2020, 5, 15))
    assert assessed_on_the_day == set()


def test_without_assessment_up_to_the_date_the_guarantees_fail():
    household = passing_household()
    GuaranteeAssessment.objects.filter(household=household).update(assessed_on=date(2020, 7, 1))
    expected = {Criterion.FOOD, Criterion.CLOTHING, Criterion.HOUSING, Criterion.WATER}
    assert agree(household, ON) == expected
    # A renovation completed by then makes the house safe even unassessed.
    renovation(household, completed_on=date(2020, 6, 1))
    assert agree(household, ON) == expected - {Criterion.HOUSING}


def test_a_dangerous_house_passes_once_its_renovation_is_completed():
    household = passing_household()
    GuaranteeAssessment.objects.filter(household=household).update(housing_grade=HousingGrade.D)
    assert agree(household) == {Criterion.HOUSING}
    renovation(household, completed_on=None, status=ApplicationStatus.IN_PROGRESS)
    assert agree(household) == {Criterion.HOUSING}
    renovation(household, completed_on=date(2020, 7, 15))
    assert agree(household, ON) == {Criterion.HOUSING}
    assert agree(household, date(2020, 7, 15)) == set()


def test_a_grade_that_is_no_grade_fails_even_after_renovation():
    household = passing_household()
    renovation(household, completed_on=date(2020, 6, 1))
    GuaranteeAssessment.objects.filter(household=household).update(housing_grade="X")
    assert agree(household) == {Criterion.HOUSING}


@pytest.mark.parametrize(
    ("grade", "alternative", "fails"),
    [
        (HousingGrade.A, HousingAlternative.NONE, False),
        (HousingGrade.B, HousingAlternative.NONE, False),
        (HousingGrade.C, HousingAlternative.NONE, True),
        (HousingGrade.D, HousingAlternative.NONE, True),
        ("", HousingAlternative.NONE, True),
        (HousingGrade.D, HousingAlternative.RELOCATION, False),
        (HousingGrade.C, HousingAlternative.OTHER_SAFE, False),
        ("", HousingAlternative.RELOCATION, False),
        ("X", HousingAlternative.RELOCATION, True),
        (HousingGrade.D, "", True),
        (HousingGrade.D, "bogus", True),
    ],
)
def test_housing_grade_and_alternative(grade, alternative, fails):
    household = passing_household()
    GuaranteeAssessment.objects.filter(household=household).update(
        housing_grade=grade, housing_alternative=alternative
    )
    assert (Criterion.HOUSING in agree(household)) == fails


def test_a_household_without_members():
    household = passing_household(members=0)
    assert agree(household) == {Criterion.INCOME, Criterion.EDUCATION, Criterion.MEDICAL}
    row = with_income(Household.objects.filter(pk=household.pk), year=2020).get()
    assert (row.net_income, row.income_size, row.per_capita_income) == (
        Decimal("20000.00"),
        0,
        None,
    )


def test_a_member_with_uninsured_status_fails_medical():
    household = passing_household()
    member(household, date(1990, 1, 1), relation="child", medical_insurance=MedicalInsurance.NONE)
    assert agree(household) == {Criterion.MEDICAL}
    household.members.update(medical_insurance=MedicalInsurance.SOLDIER)
    assert agree(household) == set()


def test_no_income_recorded_for_the_year():
    household = passing_household()
    household.incomes.update(year=2019)
    assert agree(household) == {Criterion.INCOME}
    row = with_income(Household.objects.filter(pk=household.pk), year=2020).get()
    assert (row.net_income, row.income_size, row.per_capita_income) == (None, None, None)


def test_no_poverty_line_for_the_year():
    assert not PolicyYear.objects.filter(year=2021).exists()
    household = passing_household()
    IncomeFactory(household=household, year=2021, assessed_on=date(2021, 5, 31), wage_income=99999)
    assert Criterion.INCOME in agree(household, date(2021, 6, 30))
    row = with_income(Household.objects.filter(pk=household.pk), year=2021).get()
    assert row.poverty_line is None
    assert row.per_capita_income == Decimal("99999.00")


# -- the line of the household's province ------------------------------------

HEBEI = "河北省"


def household_in(province: str, **income):
    """A passing household (``passing_household``) moved to a village of a
    county of ``province``."""
    county, _ = County.objects.get_or_create(
        name=f"{province}测试县", defaults={"code": "130731000000", "province": province}
    )
    village = VillageFactory(town=TownFactory(name=f"{province}测试镇", county=county))
    household = passing_household(**income)
    Household.objects.filter(pk=household.pk).update(village=village)
    return Household.objects.get(pk=household.pk)


def test_two_provinces_judge_the_same_income_by_their_own_lines():
    # 9,000 yuan for two: 4,500 each, above Inner Mongolia's 4,000, below Hebei's 5,000.
    PolicyYearFactory(province_name=HEBEI, year=2020, poverty_line=Decimal("5000"))
    mongolia = passing_household(members=2, wage_income=Decimal("9000"))
    hebei = household_in(HEBEI, members=2, wage_income=Decimal("9000"))
    assert mongolia.village.town.county.province == "内蒙古自治区"

    assert agree(mongolia) == set()
    assert agree(hebei) == {Criterion.INCOME}
    income = lifting_check(household=hebei, on=ON).check.by_key[Criterion.INCOME]
    assert income.reason == "人均纯收入4,500.00元,低于2020年贫困线5,000.00元(差500.00元)"
    rows = with_income(Household.objects.filter(pk__in=[mongolia.pk, hebei.pk]), year=2020)
    assert {r.pk: r.poverty_line for r in rows} == {
        mongolia.pk: Decimal("4000.00"),
        hebei.pk: Decimal("5000.00"),
    }
    # Both provinces in one query: the list's flags and the villages' counts.
    both = Household.objects.filter(pk__in=[mongolia.pk, hebei.pk])
    assert failures_by_household([mongolia.pk, hebei.pk], on=ON) == {
        mongolia.pk: [],
        hebei.pk: [Criterion.INCOME],
    }
    assert failure_counts(both, on=ON)[Criterion.INCOME] == 1
    assert set(both.filter(lifting_passed_q(on=ON))) == {mongolia}

    # Hebei's line lowered to Inner Mongolia's: the household passes too.
    PolicyYear.objects.filter(province_name=HEBEI).update(poverty_line=Decimal("4000"))
    assert agree(hebei) == set()


def test_a_province_without_its_line_of_the_year_fails_income_as_a_missing_year():
    # Hebei has no row for 2020; Inner Mongolia's row does not serve its households.
    assert not PolicyYear.objects.filter(province_name=HEBEI).exists()
    hebei = household_in(HEBEI, wage_income=Decimal("99999"))
    assert agree(hebei) == {Criterion.INCOME}
    result = lifting_check(household=hebei, on=ON)
    assert result.poverty_line is None
    assert result.check.by_key[Criterion.INCOME].reason == "未设置2020年度贫困线"
    row = with_income(Household.objects.filter(pk=hebei.pk), year=2020).get()
    assert row.poverty_line is None and row.per_capita_income == Decimal("99999.00")


def test_the_provinces_lines_take_no_query_per_household():
    PolicyYearFactory(province_name=HEBEI, year=2020, poverty_line=Decimal("5000"))
    one = [passing_household(), household_in(HEBEI)]
    many = one + [household_in(HEBEI) for _ in range(5)] + [passing_household() for _ in range(5)]
    assert _queries_for(one) == _queries_for(many) == len(Criterion) + 3


@pytest.mark.parametrize(
    ("components", "members", "per_capita", "passes"),
    [
        ({"wage_income": Decimal("8000.00")}, 2, Decimal("4000.00"), True),
        ({"wage_income": Decimal("7999.99")}, 2, Decimal("4000.00"), True),  # 3999.995
        ({"wage_income": Decimal("7999.98")}, 2, Decimal("3999.99"), False),
        ({"wage_income": Decimal("11999.99")}, 3, Decimal("4000.00"), True),  # 3999.9966…
        ({"wage_income": Decimal("11999.98")}, 3, Decimal("3999.99"), False),  # 3999.9933…
        # Components whose float sum is not exact on SQLite: 7,999.99 in all.
        (
            {
                "wage_income": Decimal("2666.67"),
                "property_income": Decimal("0.10"),
                "transfer_dibao": Decimal("2666.56"),
                "transfer_pension": Decimal("0.20"),
                "transfer_other": Decimal("2666.46"),
            },
            2,
            Decimal("4000.00"),
            True,
        ),
        # Production net of its costs.
        (
            {
                "wage_income": Decimal("3000"),
                "production_income": Decimal("6000.50"),
                "production_cost": Decimal("1000.53"),
            },
            2,
            Decimal("3999.99"),  # 7999.97 / 2 = 3999.985
            False,
        ),
    ],
)
def test_per_capita_income_at_the_line(components, members, per_capita, passes):
    household = passing_household(members=members, **components)
    assert (Criterion.INCOME not in agree(household)) == passes
    row = with_income(Household.objects.filter(pk=household.pk), year=2020).get()
    assert row.per_capita_income == per_capita
    assert str(row.per_capita_income) == str(per_capita)  # two places on every backend
    at_least_line = with_income(Household.objects.filter(pk=household.pk), year=2020).filter(
        per_capita_income__gte=Decimal("4000")
    )
    assert at_least_line.exists() == passes


@pytest.mark.parametrize(
    ("cost", "members", "passes"),
    [
        (Decimal("0.00"), 2, True),  # 0.00 per capita reaches a line of 0
        (Decimal("0.01"), 3, True),  # -0.00333… rounds to -0.00
        (Decimal("0.01"), 2, False),  # -0.005 rounds half up (away from zero) to -0.01
        (Decimal("0.03"), 2, False),  # -0.015 → -0.02
    ],
)
def test_negative_net_income_and_a_zero_line(cost, members, passes):
    PolicyYearFactory(year=2022, poverty_line=Decimal("0"))
    household = passing_household(members=members)
    household.incomes.update(year=2022, wage_income=0, production_cost=cost)
    failures = agree(household, date(2022, 6, 30))
    assert (Criterion.INCOME not in failures) == passes


# --------------------------------------------------------------------------
# One query, however many households
# --------------------------------------------------------------------------


def _queries_for(households: list[Household]) -> int:
    pks = [h.pk for h in households]
    with CaptureQueriesContext(connection) as ctx:
        for criterion in Criterion:
            rows = with_income(Household.objects.filter(pk__in=pks), year=2020).filter(
                criterion_failed_q(criterion, on=ON)
            )
            figures = [(r.net_income, r.income_size, r.per_capita_income) for r in rows]
            assert len(figures) <= len(pks)
        list(Household.objects.filter(pk__in=pks).filter(lifting_passed_q(on=ON)))
        failure_counts(Household.objects.filter(pk__in=pks), on=ON)
        failure_counts_by_village(Household.objects.filter(pk__in=pks), on=ON)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_households():
    def households(n: int) -> list[Household]:
        made = []
        for i in range(n):
            household = passing_household(members=1 + i % 3, wage_income=Decimal(3000 + 500 * i))
            if i % 4 == 0:
                member(household, date(2012, 1, 1), school_status=SchoolStatus.DROPPED_OUT)
            made.append(household)
        return made

    few, many = households(3), households(30)
    assert _queries_for(few) == _queries_for(many) == len(Criterion) + 3
    assert failure_counts(Household.objects.filter(pk__in=[h.pk for h in many]), on=ON)[
        Criterion.EDUCATION
    ] == len(range(0, 30, 4))
