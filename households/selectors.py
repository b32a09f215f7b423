"""Reads of the household registry, as of a date.

Every count uses the one definition of ``households.models``, a ``Q``
object over the dated rows (status periods, member join/leave dates) with its
Python twin on the model (``member_present_q`` and ``Member.present_on``,
``period_covers_q`` and ``HouseholdStatusPeriod.covers``...). The household
page and the aggregate queries of dashboards and reports both use these
definitions, so a household counted as "not lifted" on a page is the same
household the town figure counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from households import rules
from households.choices import (
    POOR_STATUSES,
    SchoolStatus,
)
from households.models import (
    Household,
    HouseholdStatusPeriod,
    Member,
    VillagePopulation,
    # The as-of definitions are the models' (each with its twin on the model).
    member_present_q,
    period_covers_q,
    poor_q,  # noqa: F401
    registered_q,
    status_in_q,  # noqa: F401
)

# The request's parameters, checked and clamped, are households.params'.
from households.params import as_of_from, default_as_of  # noqa: F401

# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    households: int = 0
    persons: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.households + other.households, self.persons + other.persons)


def status_tallies(*, on: date, village_ids=None) -> dict[tuple[int, str], Tally]:
    """Households and persons per (village id, status) on ``on``, in one query.

    Persons are the members present on ``on``; a household with a deceased
    member not yet removed still counts that member (the registry does too,
    until the next dynamic adjustment).
    """
    periods = HouseholdStatusPeriod.objects.filter(period_covers_q(on))
    if village_ids is not None:
        periods = periods.filter(household__village_id__in=village_ids)
    rows = periods.values("household__village_id", "status").annotate(
        households=Count("household_id", distinct=True),
        persons=Count(
            "household__members",
            filter=member_present_q(on, prefix="household__members__"),
        ),
    )
    return {
        (row["household__village_id"], row["status"]): Tally(row["households"], row["persons"])
        for row in rows
    }


def town_status_tallies(*, on: date, village_ids=None) -> dict[str, Tally]:
    """Households and persons per status on ``on``, summed over villages."""
    return sum_over_villages(status_tallies(on=on, village_ids=village_ids))


def sum_over_villages(tallies: dict[tuple[int, str], Tally]) -> dict[str, Tally]:
    """Per-status totals of :func:`status_tallies`' per-(village, status) figures."""
    totals: dict[str, Tally] = defaultdict(Tally)
    for (_village, status), tally in tallies.items():
        totals[status] = totals[status] + tally
    return dict(totals)


def sum_tallies(tallies: dict[str, Tally], statuses) -> Tally:
    return sum((tallies.get(status, Tally()) for status in statuses), Tally())


def population_for_year(*, year: int, village_ids=None) -> dict[int, VillagePopulation]:
    """Each village's population row for ``year`` (the latest year ≤ ``year``)."""
    return population_for_years(years=[year], village_ids=village_ids)[year]


def population_for_years(*, years, village_ids=None) -> dict[int, dict[int, VillagePopulation]]:
    """``population_for_year`` of each of ``years``, in one query."""
    years = sorted(set(years))
    latest: dict[int, dict[int, VillagePopulation]] = {year: {} for year in years}
    if not years:
        return latest
    rows = VillagePopulation.objects.filter(year__lte=years[-1]).order_by("village_id", "-year")
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    # Plain rows first: only the rows chosen become model instances (a county
    # has thousands of villages, each with a row per year).
    made: dict[int, VillagePopulation] = {}
    for values in rows.values():
        for year in years:
            if values["year"] <= year and values["village_id"] not in latest[year]:
                row = made.get(values["id"])
                if row is None:
                    row = made[values["id"]] = VillagePopulation(**values)
                latest[year][values["village_id"]] = row
    return latest


