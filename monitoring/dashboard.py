"""The monitoring dashboard (防返贫监测看板) and the work report's monitoring figures.

One reading, :func:`summary`, behind both: the cases of some villages as they
stood on a date (``monitoring.selectors.as_of``: the state after the last step
dated on or before it, and whether the stage's deadline has passed — the very
annotations the worklists filter on, so a dashboard figure is the count of the
worklist it links to), with

* each village's (and, for a county, each town's) cases by category and state,
  the overdue among those being identified, the monitored persons and the
  incidence of monitored persons;
* the households newly identified (the step 录入全国防返贫监测信息系统) and those
  whose risk was eliminated (风险消除公告并在系统中标注) in each month of a year;
* the risk types of the monitored households.

Five queries whatever the number of villages or cases: the grouped cases, the
monitored persons per village, the steps per month, the risks, the population
rows of the year.

**Incidence of monitored persons (监测对象发生率)**: the members present on the
date of the households that are monitoring objects on it (监测帮扶中, or their
risk elimination in procedure: ``MONITORED_STATES``), over the registered
rural population (户籍人口) of the date's year — the population rows the
registry's poverty incidence divides by (``households.selectors.population_for_year``),
computed by the same pure function (``households.rules.poverty_incidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from households import rules as household_rules
from households import selectors as registry
from households.models import Member, member_present_q
from monitoring.choices import (
    IDENTIFICATION_STATES,
    MONITORED_STATES,
    CaseState,
    Category,
    RiskType,
    StepKind,
)
from monitoring.models import CaseRisk, CaseStep
from monitoring.selectors import as_of

#: The step that makes a household a monitoring object, and the one that closes it.
IDENTIFIED = StepKind.SYSTEM_ENTRY
ELIMINATED = StepKind.ELIMINATION_ANNOUNCEMENT


def _by_category() -> dict[str, int]:
    return dict.fromkeys(Category.values, 0)


@dataclass
class Figures:
    """A village's, a town's or the total's cases on a date."""

    name: str
    pk: int | None = None  # the village's or town's id; None for the total
    villages: int = 0  # how many villages the figures cover
    identifying: int = 0  # taken in, not yet entered into the national system
    overdue: int = 0  # of those, past their stage's deadline
    monitored: dict[str, int] = field(default_factory=_by_category)  # monitoring objects
    eliminated: int = 0
    rejected: int = 0
    #: state → category → households (every state, 0 where none).
    by_state: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: _by_category() for s in CaseState.values}
    )
    monitored_persons: int = 0
    population: int | None = None  # registered rural population of the year; None: no row

    @property
    def monitored_total(self) -> int:
        return sum(self.monitored.values())

    @property
    def open_total(self) -> int:
        """Cases not closed: being identified, or monitoring objects."""
        return self.identifying + self.monitored_total

    @property
    def incidence(self) -> Decimal | None:
        return household_rules.poverty_incidence(self.monitored_persons, self.population or 0)

    @property
    def incidence_display(self) -> str:
        return household_rules.format_percent(self.incidence)

    def add(self, category: str, state: str, overdue: bool, n: int) -> None:
        self.by_state[state][category] += n
        if state in IDENTIFICATION_STATES:
            self.identifying += n
            self.overdue += n if overdue else 0
        elif state in MONITORED_STATES:
            self.monitored[category] += n
        elif state == CaseState.ELIMINATED:
            self.eliminated += n
        elif state == CaseState.REJECTED:
            self.rejected += n

    def merge(self, other: Figures) -> None:
        """Add ``other``'s figures (another village of the town, or of the total)."""
        self.villages += other.villages
        self.identifying += other.identifying
        self.overdue += other.overdue
        self.eliminated += other.eliminated
        self.rejected += other.rejected
        self.monitored_persons += other.monitored_persons
        for category, n in other.monitored.items():
            self.monitored[category] += n
        for state, counts in other.by_state.items():
            for category, n in counts.items():
                self.by_state[state][category] += n
        if other.population is not None:
            self.population = (self.population or 0) + other.population


