"""Reads of the household registry, as of a date.

Every count has one definition here, written as a ``Q`` object over the
dated rows (status periods, member join/leave dates). The household page and
the aggregate queries of dashboards and reports both use these definitions,
so a household counted as "not lifted" on a page is the same household the
town figure counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from households import rules
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    POOR_STATUSES,
    REGISTERED_STATUSES,
    HousingAlternative,
    SchoolStatus,
)
from households.models import (
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    VillagePopulation,
)

# --------------------------------------------------------------------------
# The definitions
# --------------------------------------------------------------------------


def period_covers_q(on: date, prefix: str = "") -> Q:
    """A status period in force on ``on`` (valid_from ≤ on < valid_to)."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


def member_present_q(on: date, prefix: str = "") -> Q:
    """A member belonging to the household on ``on`` (joined_on ≤ on < left_on)."""
    return Q(**{f"{prefix}joined_on__lte": on}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": on})
    )


def status_in_q(on: date, statuses) -> Q:
    """Households whose status on ``on`` is one of ``statuses``."""
    periods = HouseholdStatusPeriod.objects.filter(
        period_covers_q(on), household=OuterRef("pk"), status__in=list(statuses)
    )
    return Q(Exists(periods))


def registered_q(on: date) -> Q:
    """Registered poor households (建档立卡户) on ``on``: not removed, already identified."""
    return status_in_q(on, REGISTERED_STATUSES)


def poor_q(on: date) -> Q:
    """Households not lifted on ``on`` (未脱贫 or 返贫): they make the incidence."""
    return status_in_q(on, POOR_STATUSES)


def enjoying_policy_q(on: date) -> Q:
    """Households whose members still enjoy the assistance policies on ``on``."""
    return status_in_q(on, ENJOYING_POLICY_STATUSES)


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
    totals: dict[str, Tally] = defaultdict(Tally)
    for (_village, status), tally in status_tallies(on=on, village_ids=village_ids).items():
        totals[status] = totals[status] + tally
    return dict(totals)


def sum_tallies(tallies: dict[str, Tally], statuses) -> Tally:
    return sum((tallies.get(status, Tally()) for status in statuses), Tally())


def population_for_year(*, year: int, village_ids=None) -> dict[int, VillagePopulation]:
    """Each village's population row for ``year`` (the latest year ≤ ``year``)."""
    rows = VillagePopulation.objects.filter(year__lte=year).order_by("village_id", "-year")
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    latest: dict[int, VillagePopulation] = {}
    for row in rows:
        latest.setdefault(row.village_id, row)
    return latest


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


def town_incidence(*, on: date, village_ids=None) -> Incidence:
    """Poor persons not yet lifted ÷ registered rural population, on ``on``."""
    tallies = town_status_tallies(on=on, village_ids=village_ids)
    population = sum(
        row.registered_persons
        for row in population_for_year(year=on.year, village_ids=village_ids).values()
    )
    return Incidence(sum_tallies(tallies, POOR_STATUSES).persons, population)


def dibao_tally(*, on: date) -> Tally:
    """Members of registered households on 低保, and their households, on ``on``."""
    members = Member.objects.filter(
        member_present_q(on),
        on_dibao=True,
        household__in=Household.objects.filter(registered_q(on)),
    )
    row = members.aggregate(persons=Count("id"), households=Count("household_id", distinct=True))
    return Tally(row["households"], row["persons"])


def tekun_persons(*, on: date) -> int:
    """Members of registered households supported as 特困供养 (五保) on ``on``."""
    return Member.objects.filter(
        member_present_q(on),
        on_tekun=True,
        household__in=Household.objects.filter(registered_q(on)),
    ).count()


def students_by_level(*, on: date) -> dict[str, int]:
    """Students in school, by level, of households enjoying the policies on ``on``."""
    rows = (
        Member.objects.filter(
            member_present_q(on),
            school_status=SchoolStatus.IN_SCHOOL,
            household__in=Household.objects.filter(enjoying_policy_q(on)),
        )
        .values("education_level")
        .annotate(n=Count("id"))
    )
    return {row["education_level"]: row["n"] for row in rows}


def household_size_on(household: Household, on: date) -> int:
    return household.members.filter(member_present_q(on)).count()


def status_on(household: Household, on: date) -> str | None:
    period = (
        household.status_periods.filter(period_covers_q(on))
        .values_list("status", flat=True)
        .first()
    )
    return period


# --------------------------------------------------------------------------
# One household: the lifting-standard check
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdCheckResult:
    year: int
    on: date
    household_size: int
    income: HouseholdIncome | None
    net_income: Decimal | None
    per_capita_income: Decimal | None
    poverty_line: Decimal | None
    planned_added_income: Decimal
    projected_per_capita_income: Decimal | None
    check: rules.LiftingCheck
    projected_check: rules.LiftingCheck


def household_check(*, household: Household, on: date) -> HouseholdCheckResult:
    """Gather the facts of one household on ``on`` and apply the lifting standard.

    Projected: the same check with the income that planned and ongoing
    measures will add once they land.
    """
    from measures.selectors import household_measure_facts

    year = on.year
    members = list(household.members.filter(member_present_q(on)))
    size = len(members)
    income = household.incomes.filter(year=year).first()
    policy = PolicyYear.objects.filter(year=year).first()
    guarantee = household.guarantees.filter(assessed_on__lte=on).order_by("-assessed_on").first()
    measure_facts = household_measure_facts(household=household, on=on)

    net = income.net_income if income else None
    if income is not None:
        income_size = household_size_on(household, income.assessed_on)
        per_capita = rules.per_capita_income(net, income_size)
        # Projected income is a look ahead: spread over today's household.
        projected = rules.project_income(net, measure_facts.planned_added_income, size)
    else:
        per_capita = projected = None

    def facts(per_capita_income):
        return rules.HouseholdFacts(
            year=year,
            per_capita_income=per_capita_income,
            poverty_line=policy.poverty_line if policy else None,
            food_ok=guarantee.food_ok if guarantee else None,
            clothing_ok=guarantee.clothing_ok if guarantee else None,
            housing_grade=(guarantee.housing_grade or None) if guarantee else None,
            housing_renovation_completed=measure_facts.renovation_completed,
            housing_alternative=(
                guarantee.housing_alternative if guarantee else HousingAlternative.NONE
            ),
            water_ok=guarantee.water_ok if guarantee else None,
            members=tuple(
                rules.MemberFacts(
                    name=m.name,
                    age=rules.age_on(m.birth_date, on),
                    school_status=m.school_status,
                    medical_insurance=m.medical_insurance,
                )
                for m in members
            ),
        )

    return HouseholdCheckResult(
        year=year,
        on=on,
        household_size=size,
        income=income,
        net_income=net,
        per_capita_income=per_capita,
        poverty_line=policy.poverty_line if policy else None,
        planned_added_income=measure_facts.planned_added_income,
        projected_per_capita_income=projected,
        check=rules.check_lifting_standard(facts(per_capita)),
        projected_check=rules.check_lifting_standard(facts(projected)),
    )