def registered_persons_for_years(*, years, village_ids=None) -> dict[int, int | None]:
    """The registered rural population (户籍人口) of the villages summed, for each
    of ``years`` (each village's latest row ≤ the year, as :func:`population_for_years`);
    ``None`` for a year no village has a row for. One query, no model instances."""
    years = sorted(set(years))
    totals: dict[int, int | None] = dict.fromkeys(years)
    if not years:
        return totals
    rows = VillagePopulation.objects.filter(year__lte=years[-1]).order_by("village_id", "-year")
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    seen: dict[int, set[int]] = {year: set() for year in years}
    for village_id, row_year, persons in rows.values_list(
        "village_id", "year", "registered_persons"
    ):
        for year in years:
            if row_year <= year and village_id not in seen[year]:
                seen[year].add(village_id)
                totals[year] = (totals[year] or 0) + persons
    return totals


@dataclass(frozen=True)
class Incidence:
    poor_persons: int
    population: int

    @property
    def percent(self) -> Decimal | None:
        return rules.poverty_incidence(self.poor_persons, self.population)

    @property
    def display(self) -> str:
        return rules.format_percent(self.percent)


def incidence_of(
    tallies: dict[str, Tally], population: dict[int, VillagePopulation] | int | None
) -> Incidence:
    """The incidence of per-status totals: the persons of the poor statuses over
    the registered rural population, given as the villages' population rows
    (``{village id: VillagePopulation}``, summed) or as a number of persons
    (``None``: no population row, counted as 0). The one way an
    :class:`Incidence` is made."""
    if isinstance(population, dict):
        registered = sum(row.registered_persons for row in population.values())
    else:
        registered = population or 0
    return Incidence(sum_tallies(tallies, POOR_STATUSES).persons, registered)


def _in_villages(queryset, village_ids, field: str = "household__village_id"):
    return queryset if village_ids is None else queryset.filter(**{f"{field}__in": village_ids})


def dibao_members(*, on: date, village_ids=None):
    """Members of registered households on 低保 on ``on``: the one definition
    behind the town's and each village's 低保 figures."""
    members = Member.objects.filter(
        member_present_q(on),
        on_dibao=True,
        household__in=Household.objects.filter(registered_q(on)),
    )
    return _in_villages(members, village_ids)


def dibao_tally(*, on: date, village_ids=None) -> Tally:
    """Members of registered households on 低保, and their households, on ``on``."""
    members = dibao_members(on=on, village_ids=village_ids)
    row = members.aggregate(persons=Count("id"), households=Count("household_id", distinct=True))
    return Tally(row["households"], row["persons"])


def dibao_tallies_by_village(*, on: date, village_ids=None) -> dict[int, Tally]:
    """``dibao_tally`` per village id, in one query (villages without 低保 are absent)."""
    rows = (
        dibao_members(on=on, village_ids=village_ids)
        .order_by()
        .values("household__village_id")
        .annotate(persons=Count("id"), households=Count("household_id", distinct=True))
    )
    return {row["household__village_id"]: Tally(row["households"], row["persons"]) for row in rows}


def tekun_persons(*, on: date, village_ids=None) -> int:
    """Members of registered households supported as 特困供养 (五保) on ``on``."""
    members = Member.objects.filter(
        member_present_q(on),
        on_tekun=True,
        household__in=Household.objects.filter(registered_q(on)),
    )
    return _in_villages(members, village_ids).count()


def students_by_level(*, on: date, village_ids=None) -> dict[str, int]:
    """Students in school, by level, of households enjoying the policies on ``on``."""
    members = Member.objects.enjoying_policy_on(on).filter(school_status=SchoolStatus.IN_SCHOOL)
    rows = (
        _in_villages(members, village_ids)
        .order_by()
        .values("education_level")
        .annotate(n=Count("id"))
    )
    return {row["education_level"]: row["n"] for row in rows}


def household_size_on(household: Household, on: date) -> int:
    return household.members.present_on(on).count()


def status_on(household: Household, on: date) -> str | None:
    return household.status_periods.covering(on).values_list("status", flat=True).first()


# --------------------------------------------------------------------------
# Annotations of the pages' rows
# --------------------------------------------------------------------------


def members_present_count(on: date):
    """A subquery expression: the number of the household's members present on ``on``."""
    members = (
        Member.objects.filter(member_present_q(on), household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)