@dataclass(frozen=True)
class StateRow:
    """A row of the category × state table."""

    state: CaseState
    by_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    @property
    def cells(self) -> list[int]:
        return [self.by_category[c] for c in Category.values]


@dataclass(frozen=True)
class MonthRow:
    month: int
    identified: int
    eliminated: int


@dataclass
class Summary:
    on: date
    year: int
    rows: list[Figures]  # the villages, or the towns (``by_town``)
    total: Figures
    months: list[MonthRow]
    risks: list[tuple[str, int]]  # (label, monitored households), every risk type
    by_town: bool = False

    @property
    def identified_in_year(self) -> int:
        return sum(m.identified for m in self.months)

    @property
    def eliminated_in_year(self) -> int:
        return sum(m.eliminated for m in self.months)

    @property
    def states(self) -> list[StateRow]:
        return [StateRow(CaseState(s), self.total.by_state[s]) for s in CaseState.values]

    @property
    def categories(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Category.choices]

    @property
    def category_totals(self) -> list[tuple[str, int]]:
        """(label, monitoring objects) per category."""
        return [(str(label), self.total.monitored[value]) for value, label in Category.choices]


def summary(*, cases, villages, on: date, year: int, by_town: bool = False) -> Summary:
    """The cases among ``cases`` of ``villages`` (Village rows, their towns
    joined when ``by_town``), as they stood on ``on``; the months of ``year``
    (steps dated on or before ``on``). Rows per village, or per town when
    ``by_town`` (in ``villages``' order). Five queries."""
    village_ids = [v.pk for v in villages]
    cases = cases.filter(household__village_id__in=village_ids)
    dated = as_of(cases, on=on)
    by_village = {v.pk: Figures(name=v.name, pk=v.pk, villages=1) for v in villages}

    grouped = (
        dated.order_by()
        .values_list("household__village", "category", "state_on", "overdue")
        .annotate(n=Count("pk"))
    )
    for village, category, state, overdue, n in grouped:
        by_village[village].add(category, state, overdue, n)

    monitored = dated.filter(state_on__in=MONITORED_STATES)
    persons = (
        Member.objects.filter(member_present_q(on), household__in=monitored.values("household"))
        .order_by()
        .values_list("household__village")
        .annotate(n=Count("pk"))
    )
    for village, n in persons:
        by_village[village].monitored_persons = n

    population = registry.population_for_year(year=on.year, village_ids=village_ids)
    for village, row in population.items():
        by_village[village].population = row.registered_persons

    steps = (
        CaseStep.objects.filter(
            case__in=cases.values("pk"), kind__in=(IDENTIFIED, ELIMINATED), on__year=year
        )
        .filter(on__lte=on)
        .annotate(month=ExtractMonth("on"))
        .order_by()
        .values_list("kind", "month")
        .annotate(n=Count("case", distinct=True))
    )
    per_month = {(kind, month): n for kind, month, n in steps}
    # The months of the year up to the date's (none for a year after it).
    last = 12 if year < on.year else (on.month if year == on.year else 0)
    months = [
        MonthRow(m, per_month.get((IDENTIFIED, m), 0), per_month.get((ELIMINATED, m), 0))
        for m in range(1, last + 1)
    ]

    risks = dict(
        CaseRisk.objects.filter(case__in=monitored.values("pk"))
        .order_by()
        .values_list("risk")
        .annotate(n=Count("pk"))
    )
    risk_rows = [(str(label), risks.get(value, 0)) for value, label in RiskType.choices]

    total = Figures(name=_("合计"))
    for figures in by_village.values():
        total.merge(figures)
    rows = list(by_village.values())
    if by_town:
        towns: dict[int, Figures] = {}
        for village in villages:
            town = towns.setdefault(
                village.town_id, Figures(name=village.town.name, pk=village.town_id)
            )
            town.merge(by_village[village.pk])
        rows = list(towns.values())
    return Summary(
        on=on, year=year, rows=rows, total=total, months=months, risks=risk_rows, by_town=by_town
    )
