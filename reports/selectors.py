"""Reads of the leaders' dashboard and of the work report.

Nothing is counted here that another module already counts: the registry's
figures (status tallies, 低保/五保, students, causes, on any date) are read
from the summary tables (``summaries.read``, kept equal to the definitions of
``households.selectors`` — the property test in tests/summaries), its
incidence and populations come from ``households.selectors``, and
``assessment.queries`` (the lifting criteria in SQL), the measures'
from ``measures.selectors``, rectification's from ``rectification.selectors``
and the census's from ``census.selectors``. This module gathers them for a
:class:`Scope` (the whole town, or some villages) in a number of queries that
does not depend on the number of villages or households.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
)

from assessment import rules as lifting
from assessment.queries import (
    failed_criteria,
    with_failures,
    with_income,
)
from households import rules
from households import selectors as registry
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    LIFTED_STATUSES,
    POOR_STATUSES,
    REGISTERED_STATUSES,
    EducationLevel,
    PovertyCause,
    PovertyStatus,
)
from households.models import (
    VILLAGE_ORDER,
    Household,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    Town,
    Village,
    VillagerGroup,
)
from measures.selectors import sum_coverage
from summaries import read as measure_summaries
from summaries.read import registry_figures, status_totals_at_year_ends

Tally = registry.Tally
ZERO = Decimal("0")

#: Registration of poor households (建档立卡) began in 2014: the history starts there.
FIRST_YEAR = 2014

#: Student levels in the order the report lists them.
STUDENT_LEVELS = (
    EducationLevel.PRIMARY,
    EducationLevel.JUNIOR,
    EducationLevel.SENIOR,
    EducationLevel.VOCATIONAL,
    EducationLevel.COLLEGE,
)


# --------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a dashboard or report covers: one or more whole towns (a town's
    version, or a county's with its towns as rows), or some villages.

    ``whole_system``: every village there is (a superuser's), counted with no
    filter at all; every other scope is counted by its villages' ids.
    """

    villages: tuple[Village, ...]
    whole_town: bool
    whole_system: bool = False

    @property
    def village_ids(self) -> list[int] | None:
        """``None`` for the whole system (no filter at all), else the villages' ids."""
        return None if self.whole_system else [v.pk for v in self.villages]

    @property
    def towns(self) -> list[Town]:
        """The towns of the scope's villages, in order (one for a town's version)."""
        seen: dict[int, Town] = {}
        for village in self.villages:
            seen.setdefault(village.town_id, village.town)
        return list(seen.values())

    @property
    def town_ids(self) -> list[int]:
        """The ids of the scope's towns (no query: the villages carry them)."""
        return sorted({village.town_id for village in self.villages})

    @property
    def several_towns(self) -> bool:
        """A county's version: whole towns, more than one (towns as rows)."""
        return self.whole_town and len(self.town_ids) > 1

    @property
    def town(self) -> Town | None:
        """The scope's town (``None`` for several towns)."""
        towns = self.towns
        return towns[0] if len(towns) == 1 else None

    @property
    def county(self):
        """The county of a scope of several towns, when they share one."""
        counties = {town.county_id: town.county for town in self.towns}
        return next(iter(counties.values())) if len(counties) == 1 else None

    @property
    def key(self) -> str:
        """What the cache keys of the scope's figures are made of."""
        if self.whole_system:
            return "all"
        if self.whole_town:
            return "t" + "-".join(str(pk) for pk in self.town_ids)
        return "v" + "-".join(str(pk) for pk in sorted(v.pk for v in self.villages))

    @property
    def single(self) -> Village | None:
        """The village of a one-village scope (a village's version), else ``None``."""
        return self.villages[0] if len(self.villages) == 1 and not self.whole_town else None

    @property
    def name(self) -> str:
        if self.whole_town:
            if self.town is not None:
                return self.town.name
            county = self.county
            return county.name if county else "、".join(t.name for t in self.towns)
        return "、".join(v.name for v in self.villages)


def towns_scope(villages, *, whole_system: bool = False) -> Scope:
    """Whole towns: ``villages`` are every village of them, in order."""
    return Scope(tuple(villages), whole_town=True, whole_system=whole_system)


