"""Reads of monitoring: the facts of one household for the rules, the lines.

``household_risk`` gathers one household's facts exactly as
``monitoring.queries.with_risk`` reads them in SQL for many:

* the poverty status on the date (its status period covering ``on``);
* the ``HouseholdIncome`` of the year: per capita over the members present on
  its ``assessed_on`` (``HouseholdIncome.per_capita``: a record with only a
  declared per-capita figure gives that figure), the household's net income
  (the declared figure × that size for such a record), and last year's;
* the ``RigidExpenditure`` of the year;
* the ``MonitoringLine`` of the household's province (its town's 所属省区) and year.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from households.models import Household, HouseholdIncome, HouseholdStatusPeriod, Member
from households.selectors import period_covers_q
from monitoring import rules
from monitoring.models import MonitoringLine, RigidExpenditure


def line_params(line: MonitoringLine | None) -> rules.LineParams | None:
    if line is None:
        return None
    return rules.LineParams(
        province=line.province_name,
        year=line.year,
        line=line.line,
        medical_cost_share=line.medical_cost_share,
        rigid_cost_share=line.rigid_cost_share,
        income_drop_share=line.income_drop_share,
        stable_months=line.stable_months,
    )


def province_of(household: Household) -> str:
    return household.village.town.province


def monitoring_line_for(*, household: Household, year: int) -> MonitoringLine | None:
    return MonitoringLine.objects.filter(province_name=province_of(household), year=year).first()


def _size_on(household: Household, on: date) -> int:
    return Member.objects.filter(household=household).present_on(on).count()


def income_figures(income: HouseholdIncome | None) -> tuple[Decimal | None, Decimal | None]:
    """``(per_capita, household net income)`` of an income record (``None``s without one)."""
    if income is None:
        return None, None
    size = _size_on(income.household, income.assessed_on)
    per_capita = income.per_capita(size)
    net = income.declared_per_capita * size if income.is_declared_only else income.net_income
    return per_capita, net


def household_risk(*, household: Household, year: int, on: date) -> rules.HouseholdRisk:
    """The facts ``rules.determine_category`` needs of ``household`` (income of ``year``)."""
    period = HouseholdStatusPeriod.objects.filter(period_covers_q(on), household=household).first()
    incomes = {i.year: i for i in household.incomes.filter(year__in=(year, year - 1))}
    per_capita, net = income_figures(incomes.get(year))
    _previous_per_capita, previous_net = income_figures(incomes.get(year - 1))
    costs = RigidExpenditure.objects.filter(household=household, year=year).first()
    return rules.HouseholdRisk(
        year=year,
        province=province_of(household),
        registration=rules.registration(period.status if period else None),
        per_capita_income=per_capita,
        net_income=net,
        previous_net_income=previous_net,
        costs=rules.RigidCosts(
            medical=costs.medical,
            schooling=costs.schooling,
            disaster_loss=costs.disaster_loss,
            accident_loss=costs.accident_loss,
            other=costs.other,
        )
        if costs
        else None,
        params=line_params(monitoring_line_for(household=household, year=year)),
    )


def household_category(*, household: Household, year: int, on: date) -> rules.CategoryDecision:
    return rules.determine_category(household_risk(household=household, year=year, on=on))


def elimination_facts(*, case, on: date) -> rules.EliminationFacts:
    """The facts of the elimination test of ``case`` on ``on`` (income of ``on``'s year).

    The guarantees are the lifting check's (``households.selectors.household_check``),
    so the two pages can never judge 两不愁三保障 and water differently.
    """
    from households.selectors import household_check

    household = case.household
    income = household.incomes.filter(year=on.year).first()
    per_capita, _net = income_figures(income)
    check = household_check(household=household, on=on)
    labours = tuple(
        Member.objects.filter(household=household).present_on(on).values_list("labour", flat=True)
    )
    return rules.EliminationFacts(
        on=on,
        per_capita_income=per_capita,
        params=line_params(monitoring_line_for(household=household, year=on.year)),
        income_stable_since=case.income_stable_since,
        rigid_costs_settled=case.rigid_costs_settled,
        guarantees=tuple(r for r in check.check.results if r.key in rules.GUARANTEES),
        labours=labours,
    )


def case_elimination_check(*, case, on: date) -> rules.EliminationCheck:
    return rules.check_elimination(elimination_facts(case=case, on=on))
