"""The lifting check of households, as of a date: one household's facts
gathered and judged (``assessment.rules``), the household page that shows it,
and a responsible person's households (我的帮扶户) with theirs.

It reads the registry (``households``) and the measures' facts of a household
(a renovation completed, the income planned measures add:
``measures.selectors.household_measure_facts``); neither app imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, Subquery

from assessment import rules as lifting
from assessment.queries import failed_criteria, with_failures, with_income
from households import rules
from households.choices import HousingAlternative, PovertyStatus
from households.history import HistoryEntry, household_history
from households.models import (
    BY_VILLAGE_ORDER,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    Member,
    PolicyYear,
)
from households.presentation import IncomeRow, Labels, MemberRow, money_text, row_links
from households.selectors import household_size_on, members_present_count
from measures.choices import PENDING_STATUSES
from measures.models import MeasureApplication
from measures.selectors import ZERO, HouseholdMeasureFacts, household_measure_facts

# --------------------------------------------------------------------------
# One household: the lifting-standard check
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiftingCheckResult:
    year: int
    on: date
    household_size: int
    income: HouseholdIncome | None
    net_income: Decimal | None
    per_capita_income: Decimal | None
    poverty_line: Decimal | None
    planned_added_income: Decimal
    projected_per_capita_income: Decimal | None
    check: lifting.LiftingCheck
    projected_check: lifting.LiftingCheck
    # Members present on the income's survey date: the per-capita divisor.
    income_size: int | None = None

    @property
    def projected_passes(self) -> bool:
        """Every criterion met once the planned income lands (``projected_passes``)."""
        return lifting.projected_passes(
            (f.key for f in self.check.failures),
            self.projected_per_capita_income,
            self.poverty_line,
        )

    @property
    def income_size_differs(self) -> bool:
        """The income was surveyed with another household size than the
        members present on the date (the page says so beside the figure)."""
        return self.income_size is not None and self.income_size != self.household_size


@dataclass(frozen=True)
class LiftingCheckRows:
    """The rows the lifting check of one household on a date reads.

    ``lifting_check`` loads them itself (:func:`lifting_check_rows`); a caller that
    has loaded them already (the household page) passes them in instead.
    """

    members: list[Member]  # present on the date, in Member's order
    income: HouseholdIncome | None  # of the date's year
    income_size: int | None  # members present on the income's survey date
    poverty_line: Decimal | None  # of the date's year and the household's province
    guarantee: GuaranteeAssessment | None  # the latest assessed on or before the date
    measure_facts: HouseholdMeasureFacts


def latest_guarantee(household: Household, on: date) -> GuaranteeAssessment | None:
    """The household's latest 两不愁三保障 assessment on or before ``on``."""
    return household.guarantees.filter(assessed_on__lte=on).order_by("-assessed_on").first()


def lifting_check_rows(*, household: Household, on: date) -> LiftingCheckRows:
    """Load what ``lifting_check`` reads, one query each."""
    members = list(household.members.present_on(on))
    income = household.incomes.filter(year=on.year).first()
    policy = PolicyYear.objects.of_household(household).filter(year=on.year).first()
    guarantee = latest_guarantee(household, on)
    measure_facts = household_measure_facts(household=household, on=on)
    return LiftingCheckRows(
        members=members,
        income=income,
        income_size=household_size_on(household, income.assessed_on) if income else None,
        poverty_line=policy.poverty_line if policy else None,
        guarantee=guarantee,
        measure_facts=measure_facts,
    )