def town_scope() -> Scope:
    """Every village there is, as whole towns (one query)."""
    return towns_scope(
        Village.objects.select_related("town__county").order_by(*VILLAGE_ORDER), whole_system=True
    )


def villages_scope(villages) -> Scope:
    return Scope(tuple(villages), whole_town=False)


def _in_scope(queryset, scope: Scope, field: str = "village_id"):
    ids = scope.village_ids
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def problems_in_scope(scope: Scope):
    """Rectification problems concerning the scope's villages (all of them for the town)."""
    from rectification.models import Problem

    if scope.whole_system:
        return Problem.objects.all()
    concerning = Problem.objects.filter(villages__in=scope.village_ids).values("pk")
    return Problem.objects.filter(pk__in=concerning)


# --------------------------------------------------------------------------
# The registry over the years
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    """The registry on one date of its history (a year end, or the as-of date)."""

    year: int
    on: date
    by_status: dict[str, Tally]
    population: int | None

    @property
    def registered(self) -> Tally:
        return registry.sum_tallies(self.by_status, REGISTERED_STATUSES)

    @property
    def poor(self) -> Tally:
        return registry.sum_tallies(self.by_status, POOR_STATUSES)

    @property
    def lifted(self) -> Tally:
        return registry.sum_tallies(self.by_status, LIFTED_STATUSES)

    @property
    def incidence(self) -> registry.Incidence:
        return registry.incidence_of(self.by_status, self.population)

    @property
    def cells(self) -> list[tuple[PovertyStatus, Tally]]:
        return [(PovertyStatus(s), self.by_status.get(s, Tally())) for s in REGISTERED_STATUSES]


def history_dates(on: date) -> list[date]:
    """Year ends from 2014 until the year before ``on``, then ``on`` itself."""
    return [date(year, 12, 31) for year in range(FIRST_YEAR, on.year)] + [on]


def _by_status(tallies: dict[tuple[int, str], Tally]) -> dict[str, Tally]:
    totals: dict[str, Tally] = defaultdict(Tally)
    for (_village, status), tally in tallies.items():
        totals[status] += tally
    return dict(totals)


def history(*, on: date, village_ids=None, on_by_status=None, checked=False) -> list[YearRow]:
    """The registry at every year end since 2014 and on ``on``, from the
    summaries (``summaries.read``): the year ends' status totals in one query,
    ``on``'s too unless ``on_by_status`` (``{status: Tally}`` of the scope on
    ``on``) is given, and the populations in one."""
    dates = history_dates(on)
    ends = status_totals_at_year_ends(
        years=[d.year for d in dates[:-1]], village_ids=village_ids, checked=checked
    )
    if on_by_status is None:
        on_by_status = _by_status(registry_figures(on=on, village_ids=village_ids).status_tallies())
    populations = registry.registered_persons_for_years(
        years=[d.year for d in dates], village_ids=village_ids
    )
    rows = []
    for d in dates:
        population = populations[d.year]
        by_status = on_by_status if d == on else ends[d.year]
        rows.append(YearRow(year=d.year, on=d, by_status=by_status, population=population))
    return rows


def live_causes(*, on: date, village_ids=None) -> list[tuple[PovertyCause, int]]:
    """Registered households on ``on`` by main cause of poverty, most frequent
    first, counted from the registry (the pages read the same figure from the
    summaries: ``summaries.read.RegistryFigures.causes``)."""
    households = Household.objects.registered_on(on)
    if village_ids is not None:
        households = households.filter(village_id__in=village_ids)
    rows = households.order_by().values("main_cause").annotate(n=Count("id"))
    order = PovertyCause.values
    found = [
        (PovertyCause(row["main_cause"]), row["n"]) for row in rows if row["main_cause"] in order
    ]
    return sorted(found, key=lambda item: (-item[1], order.index(item[0])))


@dataclass(frozen=True)
class ExitThresholds:
    """The village exit thresholds of a year over a scope (data: ``PolicyYear``):
    each village's is its province's (its county's 所属省区)."""

    by_village: dict[int, Decimal | None]

    def of(self, village_id: int) -> Decimal | None:
        """A village's threshold (``None``: none set for its province and the year)."""
        return self.by_village.get(village_id)

    @property
    def common(self) -> Decimal | None:
        """The one threshold of the whole scope: its villages' when they all have
        the same one; ``None`` when a village's province has none set, or when
        the scope spans provinces whose thresholds differ (a county's dashboard
        then shows none; each village's row is judged by its own)."""
        values = set(self.by_village.values())
        return values.pop() if len(values) == 1 else None


