"""The monitoring rules, pure: the income test at the line, the rigid-expenditure
test, the sharp income drop, the category and the elimination test."""

from datetime import date
from decimal import Decimal

import pytest

from assessment.rules import Criterion, CriterionResult
from households.choices import Labour
from monitoring import rules
from monitoring.choices import Category

D = Decimal


def params(line="7500", **fields):
    values = {
        "province": "内蒙古自治区",
        "year": 2024,
        "line": D(line),
        "medical_cost_share": D("50"),
        "rigid_cost_share": D("60"),
        "income_drop_share": D("50"),
        "stable_months": 6,
        **fields,
    }
    return rules.LineParams(**values)


def costs(medical="0", schooling="0", disaster="0", accident="0", other="0"):
    return rules.RigidCosts(D(medical), D(schooling), D(disaster), D(accident), D(other))


def risk(registration=rules.NOT_REGISTERED, per_capita="7000", net=None, previous=None, **kw):
    per_capita = None if per_capita is None else D(per_capita)
    values = {
        "year": 2024,
        "province": "内蒙古自治区",
        "registration": registration,
        "per_capita_income": per_capita,
        "net_income": D(net) if net is not None else (per_capita * 2 if per_capita else None),
        "previous_net_income": None if previous is None else D(previous),
        "costs": None,
        "params": params(),
        **kw,
    }
    return rules.HouseholdRisk(**values)


# --------------------------------------------------------------------------
# Income test
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "below"),
    [("7499.99", True), ("7500.00", False), ("7500", False), ("7500.01", False), ("0", True)],
)
def test_exactly_at_the_line_is_not_below_it(income, below):
    finding = rules.income_test(D(income), params(), year=2024, province="内蒙古自治区")
    assert finding.flagged is below


def test_the_income_reason_names_the_province_line_and_the_gap():
    finding = rules.income_test(D("7000"), params(), year=2024, province="内蒙古自治区")
    assert finding.reason == (
        "人均纯收入7,000.00元,低于内蒙古自治区2024年监测标准7,500.00元(差500.00元)"
    )
    at = rules.income_test(D("7500"), params(), year=2024, province="内蒙古自治区")
    assert "等于" in at.reason and "不低于标准" in at.reason


def test_the_same_income_is_below_one_province_line_and_not_another():
    hebei = params("8800", province="河北省")
    assert rules.income_test(D("8000"), hebei, year=2024, province="河北省").flagged
    assert not rules.income_test(D("8000"), params(), year=2024, province="内蒙古").flagged


def test_no_line_or_no_income_is_unknown_and_says_what_is_missing():
    no_line = rules.income_test(D("1"), None, year=2031, province="河北省")
    assert no_line.flagged is None
    assert no_line.reason == "未设置河北省2031年度防返贫监测标准"
    no_income = rules.income_test(None, params(), year=2024, province="内蒙古自治区")
    assert (no_income.flagged, no_income.reason) == (None, "未录入2024年度收入")


# --------------------------------------------------------------------------
# Rigid expenditure and income drop
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medical", "flagged"),
    [("10000.00", False), ("10000.01", True), ("0", False)],  # 50% of 20,000
)
def test_medical_costs_must_exceed_the_share_of_income(medical, flagged):
    finding = rules.rigid_expenditure_test(costs(medical), D("20000"), params())
    assert finding.flagged is flagged


def test_all_rigid_costs_together_against_their_own_share():
    # 60% of 20,000 = 12,000: medical 8,000 (below 50%) + schooling 4,000.01.
    assert rules.rigid_expenditure_test(costs("8000", "4000.01"), D("20000"), params()).flagged
    assert not rules.rigid_expenditure_test(costs("8000", "4000"), D("20000"), params()).flagged


def test_any_rigid_cost_surges_against_no_or_negative_income():
    assert rules.rigid_expenditure_test(costs(accident="1"), D("0"), params()).flagged
    assert rules.rigid_expenditure_test(costs(medical="1"), D("-500"), params()).flagged
    assert not rules.rigid_expenditure_test(costs(), D("0"), params()).flagged


def test_rigid_reason_says_which_share_was_exceeded():
    finding = rules.rigid_expenditure_test(costs("12000"), D("20000"), params())
    assert finding.reason == "自付医疗费用12,000.00元,超过家庭年纯收入20,000.00元的50%"
    assert rules.rigid_expenditure_test(None, D("1"), params()).reason == "未录入刚性支出"


@pytest.mark.parametrize(
    ("income", "previous", "flagged"),
    [("10000", "20000", True), ("10000.01", "20000", False), ("0", "1", True), ("5", "0", False)],
)
def test_a_sharp_drop_is_at_least_the_share_of_last_years_income(income, previous, flagged):
    assert rules.income_drop_test(D(income), D(previous), params()).flagged is flagged


# --------------------------------------------------------------------------
# Category
# --------------------------------------------------------------------------


