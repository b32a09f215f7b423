"""Tests of the pure lifting-out standard (no database).

People are pseudonyms.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from assessment.rules import (
    Criterion,
    HouseholdFacts,
    MemberFacts,
    check_lifting_standard,
)
from households.choices import (
    HousingAlternative,
    HousingGrade,
    MedicalInsurance,
    SchoolStatus,
)
from households.rules import per_capita_income, project_income

# --------------------------------------------------------------------------
# The lifting-out standard
# --------------------------------------------------------------------------

ADULT = MemberFacts(
    name="王建国",
    age=52,
    school_status=SchoolStatus.NOT_STUDENT,
    medical_insurance=MedicalInsurance.RESIDENT,
)
SPOUSE = replace(ADULT, name="李秀兰", age=50)


def facts(**overrides) -> HouseholdFacts:
    """A household that meets every criterion, with ``overrides`` applied."""
    values = {
        "year": 2020,
        "per_capita_income": Decimal("5000.00"),
        "poverty_line": Decimal("4000.00"),
        "food_ok": True,
        "clothing_ok": True,
        "housing_grade": HousingGrade.B,
        "housing_renovation_completed": False,
        "housing_alternative": HousingAlternative.NONE,
        "water_ok": True,
        "members": (ADULT, SPOUSE),
    }
    values.update(overrides)
    return HouseholdFacts(**values)


def failing_keys(household: HouseholdFacts) -> list[str]:
    return [result.key for result in check_lifting_standard(household).failures]


def test_household_meeting_every_criterion_passes_in_standard_order():
    check = check_lifting_standard(facts())

    assert check.passed
    assert check.failures == ()
    assert [r.key for r in check.results] == [
        Criterion.INCOME,
        Criterion.FOOD,
        Criterion.CLOTHING,
        Criterion.EDUCATION,
        Criterion.MEDICAL,
        Criterion.HOUSING,
        Criterion.WATER,
    ]
    assert [r.label for r in check.results] == [
        "收入达标",
        "不愁吃",
        "不愁穿",
        "义务教育有保障",
        "基本医疗有保障",
        "住房安全有保障",
        "饮水安全有保障",
    ]
    assert all(r.reason for r in check.results)


def test_seed_household_1_passes_income_fails_housing():
    household = facts(
        per_capita_income=per_capita_income(Decimal("24363"), 2),
        housing_grade=HousingGrade.D,
        housing_renovation_completed=False,
    )

    check = check_lifting_standard(household)

    assert not check.passed
    assert [r.key for r in check.failures] == [Criterion.HOUSING]
    assert check.get(Criterion.INCOME).reason == (
        "人均纯收入12,181.50元,高于2020年贫困线4,000.00元(超出8,181.50元)"
    )
    housing = check.get(Criterion.HOUSING)
    assert "危房" in housing.reason
    assert housing.reason == "住房鉴定为D级(整栋危房),危房改造尚未完工"


def test_seed_household_1_passes_once_renovation_completed():
    household = facts(
        per_capita_income=Decimal("12181.50"),
        housing_grade=HousingGrade.D,
        housing_renovation_completed=True,
    )

    check = check_lifting_standard(household)

    assert check.passed
    assert "危房改造已完工" in check.get(Criterion.HOUSING).reason


def test_seed_household_4_fails_income_by_50_yuan():
    check = check_lifting_standard(facts(per_capita_income=Decimal("3950")))

    assert [r.key for r in check.failures] == [Criterion.INCOME]
    assert check.get(Criterion.INCOME).reason == (
        "人均纯收入3,950.00元,低于2020年贫困线4,000.00元(差50.00元)"
    )


def test_seed_household_4_passes_income_once_collective_dividend_lands():
    projected = project_income(Decimal("7900"), Decimal("1000"), 2)

    assert projected == Decimal("4450.00")
    check = check_lifting_standard(facts(per_capita_income=projected))
    assert check.get(Criterion.INCOME).passed


def test_projected_income_without_members_is_none():
    assert project_income(Decimal("7900"), Decimal("1000"), 0) is None


def test_income_exactly_at_the_line_passes():
    result = check_lifting_standard(facts(per_capita_income=Decimal("4000"))).get(Criterion.INCOME)

    assert result.passed
    assert "达到2020年贫困线4,000.00元" in result.reason


def test_one_fen_below_the_line_fails():
    result = check_lifting_standard(facts(per_capita_income=Decimal("3999.99"))).get(
        Criterion.INCOME
    )

    assert not result.passed
    assert "(差0.01元)" in result.reason


def test_income_not_recorded_fails():
    result = check_lifting_standard(facts(per_capita_income=None)).get(Criterion.INCOME)

    assert not result.passed
    assert result.reason == "未录入2020年度收入"


def test_poverty_line_not_set_fails():
    result = check_lifting_standard(facts(poverty_line=None)).get(Criterion.INCOME)

    assert not result.passed
    assert "未设置2020年度贫困线" in result.reason


def test_school_age_child_dropped_out_fails_education_naming_the_child():
    child = replace(ADULT, name="王小明", age=12, school_status=SchoolStatus.DROPPED_OUT)

    check = check_lifting_standard(facts(members=(ADULT, SPOUSE, child)))

    assert [r.key for r in check.failures] == [Criterion.EDUCATION]
    assert check.get(Criterion.EDUCATION).reason == (
        "义务教育阶段适龄儿童(6–15岁)未在校:王小明(12岁,辍学)"
    )


@pytest.mark.parametrize(("age", "fails"), [(5, False), (6, True), (15, True), (16, False)])
def test_education_covers_ages_6_to_15(age, fails):
    child = replace(ADULT, name="王小明", age=age, school_status=SchoolStatus.NOT_STUDENT)

    assert (Criterion.EDUCATION in failing_keys(facts(members=(ADULT, child)))) is fails


@pytest.mark.parametrize(
    "status",
    [SchoolStatus.IN_SCHOOL, SchoolStatus.HOME_TAUGHT, SchoolStatus.CERTIFIED_UNABLE],
)
def test_child_in_school_taught_at_home_or_certified_unable_passes(status):
    child = replace(ADULT, name="王小明", age=9, school_status=status)

    result = check_lifting_standard(facts(members=(ADULT, child))).get(Criterion.EDUCATION)

    assert result.passed
    assert "1人" in result.reason


def test_child_without_school_status_fails_education():
    child = replace(ADULT, name="王小明", age=9, school_status="")

    result = check_lifting_standard(facts(members=(ADULT, child))).get(Criterion.EDUCATION)

    assert not result.passed
    assert "王小明(9岁,未录入在校情况)" in result.reason


def test_member_of_unknown_age_is_left_out_of_education_check():
    unknown = replace(ADULT, name="王小明", age=None, school_status=SchoolStatus.DROPPED_OUT)

    result = check_lifting_standard(facts(members=(ADULT, unknown))).get(Criterion.EDUCATION)

    assert result.passed
    assert "1人年龄未知" in result.reason


def test_uninsured_member_fails_medical_naming_them():
    uninsured = replace(SPOUSE, medical_insurance=MedicalInsurance.NONE)

    check = check_lifting_standard(facts(members=(ADULT, uninsured)))

    assert [r.key for r in check.failures] == [Criterion.MEDICAL]
    assert check.get(Criterion.MEDICAL).reason == "未参加基本医疗保险:李秀兰(未参保)"


@pytest.mark.parametrize("insurance", [MedicalInsurance.NEWBORN_PENDING, MedicalInsurance.SOLDIER])
def test_newborn_pending_insurance_or_soldier_passes_medical(insurance):
    member = MemberFacts(
        name="王小宝", age=0, school_status=SchoolStatus.NOT_STUDENT, medical_insurance=insurance
    )

    result = check_lifting_standard(facts(members=(ADULT, member))).get(Criterion.MEDICAL)

    assert result.passed
    assert "王小宝" in result.reason


def test_household_without_members_fails_education_and_medical():
    assert failing_keys(facts(members=())) == [Criterion.EDUCATION, Criterion.MEDICAL]


@pytest.mark.parametrize(
    ("field", "key", "reason"),
    [
        ("food_ok", Criterion.FOOD, "未评估是否不愁吃"),
        ("clothing_ok", Criterion.CLOTHING, "未评估是否不愁穿"),
        ("water_ok", Criterion.WATER, "未评估饮水安全"),
    ],
)
def test_unassessed_guarantee_fails(field, key, reason):
    check = check_lifting_standard(facts(**{field: None}))

    assert [r.key for r in check.failures] == [key]
    assert check.get(key).reason == reason


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("food_ok", Criterion.FOOD),
        ("clothing_ok", Criterion.CLOTHING),
        ("water_ok", Criterion.WATER),
    ],
)
def test_guarantee_assessed_not_met_fails(field, key):
    assert failing_keys(facts(**{field: False})) == [key]


@pytest.mark.parametrize("grade", [HousingGrade.A, HousingGrade.B])
def test_house_appraised_a_or_b_is_safe(grade):
    assert check_lifting_standard(facts(housing_grade=grade)).get(Criterion.HOUSING).passed


def test_partly_dangerous_house_fails_until_renovated():
    result = check_lifting_standard(facts(housing_grade=HousingGrade.C)).get(Criterion.HOUSING)

    assert not result.passed
    assert result.reason == "住房鉴定为C级(局部危房),危房改造尚未完工"


@pytest.mark.parametrize("grade", [None, ""])
def test_house_not_appraised_fails(grade):
    result = check_lifting_standard(facts(housing_grade=grade)).get(Criterion.HOUSING)

    assert not result.passed
    assert result.reason == "住房安全未鉴定"


@pytest.mark.parametrize(
    "alternative", [HousingAlternative.RELOCATION, HousingAlternative.OTHER_SAFE]
)
def test_dangerous_house_made_irrelevant_by_relocation_passes(alternative):
    result = check_lifting_standard(
        facts(housing_grade=HousingGrade.D, housing_alternative=alternative)
    ).get(Criterion.HOUSING)

    assert result.passed
    assert str(alternative.label) in result.reason


def test_failures_are_all_reported_together():
    household = facts(
        per_capita_income=Decimal("3950"),
        food_ok=None,
        housing_grade=HousingGrade.D,
        members=(replace(ADULT, medical_insurance=MedicalInsurance.NONE),),
    )

    assert failing_keys(household) == [
        Criterion.INCOME,
        Criterion.FOOD,
        Criterion.MEDICAL,
        Criterion.HOUSING,
    ]


def test_results_can_be_looked_up_by_key():
    check = check_lifting_standard(facts())

    assert check.by_key["housing"] is check.get(Criterion.HOUSING)
    assert set(check.by_key) == set(Criterion)