def exit_thresholds(*, year: int, scope: Scope) -> ExitThresholds:
    """The village exit thresholds of ``year`` of the scope's villages, each its
    province's. One query, whatever the number of villages or provinces."""
    villages = Village.objects.order_by()
    if scope.village_ids is not None:
        villages = villages.filter(pk__in=scope.village_ids)
    threshold = (
        PolicyYear.objects.filter(year=year)
        .of_outer("town__county__province")
        .values("village_exit_threshold")[:1]
    )
    rows = villages.annotate(threshold=Subquery(threshold)).values_list("pk", "threshold")
    return ExitThresholds(by_village=dict(rows))


def exit_threshold(*, year: int, scope: Scope) -> Decimal | None:
    """The village exit threshold of ``year`` of the scope (its province's), or
    ``None`` (none set, or provinces with different ones: ``ExitThresholds.common``)."""
    return exit_thresholds(year=year, scope=scope).common


# --------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageFigures:
    """A village's registry figures on a date: a row of the dashboard and of
    the town overview (:func:`village_figures`)."""

    village: Village
    by_status: dict[str, Tally]  # every status, Tally() where none
    registered: Tally
    poor: Tally
    population: int | None  # the registered rural population (户籍人口) of the year
    incidence: registry.Incidence

    @property
    def cells(self) -> list[tuple[PovertyStatus, Tally]]:
        """(status, tally) of each registered status, in the registry's order."""
        return [(PovertyStatus(s), self.by_status.get(s, Tally())) for s in REGISTERED_STATUSES]

    def figures(self) -> dict:
        """The fields of :class:`VillageFigures`, to build a page's row from them."""
        return {f.name: getattr(self, f.name) for f in fields(VillageFigures)}


@dataclass(frozen=True)
class VillagesFigures:
    """The figures of each village of a scope on a date, and their sums."""

    on: date
    rows: list[VillageFigures]
    by_status: dict[str, Tally]  # the rows' summed (empty without rows)
    registered: Tally
    poor: Tally
    population: int  # the population rows' registered persons, summed
    incidence: registry.Incidence

    @property
    def counted(self) -> dict[str, Tally]:
        """The summed tallies of the statuses some household has."""
        return {s: t for s, t in self.by_status.items() if t.households}


def village_figures(*, on: date, scope: Scope, tallies=None) -> VillagesFigures:
    """Each village's households and persons by status, registered, poor,
    population and incidence on ``on``, and the scope's totals: the one
    reading behind the dashboard's villages and the town overview.

    The status tallies come from the summaries (``summaries.read``: the
    figures of :func:`households.selectors.status_tallies`), unless
    ``tallies``, the same per-(village, status) figures, are given; then the
    population rows of ``on``'s year (one query).
    """
    ids = scope.village_ids
    if tallies is None:
        tallies = registry_figures(on=on, village_ids=ids).status_tallies()
    population = registry.population_for_year(year=on.year, village_ids=ids)
    rows = []
    statuses = PovertyStatus.values
    for village in scope.villages:
        by_status = {s: tallies.get((village.pk, s), Tally()) for s in statuses}
        pop = population.get(village.pk)
        rows.append(
            VillageFigures(
                village=village,
                by_status=by_status,
                registered=registry.sum_tallies(by_status, REGISTERED_STATUSES),
                poor=registry.sum_tallies(by_status, POOR_STATUSES),
                population=pop.registered_persons if pop else None,
                incidence=registry.incidence_of(by_status, pop.registered_persons if pop else 0),
            )
        )
    by_status_total: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        for status, tally in row.by_status.items():
            by_status_total[status] += tally
    population_total = sum(p.registered_persons for p in population.values())
    return VillagesFigures(
        on=on,
        rows=rows,
        by_status=dict(by_status_total),
        registered=registry.sum_tallies(by_status_total, REGISTERED_STATUSES),
        poor=registry.sum_tallies(by_status_total, POOR_STATUSES),
        population=population_total,
        incidence=registry.incidence_of(by_status_total, population_total),
    )