def lifting_check(
    *, household: Household, on: date, rows: LiftingCheckRows | None = None
) -> LiftingCheckResult:
    """Gather the facts of one household on ``on`` and apply the lifting standard.

    Projected: the same check with the income that planned and ongoing
    measures will add once they land. ``rows``: the rows the check reads, if
    the caller has them (:class:`LiftingCheckRows`); otherwise they are loaded.
    """
    if rows is None:
        rows = lifting_check_rows(household=household, on=on)
    year = on.year
    members = rows.members
    size = len(members)
    income = rows.income
    poverty_line = rows.poverty_line
    guarantee = rows.guarantee
    measure_facts = rows.measure_facts

    net = income.net_income if income else None
    if income is not None:
        per_capita = income.per_capita(rows.income_size)
        # Projected income is a look ahead: spread over today's household.
        projected = rules.project_income(net, measure_facts.planned_added_income, size)
    else:
        per_capita = projected = None

    def facts(per_capita_income):
        return lifting.HouseholdFacts(
            year=year,
            per_capita_income=per_capita_income,
            poverty_line=poverty_line,
            food_ok=guarantee.food_ok if guarantee else None,
            clothing_ok=guarantee.clothing_ok if guarantee else None,
            housing_grade=(guarantee.housing_grade or None) if guarantee else None,
            housing_renovation_completed=measure_facts.renovation_completed,
            housing_alternative=(
                guarantee.housing_alternative if guarantee else HousingAlternative.NONE
            ),
            water_ok=guarantee.water_ok if guarantee else None,
            members=tuple(lifting.member_facts(m, on) for m in members),
        )

    return LiftingCheckResult(
        year=year,
        on=on,
        household_size=size,
        income=income,
        net_income=net,
        per_capita_income=per_capita,
        poverty_line=poverty_line,
        planned_added_income=measure_facts.planned_added_income,
        projected_per_capita_income=projected,
        income_size=rows.income_size if income is not None else None,
        check=lifting.check_lifting_standard(facts(per_capita)),
        projected_check=lifting.check_lifting_standard(facts(projected)),
    )


# --------------------------------------------------------------------------
# The household page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    application: MeasureApplication  # with its programme and member
    status_url: str = ""
    edit_url: str = ""

    @property
    def labels(self) -> Labels:
        return Labels(self.application)

    @property
    def programme_labels(self) -> Labels:
        return Labels(self.application.programme)

    @property
    def amount_text(self) -> str:
        return money_text(self.application.amount)

    @property
    def added_income_text(self) -> str:
        return money_text(self.application.added_income)


@dataclass(frozen=True)
class HouseholdPage:
    on: date
    household_labels: Labels
    status: str | None
    members: list[MemberRow]
    incomes: list[IncomeRow]
    result: LiftingCheckResult
    guarantee: object
    periods: list
    measures: list[MeasureRow]
    assignments: list
    problems: list
    history: list[HistoryEntry]


def household_page(*, household: Household, on: date) -> HouseholdPage:
    """Everything the household page shows, in a fixed number of queries.

    Each kind of row is loaded once; the lifting check reads the same rows
    (members, incomes, poverty lines, guarantee, measures) as the page shows.
    """
    members = list(household.members.all())
    member_edit = row_links("households:member_edit", household.pk)
    member_leave = row_links("households:member_leave", household.pk)
    member_reveal = row_links("households:reveal_id", household.pk)
    member_correct = row_links("households:member_correct", household.pk)
    rows = [
        MemberRow(
            member=m,
            age=rules.age_on(m.birth_date, on) if m.birth_date <= on else 0,
            present=m.present_on(on),
            edit_url=member_edit(m.pk),
            leave_url=member_leave(m.pk),
            reveal_url=member_reveal(m.pk),
            correct_url=member_correct(m.pk),
        )
        for m in members
    ]
    incomes = list(household.incomes.order_by("-year"))
    # The poverty line of each income's year, and of the as-of year for the
    # check: the household's province's.
    lines = dict(
        PolicyYear.objects.of_household(household)
        .filter(year__in={on.year, *(i.year for i in incomes)})
        .values_list("year", "poverty_line")
    )
    income_edit = row_links("households:income", household.pk)
    income_rows = []
    for income in incomes:
        size = sum(1 for m in members if m.present_on(income.assessed_on))
        income_rows.append(
            IncomeRow(
                income=income,
                size=size,
                per_capita=income.per_capita(size),
                poverty_line=lines.get(income.year),
                edit_url=income_edit(income.year),
            )
        )
    periods = list(household.status_periods.select_related("recorded_by").order_by("valid_from"))
    status = next((p.status for p in periods if p.covers(on)), None)
    measures = list(
        household.measures.select_related("programme").order_by(
            "-programme__year", "programme__category", "programme__name", "pk"
        )
    )
    # The member an application names is one of the household's
    # (MeasureApplication.clean): the one loaded above, not joined again.
    by_pk = {m.pk: m for m in members}
    for application in measures:
        if application.member_id in by_pk:
            application.member = by_pk[application.member_id]
    measure_status = row_links("measures:application_status")
    measure_edit = row_links("measures:application_edit")
    assignments = list(household.assignments.select_related("person").order_by("-started_on"))
    problems = list(household.problems.select_related("inspection_round").order_by("deadline"))
    guarantee = latest_guarantee(household, on)
    current_income = next((r for r in income_rows if r.income.year == on.year), None)
    check = LiftingCheckRows(
        members=[row.member for row in rows if row.present],
        income=current_income.income if current_income else None,
        income_size=current_income.size if current_income else None,
        poverty_line=lines.get(on.year),
        guarantee=guarantee,
        measure_facts=household_measure_facts(household=household, on=on, applications=measures),
    )
    return HouseholdPage(
        on=on,
        household_labels=Labels(household),
        status=status,
        members=rows,
        incomes=income_rows,
        result=lifting_check(household=household, on=on, rows=check),
        guarantee=guarantee,
        periods=periods,
        measures=[
            MeasureRow(application=a, status_url=measure_status(a.pk), edit_url=measure_edit(a.pk))
            for a in measures
        ],
        assignments=assignments,
        problems=problems,
        history=household_history(household=household),
    )


