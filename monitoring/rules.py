"""The rules of monitoring against return to poverty, as pure functions.

The same pattern as ``households.rules`` (the lifting check): selectors
gather a household's facts into the plain dataclasses below; these functions
decide, each with its reason in Chinese; ``monitoring.queries`` writes the
same decisions as SQL for lists and counts, and
``tests/monitoring/test_queries.py`` proves that the two agree.

* the income test: per-capita net income *strictly below* the province's
  monitoring line of the year. Exactly at the line is not below: the line is
  the lowest income that is not at risk (as the poverty line is the lowest
  income that passes the lifting check);
* the rigid-expenditure test: self-paid medical costs *above* a share of the
  household's net income, or all rigid costs together above another share
  (equal to the share is not above);
* the sharp income drop: net income fallen by *at least* a share of last
  year's;
* the category: a registered household that has been lifted and is below the
  line is 脱贫不稳定户; a household not registered (never, or removed) below
  the line is 边缘易致贫户; a household at or above the line whose rigid costs
  surged or whose income dropped sharply is 突发严重困难户;
* the elimination test (风险消除): income at or above the line, and stably so
  for the line's number of months, rigid costs settled, 两不愁三保障 and safe
  drinking water; a household without labour capacity is never eliminated
  (it stays monitored, whatever its income).

Every threshold is an argument (:class:`LineParams`, a ``MonitoringLine``
row), never a constant here. Money is ``Decimal``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from assessment.rules import Criterion, CriterionResult
from households.choices import LIFTED_STATUSES, POOR_STATUSES, Labour
from households.rules import format_yuan
from monitoring.choices import IDENTIFICATION_STATES, CaseState, Category

HUNDRED = Decimal(100)

#: Registration of a household on a date, as the category needs it.
LIFTED = "lifted"  # registered poor household, lifted (已脱贫)
POOR = "poor"  # registered poor household not lifted (未脱贫, 返贫)
NOT_REGISTERED = "not_registered"  # never registered, or removed from the registry

#: Labour a member can work with: any of it is the household's labour capacity.
LABOUR_CAPACITY = (Labour.ORDINARY, Labour.SKILLED, Labour.WEAK)

#: The guarantees the elimination test asks for (the lifting check's, but income).
GUARANTEES = tuple(c for c in Criterion if c != Criterion.INCOME)


@dataclass(frozen=True)
class LineParams:
    """A province's monitoring line and test parameters of a year (``MonitoringLine``)."""

    province: str
    year: int
    line: Decimal
    medical_cost_share: Decimal  # percent
    rigid_cost_share: Decimal  # percent
    income_drop_share: Decimal  # percent
    stable_months: int


@dataclass(frozen=True)
class Finding:
    """A test's answer: ``flagged`` True / False, or None when a fact is missing."""

    flagged: bool | None
    reason: str


def registration(status: str | None) -> str:
    """``LIFTED`` / ``POOR`` / ``NOT_REGISTERED`` of a poverty status on a date (None = none)."""
    if status in LIFTED_STATUSES:
        return LIFTED
    if status in POOR_STATUSES:
        return POOR
    return NOT_REGISTERED


# --------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------


def _missing_line(year: int, province: str) -> str:
    return _("未设置{province}{year}年度防返贫监测标准").format(province=province, year=year)


def income_test(
    per_capita: Decimal | None, params: LineParams | None, *, year: int, province: str
) -> Finding:
    """Per-capita net income strictly below the monitoring line (at the line is not below)."""
    if params is None:
        return Finding(None, _missing_line(year, province))
    if per_capita is None:
        return Finding(None, _("未录入{year}年度收入").format(year=year))
    values = {
        "income": format_yuan(per_capita),
        "province": params.province,
        "year": params.year,
        "line": format_yuan(params.line),
    }
    if per_capita < params.line:
        gap = format_yuan(params.line - per_capita)
        text = _("人均纯收入{income},低于{province}{year}年监测标准{line}(差{gap})")
        return Finding(True, text.format(gap=gap, **values))
    if per_capita == params.line:
        text = _("人均纯收入{income},等于{province}{year}年监测标准{line},不低于标准")
        return Finding(False, text.format(**values))
    text = _("人均纯收入{income},高于{province}{year}年监测标准{line}")
    return Finding(False, text.format(**values))