def test_a_lifted_household_below_the_line_is_unstable():
    decision = rules.determine_category(risk(rules.LIFTED, "7499.99"))
    assert decision.category == Category.UNSTABLE
    assert decision.reason.startswith("已脱贫户,人均纯收入7,499.99元,低于")


def test_a_household_never_registered_below_the_line_is_on_the_edge():
    decision = rules.determine_category(risk(rules.NOT_REGISTERED, "6000"))
    assert decision.category == Category.EDGE
    assert decision.reason.startswith("非建档立卡户")


def test_at_the_line_without_a_surge_is_no_monitoring_object():
    decision = rules.determine_category(risk(rules.LIFTED, "7500"))
    assert decision.category is None
    assert decision.reason.endswith("无刚性支出骤增或收入大幅缩减")


def test_at_the_line_with_a_medical_surge_is_a_sudden_hardship():
    decision = rules.determine_category(risk(rules.LIFTED, "7500", costs=costs("7500.01")))
    assert decision.category == Category.SUDDEN
    assert "自付医疗费用7,500.01元" in decision.reason


def test_above_the_line_with_a_sharp_income_drop_is_a_sudden_hardship():
    decision = rules.determine_category(risk(rules.NOT_REGISTERED, "9000", previous="36000"))
    assert decision.category == Category.SUDDEN
    assert "降幅达到50" in decision.reason


def test_below_the_line_the_income_test_decides_even_with_a_surge():
    decision = rules.determine_category(risk(rules.LIFTED, "5000", costs=costs("99999")))
    assert decision.category == Category.UNSTABLE


def test_a_poor_household_not_yet_lifted_is_not_a_monitoring_object():
    decision = rules.determine_category(risk(rules.POOR, "100"))
    assert decision.category is None
    assert "尚未脱贫" in decision.reason


def test_without_the_provinces_line_no_category_is_guessed():
    decision = rules.determine_category(risk(rules.LIFTED, "100", params=None))
    assert decision.category is None
    assert decision.reason == "未设置内蒙古自治区2024年度防返贫监测标准"


# --------------------------------------------------------------------------
# Elimination
# --------------------------------------------------------------------------


def guarantees(failing=()):
    return tuple(
        CriterionResult(key=c, label=str(c.label), passed=c not in failing, reason="评估")
        for c in Criterion
        if c != Criterion.INCOME
    )


def elimination(**kw):
    values = {
        "on": date(2024, 12, 1),
        "per_capita_income": D("9000"),
        "params": params(),
        "income_stable_since": date(2024, 6, 1),
        "rigid_costs_settled": True,
        "guarantees": guarantees(),
        "labours": (Labour.ORDINARY, Labour.NONE),
    }
    values.update(kw)
    return rules.check_elimination(rules.EliminationFacts(**values))


def test_a_household_meeting_every_condition_is_eliminated():
    check = elimination()
    assert check.passed and not check.failures and not check.stays_monitored


@pytest.mark.parametrize(("on", "passed"), [(date(2024, 11, 30), False), (date(2024, 12, 1), True)])
def test_income_must_be_stable_for_the_lines_number_of_months(on, passed):
    check = elimination(on=on)
    assert check.passed is passed
    if not passed:
        assert check.failures[0].reason == (
            "自2024-06-01起收入稳定高于监测标准,不满6个月(须到2024-12-01)"
        )


def test_a_province_may_ask_for_a_longer_stable_period():
    assert not elimination(params=params(stable_months=12)).passed


def test_income_at_the_line_is_above_it_for_elimination():
    assert elimination(per_capita_income=D("7500")).passed
    assert not elimination(per_capita_income=D("7499.99")).passed


@pytest.mark.parametrize(
    "kw",
    [
        {"rigid_costs_settled": False},
        {"income_stable_since": None},
        {"guarantees": guarantees(failing=(Criterion.WATER,))},
        {"guarantees": guarantees(failing=(Criterion.HOUSING,))},
        {"guarantees": ()},
        {"params": None},
    ],
)
def test_each_condition_can_keep_the_risk(kw):
    check = elimination(**kw)
    assert not check.passed
    assert check.failures


def test_a_household_without_labour_capacity_stays_monitored_whatever_its_income():
    check = elimination(labours=(Labour.NONE, Labour.LOST), per_capita_income=D("50000"))
    assert check.stays_monitored and not check.passed
    assert check.failures[-1].reason == "家中无劳动能力成员:不标注风险消除,继续监测帮扶"
    assert elimination(labours=(Labour.WEAK,)).passed  # weak labour is labour


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 6, 15), 6, date(2024, 12, 15)),
        (date(2024, 7, 1), 12, date(2025, 7, 1)),
    ],
)
def test_months_are_added_to_the_day_or_the_months_end(day, months, expected):
    assert rules.add_months(day, months) == expected