@dataclass(frozen=True)
class OverviewRow(VillageFigures):
    """A village's row of the town overview: its figures and the households
    failing each criterion of the lifting check."""

    failures: dict  # {criterion: failing registered households}, {} when none


@dataclass(frozen=True)
class Overview:
    """The town overview (全镇概况): each village's figures and the scope's."""

    rows: list[OverviewRow]
    figures: VillagesFigures
    failures: dict  # {criterion: failing registered households}, over the villages


def overview(*, on: date, scope: Scope) -> Overview:
    """The villages' figures (:func:`village_figures`) and the failing criteria of
    their registered households on ``on``, from the summaries."""
    from census.selectors import census_progress

    figures = village_figures(on=on, scope=scope)
    # The failing criteria are kept with the villages' census progress
    # snapshots of the date (``census.snapshots``), counted when written.
    failures = {
        row.village.pk: row.lifting_failures
        for row in census_progress(on=on, villages=scope.villages)
    }
    rows = [
        OverviewRow(
            **row.figures(),
            failures=failures.get(row.village.pk, {}),
        )
        for row in figures.rows
    ]
    # The town's failures are the villages' summed (the query above, not again).
    town_failures: dict = {}
    for row in rows:
        for criterion, n in row.failures.items():
            town_failures[criterion] = town_failures.get(criterion, 0) + n
    return Overview(rows=rows, figures=figures, failures=town_failures)


@dataclass(frozen=True)
class VillageRow(VillageFigures):
    """A village's row of the dashboard: its figures, and its measures,
    problems and census beside them."""

    below_threshold: bool | None
    dibao: Tally
    measures: object | None  # measures.selectors.VillageMeasureTotals
    problems: object | None  # rectification.selectors.VillageProblems
    census: object | None  # census.selectors.VillageCensusProgress


@dataclass(frozen=True)
class TownRow:
    """A town's row of a county's dashboard: its villages' rows summed (each
    household is in one village); its open problems counted once each, even
    where a problem concerns several of its villages."""

    town: Town
    villages: int
    by_status: dict[str, Tally]
    registered: Tally
    poor: Tally
    population: int
    incidence: registry.Incidence
    dibao: Tally
    measures: object  # measures.selectors.VillageMeasureTotals
    problems: object  # rectification.selectors.VillageProblems
    census: object | None  # census.selectors.CensusProgressTotal

    @property
    def cells(self) -> list[tuple[PovertyStatus, Tally]]:
        return [(PovertyStatus(s), self.by_status.get(s, Tally())) for s in REGISTERED_STATUSES]


def town_rows(rows: list[VillageRow], *, on: date) -> list[TownRow]:
    """The towns' rows of a county's dashboard, from its villages' rows (one
    query: the towns' open and overdue problems)."""
    from census.selectors import census_progress_total
    from rectification.selectors import VillageProblems, town_problem_counts

    by_town: dict[int, list[VillageRow]] = defaultdict(list)
    for row in rows:
        by_town[row.village.town_id].append(row)
    problems = town_problem_counts(on=on, town_ids=list(by_town))
    result = []
    for town_rows_ in by_town.values():
        town = town_rows_[0].village.town
        by_status: dict[str, Tally] = defaultdict(Tally)
        for row in town_rows_:
            for status, tally in row.by_status.items():
                by_status[status] += tally
        population = sum(row.population or 0 for row in town_rows_)
        census = [row.census for row in town_rows_ if row.census is not None]
        result.append(
            TownRow(
                town=town,
                villages=len(town_rows_),
                by_status=dict(by_status),
                registered=registry.sum_tallies(by_status, REGISTERED_STATUSES),
                poor=registry.sum_tallies(by_status, POOR_STATUSES),
                population=population,
                incidence=registry.incidence_of(by_status, population),
                dibao=sum((row.dibao for row in town_rows_), Tally()),
                measures=sum_coverage([row.measures for row in town_rows_ if row.measures]),
                problems=problems.get(town.pk, VillageProblems()),
                census=census_progress_total(census) if census else None,
            )
        )
    return result