@dataclass(frozen=True)
class RigidCosts:
    """A household's self-paid rigid expenditure of a year (yuan)."""

    medical: Decimal
    schooling: Decimal
    disaster_loss: Decimal
    accident_loss: Decimal
    other: Decimal

    @property
    def total(self) -> Decimal:
        return self.medical + self.schooling + self.disaster_loss + self.accident_loss + self.other


def _above_share(amount: Decimal, income: Decimal, share: Decimal) -> bool:
    """``amount`` strictly above ``share`` percent of ``income`` (exact: no division)."""
    return amount * HUNDRED > income * share


def rigid_expenditure_test(
    costs: RigidCosts | None, net_income: Decimal | None, params: LineParams | None
) -> Finding:
    """Rigid expenditure surged: medical costs, or all rigid costs, above their share of income."""
    if params is None:
        return Finding(None, _("未设置防返贫监测标准"))
    if costs is None:
        return Finding(False, _("未录入刚性支出"))
    if net_income is None:
        return Finding(None, _("未录入家庭收入,无法判断刚性支出"))
    values = {"income": format_yuan(net_income)}
    if costs.medical and _above_share(costs.medical, net_income, params.medical_cost_share):
        text = _("自付医疗费用{amount},超过家庭年纯收入{income}的{share}%")
        return Finding(
            True,
            text.format(
                amount=format_yuan(costs.medical), share=params.medical_cost_share, **values
            ),
        )
    if costs.total and _above_share(costs.total, net_income, params.rigid_cost_share):
        text = _("刚性支出合计{amount},超过家庭年纯收入{income}的{share}%")
        return Finding(
            True,
            text.format(amount=format_yuan(costs.total), share=params.rigid_cost_share, **values),
        )
    text = _("刚性支出合计{amount},未超过家庭年纯收入{income}的{share}%")
    return Finding(
        False, text.format(amount=format_yuan(costs.total), share=params.rigid_cost_share, **values)
    )


def income_drop_test(
    net_income: Decimal | None, previous: Decimal | None, params: LineParams | None
) -> Finding:
    """Net income fallen by at least the line's share of last year's (a sharp drop)."""
    if params is None:
        return Finding(None, _("未设置防返贫监测标准"))
    if net_income is None or previous is None:
        return Finding(False, _("缺少本年或上年收入,无法比较"))
    if previous <= 0:
        return Finding(False, _("上年家庭纯收入不为正,无法比较"))
    drop = previous - net_income
    values = {
        "previous": format_yuan(previous),
        "income": format_yuan(net_income),
        "share": params.income_drop_share,
    }
    if drop * HUNDRED >= previous * params.income_drop_share:
        text = _("家庭纯收入由上年{previous}降至{income},降幅达到{share}%")
        return Finding(True, text.format(**values))
    text = _("家庭纯收入由上年{previous}变为{income},降幅未达到{share}%")
    return Finding(False, text.format(**values))


# --------------------------------------------------------------------------
# The category
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRisk:
    """The facts of a household the category needs (a year, a date)."""

    year: int
    province: str
    registration: str  # LIFTED / POOR / NOT_REGISTERED
    per_capita_income: Decimal | None
    net_income: Decimal | None
    previous_net_income: Decimal | None
    costs: RigidCosts | None
    params: LineParams | None


@dataclass(frozen=True)
class CategoryDecision:
    category: Category | None
    income: Finding
    rigid: Finding
    drop: Finding
    reason: str


def determine_category(facts: HouseholdRisk) -> CategoryDecision:
    """Which monitoring object a household is, if any, and why."""
    income = income_test(
        facts.per_capita_income, facts.params, year=facts.year, province=facts.province
    )
    rigid = rigid_expenditure_test(facts.costs, facts.net_income, facts.params)
    drop = income_drop_test(facts.net_income, facts.previous_net_income, facts.params)

    def decision(category, reason):
        return CategoryDecision(category, income, rigid, drop, str(reason))

    if facts.registration == POOR:
        return decision(None, _("尚未脱贫的建档立卡户,按贫困户帮扶,不作为监测对象"))
    if income.flagged is None:
        return decision(None, income.reason)
    if income.flagged:
        if facts.registration == LIFTED:
            return decision(Category.UNSTABLE, _("已脱贫户,") + income.reason)
        return decision(Category.EDGE, _("非建档立卡户,") + income.reason)
    sudden = [finding.reason for finding in (rigid, drop) if finding.flagged]
    if sudden:
        return decision(Category.SUDDEN, income.reason + ";" + ";".join(sudden))
    return decision(None, income.reason + _(",无刚性支出骤增或收入大幅缩减"))


