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

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from assessment.selectors import lifting_check
from households.models import (
    PROVINCE_PATH,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    head_on_q,
)
from households.rules import normalize_id_number
from households.scope import households_visible_to
from households.selectors import period_covers_q
from monitoring import rules, workdays
from monitoring.choices import (
    CLOSED_STATES,
    IDENTIFICATION_STATES,
    CaseState,
)
from monitoring.models import (
    CaseStep,
    MonitoringCase,
    MonitoringLine,
    RigidExpenditure,
)


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


# Where a household's province is (its county's 所属省区): ``PROVINCE_PATH``,
# the registry's, which every monitoring read takes it from (the line of a
# household is its province's, as its policy parameters are).


def province_of(household: Household) -> str:
    value = household
    for name in PROVINCE_PATH.split("__"):
        value = getattr(value, name)
    return value


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

    The guarantees are the lifting check's (``assessment.selectors.lifting_check``),
    so the two pages can never judge 两不愁三保障 and water differently.
    """
    household = case.household
    income = household.incomes.filter(year=on.year).first()
    per_capita, _net = income_figures(income)
    check = lifting_check(household=household, on=on)
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


# --------------------------------------------------------------------------
# Worklists
# --------------------------------------------------------------------------


def state_on(on: date):
    """A case's state on ``on``: the state after its last step dated on or before it.

    A case has no step before its home check: 待入户核实 until then.
    """
    last = (
        CaseStep.objects.filter(case=OuterRef("pk"), on__lte=on)
        .order_by("-on", "-id")
        .values("state_after")[:1]
    )
    return Coalesce(Subquery(last), Value(CaseState.INTAKE.value))


def overdue_q() -> Q:
    """Cases past the deadline of the stage they are in on the date (needs ``state_on``
    and ``on`` annotations): the SQL twin of ``rules.current_due`` < on."""
    later = [s for s in IDENTIFICATION_STATES if s != CaseState.INTAKE]
    return Q(state_on=CaseState.INTAKE, home_check_due__lt=F("on")) | Q(
        state_on__in=later, deadline__lt=F("on")
    )


def due_on():
    """The deadline of the stage a case is in (needs ``state_on``): ``rules.current_due`` in SQL."""
    later = [s for s in IDENTIFICATION_STATES if s != CaseState.INTAKE]
    return Case(
        When(state_on=CaseState.INTAKE, then=F("home_check_due")),
        When(state_on__in=later, then=F("deadline")),
        default=None,
    )


def as_of(cases, *, on: date):
    """The cases taken in by ``on``, with ``state_on``, ``on``, ``due_on`` and ``overdue``."""
    return (
        cases.filter(intake_on__lte=on)
        .annotate(state_on=state_on(on), on=Value(on))
        .annotate(due_on=due_on())
        .annotate(
            overdue=Case(
                When(overdue_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def worklist(*, cases, on: date):
    """The cases taken in by ``on``, as they stood on ``on``, for a list (two queries).

    Annotated with ``state_on``, ``on``, ``head_name``, ``due_on``, ``overdue``; the
    household, its village and the responsible person joined, the risks prefetched.
    """
    head = (
        Member.objects.filter(head_on_q(on), household=OuterRef("household"))
        .order_by("-joined_on", "-id")
        .values("name")[:1]
    )
    return (
        as_of(cases, on=on)
        .annotate(head_name=Subquery(head))
        .select_related("household__village", "responsible")
        .prefetch_related("risks")
    )


def with_clock(cases, *, on: date) -> list:
    """The cases with ``state_on_label``, ``due`` (the stage's deadline),
    ``days_left`` and ``overdue_by`` (working days; ``None`` when the
    working-day calendar does not know a year, whose message is ``clock_error``)."""
    rows = list(cases)
    for case in rows:
        case.state_on_label = CaseState(case.state_on).label
        case.due = rules.current_due(case.state_on, case.home_check_due, case.deadline)
        case.days_left = case.overdue_by = case.clock_error = None
        if case.due is not None:
            try:
                case.days_left = workdays.days_left(case.due, on)
            except workdays.WorkCalendarError as exc:
                case.clock_error = str(exc)
            else:
                case.overdue_by = -case.days_left if case.days_left < 0 else None
    return rows


def due_on_q(day: date) -> Q:
    """Cases whose stage's deadline (``rules.current_due``) is ``day`` (needs ``state_on``)."""
    later = [s for s in IDENTIFICATION_STATES if s != CaseState.INTAKE]
    return Q(state_on=CaseState.INTAKE, home_check_due=day) | Q(state_on__in=later, deadline=day)


def due_next_working_day(*, cases, on: date) -> tuple[date, dict[str, list]]:
    """The next working day after ``on`` and, per responsible person's name, the
    cases due that day (the daily reminder; ``未指定责任人`` for cases without one)."""
    day = workdays.add_working_days(on, 1)
    rows = (
        worklist(cases=cases, on=on)
        .filter(due_on_q(day))
        .order_by("responsible__name", *(f"household__village__{n}" for n in ("number", "name")))
    )
    by_person: dict[str, list] = {}
    for case in rows:
        name = case.responsible.name if case.responsible else _("未指定责任人")
        by_person.setdefault(name, []).append(case)
    return day, by_person


def household_by_id_number(*, user, id_number: str) -> Household | None:
    """The household of the member registered under ``id_number``, if the user sees it.

    Found or not in another village, the answer is the same (None): the page
    does not tell whether a number exists outside the user's scope.
    """
    number = normalize_id_number(id_number)
    member = (
        Member.objects.filter(id_number=number, left_on__isnull=True)
        .filter(household__in=households_visible_to(user).values("pk"))
        .select_related("household__village__town")
        .first()
    )
    return member.household if member else None


def warning_counts_by_village(warnings) -> tuple[dict[int, dict[str, int]], int]:
    """Per village id, the warnings matched to a member: ``{"matched", "monitored"}``
    (monitored: the household has an open case now); and how many matched no one.
    One query."""
    open_case = MonitoringCase.objects.filter(household=OuterRef("member__household")).exclude(
        state__in=CLOSED_STATES
    )
    rows = (
        warnings.order_by()
        .annotate(monitored=Exists(open_case))
        .values("member__household__village", "monitored")
        .annotate(n=Count("pk"))
        .values_list("member__household__village", "monitored", "n")
    )
    by_village: dict[int, dict[str, int]] = {}
    not_found = 0
    for village, monitored, n in rows:
        if village is None:
            not_found += n
            continue
        counts = by_village.setdefault(village, {"matched": 0, "monitored": 0})
        counts["matched"] += n
        if monitored:
            counts["monitored"] += n
    return by_village, not_found