@dataclass(frozen=True)
class Dashboard:
    on: date
    year: int
    scope: Scope
    threshold: Decimal | None
    rows: list[VillageRow]
    by_status: dict[str, Tally]
    registered: Tally
    poor: Tally
    enjoying: Tally
    incidence: registry.Incidence
    dibao: Tally
    tekun_persons: int
    students: dict[str, int]
    causes: list[tuple[PovertyCause, int]]
    history: list[YearRow]
    measures: list  # measures.selectors.CategoryTotals (whole town only)
    measures_total: object | None  # VillageMeasureTotals summed over the scope
    problems: object  # rectification.selectors.ProblemCounts of the scope
    census_total: object | None
    #: A county's version: its towns' rows (empty for a town's or villages' version).
    towns: list[TownRow] = ()

    @property
    def students_total(self) -> int:
        return sum(self.students.values())

    @property
    def statuses(self) -> list[PovertyStatus]:
        return [PovertyStatus(s) for s in REGISTERED_STATUSES]

    @property
    def cells(self) -> list[tuple[PovertyStatus, Tally]]:
        return [(PovertyStatus(s), self.by_status.get(s, Tally())) for s in REGISTERED_STATUSES]

    @property
    def student_cells(self) -> list[tuple[EducationLevel, int]]:
        levels = [*STUDENT_LEVELS, *(v for v in self.students if v not in STUDENT_LEVELS)]
        return [(EducationLevel(v), self.students.get(v, 0)) for v in levels if v]


def dashboard(*, on: date, year: int, scope: Scope) -> Dashboard:
    """Everything the dashboard shows for ``scope`` as of ``on`` (measures of ``year``)."""
    from census.selectors import census_progress, census_progress_total
    from rectification.selectors import problem_counts, village_problem_counts

    ids = scope.village_ids
    # The registry's figures come from the summaries (``summaries.read``:
    # the villages' on ``on``, the scope's at every year end), never from a
    # count of the registry; tests/summaries proves they equal the live count.
    registry_on = registry_figures(on=on, village_ids=ids)
    figures = village_figures(on=on, scope=scope, tallies=registry_on.status_tallies())
    thresholds = exit_thresholds(year=on.year, scope=scope)
    dibao = registry_on.dibao_by_village()
    coverage = measure_summaries.measure_coverage(year=year, village_ids=ids, checked=True)
    problems = village_problem_counts(on=on)
    census = {row.village.pk: row for row in census_progress(on=on, villages=scope.villages)}

    rows = []
    for row in figures.rows:
        below = None
        pk = row.village.pk
        threshold = thresholds.of(pk)
        if threshold is not None and row.incidence.percent is not None:
            below = rules.incidence_below_exit_threshold(row.incidence.percent, threshold)
        rows.append(
            VillageRow(
                **row.figures(),
                below_threshold=below,
                dibao=dibao.get(pk, Tally()),
                measures=coverage.get(pk),
                problems=problems.get(pk),
                census=census.get(pk),
            )
        )
    census_rows = [row.census for row in rows if row.census is not None]
    return Dashboard(
        on=on,
        year=year,
        scope=scope,
        threshold=thresholds.common,
        rows=rows,
        by_status=figures.by_status,
        registered=figures.registered,
        poor=figures.poor,
        enjoying=registry.sum_tallies(figures.by_status, ENJOYING_POLICY_STATUSES),
        incidence=figures.incidence,
        dibao=sum((row.dibao for row in rows), Tally()),
        tekun_persons=registry_on.tekun_persons(),
        students=registry_on.students_by_level(),
        causes=registry_on.causes(),
        history=history(on=on, village_ids=ids, on_by_status=figures.counted, checked=True),
        # Totals per category exist for the whole town; a village's version
        # shows its own coverage (households, persons, funds, completed).
        measures=measure_summaries.category_totals(year=year, village_ids=ids, checked=True)
        if scope.whole_town
        else [],
        measures_total=sum_coverage([row.measures for row in rows if row.measures]),
        problems=problem_counts(on=on, problems=problems_in_scope(scope)),
        census_total=census_progress_total(census_rows) if census_rows else None,
        towns=town_rows(rows, on=on) if scope.several_towns else [],
    )