# --------------------------------------------------------------------------
# Risk elimination (风险消除)
# --------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def has_labour_capacity(labours: Iterable[str]) -> bool:
    """Whether any present member can work (普通、技能、弱劳动力或半劳动力)."""
    return any(labour in LABOUR_CAPACITY for labour in labours)


@dataclass(frozen=True)
class EliminationFacts:
    on: date
    per_capita_income: Decimal | None
    params: LineParams | None
    income_stable_since: date | None
    rigid_costs_settled: bool
    guarantees: Sequence[CriterionResult]  # the lifting check's results but income
    labours: tuple[str, ...]  # Labour of each member present on ``on``


@dataclass(frozen=True)
class EliminationCondition:
    label: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class EliminationCheck:
    conditions: tuple[EliminationCondition, ...]
    #: No labour capacity: not eliminated whatever else holds, stays monitored.
    stays_monitored: bool

    @property
    def passed(self) -> bool:
        return not self.stays_monitored and all(c.passed for c in self.conditions)

    @property
    def failures(self) -> tuple[EliminationCondition, ...]:
        return tuple(c for c in self.conditions if not c.passed)


def check_elimination(facts: EliminationFacts) -> EliminationCheck:
    """Whether a monitored household's risk may be marked eliminated, condition by condition."""
    params = facts.params
    conditions = []
    year, province = facts.on.year, params.province if params else ""
    income = income_test(facts.per_capita_income, params, year=year, province=province)
    conditions.append(
        EliminationCondition(_("收入高于监测标准"), income.flagged is False, income.reason)
    )
    if params is None:
        stable = EliminationCondition(_("收入持续稳定"), False, _missing_line(year, province))
    elif facts.income_stable_since is None:
        stable = EliminationCondition(
            _("收入持续稳定"), False, _("未核实收入稳定高于监测标准的起始日期")
        )
    else:
        until = add_months(facts.income_stable_since, params.stable_months)
        values = {
            "since": facts.income_stable_since.isoformat(),
            "months": params.stable_months,
            "until": until.isoformat(),
        }
        if facts.on >= until:
            reason = _("自{since}起收入稳定高于监测标准,已满{months}个月").format(**values)
        else:
            reason = _("自{since}起收入稳定高于监测标准,不满{months}个月(须到{until})").format(
                **values
            )
        stable = EliminationCondition(_("收入持续稳定"), facts.on >= until, reason)
    conditions.append(stable)
    conditions.append(
        EliminationCondition(
            _("刚性支出问题已解决"),
            facts.rigid_costs_settled,
            _("刚性支出已报销或救助到位")
            if facts.rigid_costs_settled
            else _("刚性支出问题尚未解决"),
        )
    )
    by_key = {result.key: result for result in facts.guarantees}
    for key in GUARANTEES:
        result = by_key.get(key)
        if result is None:
            conditions.append(EliminationCondition(str(key.label), False, _("未评估")))
        else:
            conditions.append(EliminationCondition(result.label, result.passed, result.reason))
    labour = has_labour_capacity(facts.labours)
    conditions.append(
        EliminationCondition(
            _("有劳动能力"),
            labour,
            _("家中有劳动力") if labour else _("家中无劳动能力成员:不标注风险消除,继续监测帮扶"),
        )
    )
    return EliminationCheck(conditions=tuple(conditions), stays_monitored=not labour)


# --------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------


def current_due(state: str, home_check_due: date, deadline: date) -> date | None:
    """The deadline a case in ``state`` is working to.

    Before the home check: the home check's; during the rest of the
    identification: the whole procedure's; once identified (or closed): none.
    """
    if state == CaseState.INTAKE:
        return home_check_due
    if state in IDENTIFICATION_STATES:
        return deadline
    return None