# --------------------------------------------------------------------------
# 我的帮扶户: a responsible person's households
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MyHousehold:
    """One household of a responsible person, with its lifting check and open measures.

    ``failed``: the criteria the household fails on the date, from the SQL
    twins of the rules (``assessment.queries``), the same as the
    household page's check. ``projected_per_capita``: per-capita income once
    the open measures' added income lands, spread over the members present
    (as the page's projection); ``projected_passes``: every criterion but
    income passes and the projected income reaches the line.
    """

    household: Household
    status: str | None
    size: int
    head_name: str
    per_capita_income: Decimal | None
    poverty_line: Decimal | None
    failed: list
    open_measures: list
    planned_added_income: Decimal
    projected_per_capita: Decimal | None

    @property
    def passes(self) -> bool:
        return not self.failed

    @property
    def status_label(self) -> str:
        return str(PovertyStatus(self.status).label) if self.status else ""

    @property
    def projected_passes(self) -> bool:
        return lifting.projected_passes(self.failed, self.projected_per_capita, self.poverty_line)


def my_households(*, person, on: date) -> list[MyHousehold]:
    """The households ``person`` is assigned to on ``on`` (assignment open on that date).

    Two queries, however many households: the households with their status,
    size, head, income and check failures as annotations, and their open
    (planned or in-progress) measures.
    """
    assigned = Q(
        assignments__person=person,
        assignments__started_on__lte=on,
    ) & (Q(assignments__ended_on__isnull=True) | Q(assignments__ended_on__gt=on))
    ids = Household.objects.filter(assigned).values("pk")
    head = Member.objects.filter(household=OuterRef("pk"), relation="head").order_by(
        "left_on", "id"
    )
    queryset = (
        Household.objects.filter(pk__in=ids)
        .select_related("village", "group")
        .with_status_on(on)
        .annotate(
            head_name=Subquery(head.values("name")[:1]),
            size_on=members_present_count(on),
        )
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=MeasureApplication.objects.filter(status__in=PENDING_STATUSES)
                .select_related("programme", "member")
                .order_by("programme__category", "programme__name"),
                to_attr="open_measures",
            )
        )
        .order_by(*BY_VILLAGE_ORDER, "number")
    )
    queryset = with_failures(queryset, on=on)
    result = []
    for h in with_income(queryset, year=on.year):
        planned = sum((m.added_income for m in h.open_measures), ZERO)
        projected = None
        if h.net_income is not None:
            projected = rules.project_income(h.net_income, planned, h.size_on)
        result.append(
            MyHousehold(
                household=h,
                status=h.status_on,
                size=h.size_on,
                head_name=h.head_name or "",
                per_capita_income=h.per_capita_income,
                poverty_line=h.poverty_line,
                failed=failed_criteria(h),
                open_measures=h.open_measures,
                planned_added_income=planned,
                projected_per_capita=projected,
            )
        )
    return result