# --------------------------------------------------------------------------
# The work report (工作情况汇报)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureLine:
    programme: str
    kind: str
    status: str  # ApplicationStatus value
    status_label: str
    amount: Decimal
    added_income: Decimal
    renovation_kind: str
    note: str


@dataclass(frozen=True)
class NotLiftedHousehold:
    """One household not lifted on the date, with what the report says of it."""

    household: Household
    status: str
    head: Member | None
    members: list[Member]
    per_capita_income: Decimal | None
    poverty_line: Decimal | None
    failed: list[lifting.Criterion]
    measures: list[MeasureLine]

    @property
    def size(self) -> int:
        return len(self.members)


def not_lifted_households(*, on: date, year: int, scope: Scope) -> list[NotLiftedHousehold]:
    """The households not lifted (未脱贫, 返贫) on ``on`` with their members, income,
    failing criteria and measures of ``year``, in four queries."""
    from measures.models import MeasureApplication
    from measures.selectors import live_q

    present = Member.objects.present_on(on).order_by("joined_on", "id")
    measures = (
        MeasureApplication.objects.filter(live_q(), programme__year=year)
        .select_related("programme")
        .order_by("programme__category", "programme__name", "id")
    )
    status = (
        HouseholdStatusPeriod.objects.covering(on).filter(household=OuterRef("pk")).values("status")
    )[:1]
    households = (
        _in_scope(Household.objects.poor_on(on), scope)
        .select_related("village", "natural_village", "residence_village")
        .annotate(status_on=Subquery(status))
    )
    households = (
        with_failures(households, on=on)
        .prefetch_related(
            Prefetch("members", queryset=present, to_attr="present_members"),
            Prefetch("measures", queryset=measures, to_attr="year_measures"),
        )
        .order_by("village__pk", "identified_year", "number")
    )
    result = []
    for h in with_income(households, year=on.year):
        members = h.present_members
        head = next((m for m in members if m.is_head_on(on)), members[0] if members else None)
        result.append(
            NotLiftedHousehold(
                household=h,
                status=h.status_on,
                head=head,
                members=members,
                per_capita_income=h.per_capita_income,
                poverty_line=h.poverty_line,
                failed=failed_criteria(h),
                measures=[
                    MeasureLine(
                        programme=m.programme.name,
                        kind=m.programme.kind,
                        status=m.status,
                        status_label=m.get_status_display(),
                        amount=m.amount,
                        added_income=m.added_income,
                        renovation_kind=m.get_renovation_kind_display()
                        if m.renovation_kind
                        else "",
                        note=m.progress_note,
                    )
                    for m in h.year_measures
                ],
            )
        )
    return result


@dataclass(frozen=True)
class ProjectFacts:
    """Village projects of the scope built by the report's year."""

    purifiers: int
    purifier_villages: int
    purifier_years: list[int]
    tap_water_villages: int
    tap_water_years: list[int]
    pv_villages: int
    pv_capacities: list[Decimal]
    pv_income_last_year: Decimal | None
    pv_income_estimate: Decimal | None
    collective_income_last_year: Decimal | None


def project_facts(*, year: int, scope: Scope) -> ProjectFacts:
    """Water, photovoltaic and collective-economy figures (three queries)."""
    from measures.models import CollectiveIncome, ProjectIncome, VillageProject

    kinds = VillageProject.ProjectKind
    projects = list(
        _in_scope(VillageProject.objects.filter(year__lte=year), scope)
        .filter(kind__in=[kinds.WATER_PURIFIER, kinds.TAP_WATER, kinds.PHOTOVOLTAIC])
        .order_by("village_id", "year")
    )
    purifiers = [p for p in projects if p.kind == kinds.WATER_PURIFIER]
    tap = [p for p in projects if p.kind == kinds.TAP_WATER]
    pv = [p for p in projects if p.kind == kinds.PHOTOVOLTAIC]
    incomes = ProjectIncome.objects.filter(project__in=[p.pk for p in pv]).values(
        "year", "is_estimate"
    )
    incomes = incomes.filter(year__in=[year - 1, year]).annotate(total=Sum("income"))
    last_year = sum((r["total"] for r in incomes if r["year"] == year - 1), ZERO) if pv else None
    estimate = sum((r["total"] for r in incomes if r["year"] == year), ZERO) if pv else None
    collective = _in_scope(CollectiveIncome.objects.filter(year=year - 1), scope).aggregate(
        total=Sum("amount")
    )["total"]
    return ProjectFacts(
        purifiers=sum(p.quantity or 0 for p in purifiers),
        purifier_villages=len({p.village_id for p in purifiers}),
        purifier_years=sorted({p.year for p in purifiers}),
        tap_water_villages=len({p.village_id for p in tap}),
        tap_water_years=sorted({p.year for p in tap}),
        pv_villages=len({p.village_id for p in pv}),
        pv_capacities=sorted({p.capacity_kw for p in pv if p.capacity_kw is not None}),
        pv_income_last_year=last_year,
        pv_income_estimate=estimate or None,
        collective_income_last_year=collective,
    )


@dataclass(frozen=True)
class CensusSummary:
    leading_group: object | None  # census.models.WorkingGroup
    leader: object | None  # census.models.GroupMember
    office: object | None
    working_groups: list
    enumerators: int
    enumerators_per_village: int | None  # the same number in every village, else None
    reviewers: int
    progress: object | None  # census.selectors.CensusProgressTotal


def census_summary(*, on: date, scope: Scope) -> CensusSummary:
    """The census organisation, staff and progress of the scope (``census.selectors``)."""
    from census.models import GroupMember, WorkingGroup
    from census.selectors import census_progress, census_progress_total, organisation

    org = organisation(villages=scope.villages)
    kinds = WorkingGroup.GroupKind
    leading = next((n for n in org.groups if n.group.kind == kinds.LEADING_GROUP), None)
    children = leading.children if leading else []
    leader = None
    if leading is not None:
        leader = next((m for m in leading.members if m.role == GroupMember.Role.LEADER), None)
    office = next((n.group for n in children if n.group.kind == kinds.OFFICE), None)
    per_village = {len(v.enumerators) for v in org.villages}
    progress = census_progress(on=on, villages=scope.villages)
    return CensusSummary(
        leading_group=leading.group if leading else None,
        leader=leader,
        office=office,
        working_groups=[n.group for n in children if n.group.kind == kinds.WORKING_GROUP],
        enumerators=sum(len(v.enumerators) for v in org.villages),
        enumerators_per_village=per_village.pop() if len(per_village) == 1 else None,
        reviewers=len(org.reviewers),
        progress=census_progress_total(progress) if progress else None,
    )


@dataclass(frozen=True)
class ReportFacts:
    on: date
    year: int
    scope: Scope
    groups: int
    population: dict  # registered/resident households/persons, summed
    by_status: dict[str, Tally]
    registered: Tally
    enjoying: Tally
    incidence: registry.Incidence
    threshold: Decimal | None
    dibao: Tally
    tekun_persons: int
    students: dict[str, int]
    category_totals: list  # measures.selectors.CategoryTotals (whole town)
    programmes: list  # measures.selectors.ProgrammeTotals (whole town)
    renovations: dict[str, tuple[int, int]]  # whole town
    coverage: object | None  # VillageMeasureTotals of the scope
    projects: ProjectFacts
    #: The households not lifted, each with what the report says of it; empty
    #: when there are more than ``NOT_LIFTED_LISTED`` (then by place only).
    not_lifted: list[NotLiftedHousehold]
    #: The scope's households not lifted on the date (the summaries' poor tally).
    not_lifted_total: Tally
    #: (town or village name, poor tally) of each place with any, when not listed one by one.
    not_lifted_by_place: list
    rounds: list  # rectification.selectors.RoundSummary of the year
    round_villages: dict[int, int]  # round id → villages concerned
    problems: object  # rectification.selectors.ProblemCounts
    census: CensusSummary
    #: monitoring.dashboard.Summary of the scope's villages (None: not counted).
    monitoring: object | None = None


#: Above this many households not lifted (a county's report), the report says
#: how many there are and where, not each one (the household list has them).
NOT_LIFTED_LISTED = 50


def _poor_by_place(scope: Scope, by_village: dict) -> list[tuple[str, Tally]]:
    """(town or village name, households and persons not lifted) of each town
    (several towns) or village of the scope that has any, in the scope's order."""
    poor_of: dict[int, Tally] = defaultdict(Tally)
    for (village_id, status), tally in by_village.items():
        if status in POOR_STATUSES:
            poor_of[village_id] += tally
    places: dict[str, Tally] = {}
    for village in scope.villages:
        tally = poor_of.get(village.pk, Tally())
        if tally.households:
            name = village.town.name if scope.several_towns else village.name
            places[name] = places.get(name, Tally()) + tally
    return list(places.items())


def report_facts(*, on: date, year: int, scope: Scope) -> ReportFacts:
    """Every figure the work report states, for ``scope`` as of ``on``."""
    from rectification.models import InspectionRound
    from rectification.selectors import problem_counts, rounds_summary

    ids = scope.village_ids
    registry_on = registry_figures(on=on, village_ids=ids)
    by_village = registry_on.status_tallies()
    tallies = _by_status(by_village)
    poor = registry.sum_tallies(tallies, POOR_STATUSES)
    poor_by_place = _poor_by_place(scope, by_village)
    population_rows = registry.population_for_year(year=on.year, village_ids=ids).values()
    population = {
        name: sum(getattr(p, name) for p in population_rows)
        for name in (
            "registered_households",
            "registered_persons",
            "resident_households",
            "resident_persons",
        )
    }
    problems = problems_in_scope(scope)
    rounds = rounds_summary(
        on=on, problems=problems, rounds=InspectionRound.objects.filter(year=year)
    )
    rounds = sorted(
        (r for r in rounds if r.found),
        key=lambda r: (r.inspection_round.feedback_on or date.max, r.inspection_round.pk),
    )
    round_villages = dict(
        problems.filter(inspection_round__in=[r.inspection_round for r in rounds])
        .order_by()
        .values("inspection_round_id")
        .annotate(n=Count("villages", distinct=True))
        .values_list("inspection_round_id", "n")
    )
    whole = scope.whole_town
    return ReportFacts(
        on=on,
        year=year,
        scope=scope,
        groups=_in_scope(VillagerGroup.objects.all(), scope).count(),
        population=population,
        by_status=tallies,
        registered=registry.sum_tallies(tallies, REGISTERED_STATUSES),
        enjoying=registry.sum_tallies(tallies, ENJOYING_POLICY_STATUSES),
        incidence=registry.incidence_of(tallies, population["registered_persons"]),
        threshold=exit_threshold(year=on.year, scope=scope),
        dibao=registry_on.dibao(),
        tekun_persons=registry_on.tekun_persons(),
        students=registry_on.students_by_level(),
        # The scope's own applications (a town's, in a system of several).
        category_totals=measure_summaries.category_totals(year=year, village_ids=ids)
        if whole
        else [],
        programmes=measure_summaries.programme_totals(year=year, village_ids=ids) if whole else [],
        renovations=measure_summaries.renovations_by_kind(year=year, village_ids=ids)
        if whole
        else {},
        coverage=sum_coverage(
            list(measure_summaries.measure_coverage(year=year, village_ids=ids).values())
        ),
        projects=project_facts(year=year, scope=scope),
        not_lifted=not_lifted_households(on=on, year=year, scope=scope)
        if poor.households <= NOT_LIFTED_LISTED
        else [],
        not_lifted_total=poor,
        not_lifted_by_place=[] if poor.households <= NOT_LIFTED_LISTED else poor_by_place,
        rounds=rounds,
        round_villages=round_villages,
        problems=problem_counts(on=on, problems=problems),
        census=census_summary(on=on, scope=scope),
        monitoring=monitoring_summary(on=on, year=year, scope=scope),
    )


def monitoring_summary(*, on: date, year: int, scope: Scope):
    """The monitoring figures of the scope's villages: the monitoring dashboard's
    (``monitoring.dashboard.summary``; five queries)."""
    from monitoring.dashboard import summary
    from monitoring.models import MonitoringCase

    return summary(cases=MonitoringCase.objects.all(), villages=scope.villages, on=on, year=year)
