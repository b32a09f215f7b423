"""Reads of assistance measures: per household, and totals per programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from households.models import Household, Village
from measures.models import ApplicationStatus, Category, Kind, MeasureApplication, Programme

ZERO = Decimal("0")

#: Measures that have not landed yet: their income is still to come.
PENDING_STATUSES = (ApplicationStatus.PLANNED, ApplicationStatus.IN_PROGRESS)
#: Every status but cancelled: the applications that count in any total.
LIVE_STATUSES = (*PENDING_STATUSES, ApplicationStatus.COMPLETED)


def live_q(prefix: str = "") -> Q:
    """An application that counts: not cancelled (written positively, so that
    it stays false on the NULL rows of an outer join)."""
    return Q(**{f"{prefix}status__in": LIVE_STATUSES})


def renovation_completed_q(on: date, prefix: str = "") -> Q:
    """A 危房改造 measure completed on or before ``on``."""
    return Q(
        **{
            f"{prefix}programme__kind": Kind.RENOVATION,
            f"{prefix}status": ApplicationStatus.COMPLETED,
            f"{prefix}completed_on__lte": on,
        }
    )


@dataclass(frozen=True)
class HouseholdMeasureFacts:
    planned_added_income: Decimal
    renovation_completed: bool


def household_measure_facts(*, household: Household, on: date) -> HouseholdMeasureFacts:
    """What the lifting check needs from a household's measures, in one query."""
    row = MeasureApplication.objects.filter(household=household).aggregate(
        planned=Sum("added_income", filter=Q(status__in=PENDING_STATUSES)),
        renovations=Count("id", filter=renovation_completed_q(on)),
    )
    return HouseholdMeasureFacts(
        planned_added_income=row["planned"] or ZERO,
        renovation_completed=bool(row["renovations"]),
    )


@dataclass(frozen=True)
class ProgrammeTotals:
    programme: Programme
    households: int
    persons: int
    applications: int
    completed: int
    in_progress: int
    planned: int
    funds: Decimal
    added_income: Decimal


def programme_totals(*, year: int, kind: str | None = None) -> list[ProgrammeTotals]:
    """Per programme of ``year``: beneficiaries, progress and funds, in one query.

    Cancelled applications are left out of every figure.
    """
    programmes = Programme.objects.filter(year=year)
    if kind is not None:
        programmes = programmes.filter(kind=kind)
    live = ~Q(applications__status=ApplicationStatus.CANCELLED)
    programmes = programmes.annotate(
        n_households=Count("applications__household", filter=live, distinct=True),
        n_persons=Count("applications__member", filter=live, distinct=True),
        n_applications=Count("applications", filter=live),
        n_completed=Count(
            "applications", filter=Q(applications__status=ApplicationStatus.COMPLETED)
        ),
        n_in_progress=Count(
            "applications", filter=Q(applications__status=ApplicationStatus.IN_PROGRESS)
        ),
        n_planned=Count("applications", filter=Q(applications__status=ApplicationStatus.PLANNED)),
        total_funds=Sum("applications__amount", filter=live),
        total_added_income=Sum("applications__added_income", filter=live),
    ).order_by("category", "name")
    return [
        ProgrammeTotals(
            programme=p,
            households=p.n_households,
            persons=p.n_persons,
            applications=p.n_applications,
            completed=p.n_completed,
            in_progress=p.n_in_progress,
            planned=p.n_planned,
            funds=p.total_funds or ZERO,
            added_income=p.total_added_income or ZERO,
        )
        for p in programmes
    ]


def renovations_by_kind(*, year: int) -> dict[str, tuple[int, int]]:
    """危房改造 of ``year`` per kind: (households, completed)."""
    rows = (
        MeasureApplication.objects.filter(programme__year=year, programme__kind=Kind.RENOVATION)
        .exclude(status=ApplicationStatus.CANCELLED)
        .values("renovation_kind")
        .annotate(
            households=Count("household", distinct=True),
            completed=Count("id", filter=Q(status=ApplicationStatus.COMPLETED)),
        )
    )
    return {row["renovation_kind"]: (row["households"], row["completed"]) for row in rows}


# --------------------------------------------------------------------------
# For the leaders' dashboard: one query each, whatever the size of the town
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTotals:
    """The live applications of one category of programmes in a year.

    ``households``: distinct households with at least one application;
    ``persons``: distinct members named on person-targeted applications (a
    household-targeted application names no member and adds no person);
    ``applications`` and ``completed``: applications; ``funds``: their amounts.
    """

    category: str
    label: str
    households: int
    persons: int
    applications: int
    completed: int
    funds: Decimal


def category_totals(*, year: int) -> list[CategoryTotals]:
    """Per category of the programmes of ``year``, in the order of ``Category``; one query.

    Categories without a programme that year are absent; a category whose
    programmes have no application yet has zeros. Cancelled applications
    never count.
    """
    live = live_q("applications__")
    rows = (
        Programme.objects.filter(year=year)
        .order_by()
        .values("category")
        .annotate(
            n_households=Count("applications__household", filter=live, distinct=True),
            n_persons=Count("applications__member", filter=live, distinct=True),
            n_applications=Count("applications", filter=live),
            n_completed=Count(
                "applications", filter=Q(applications__status=ApplicationStatus.COMPLETED)
            ),
            funds=Sum("applications__amount", filter=live),
        )
    )
    by_category = {row["category"]: row for row in rows}
    return [
        CategoryTotals(
            category=category.value,
            label=str(category.label),
            households=row["n_households"],
            persons=row["n_persons"],
            applications=row["n_applications"],
            completed=row["n_completed"],
            funds=row["funds"] or ZERO,
        )
        for category in Category
        if (row := by_category.get(category.value)) is not None
    ]


@dataclass(frozen=True)
class VillageMeasureTotals:
    """The live applications of a year to the households of one village.

    Same definitions as :class:`CategoryTotals` (persons: members named on
    person-targeted applications); the village is the household's registered
    village.
    """

    households: int
    persons: int
    applications: int
    completed: int
    funds: Decimal


def village_coverage(*, year: int, village_ids=None) -> dict[int, VillageMeasureTotals]:
    """``{village id: totals}`` of the applications of programmes of ``year``; one query.

    Every village (of ``village_ids`` if given) is a key, with zeros when no
    household of it has an application. Cancelled applications never count.
    """
    prefix = "households__measures__"
    live = live_q(prefix) & Q(**{f"{prefix}programme__year": year})
    villages = Village.objects.order_by()
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    rows = villages.values("pk").annotate(
        n_households=Count(f"{prefix}household", filter=live, distinct=True),
        n_persons=Count(f"{prefix}member", filter=live, distinct=True),
        n_applications=Count(f"{prefix}id", filter=live),
        n_completed=Count(
            f"{prefix}id", filter=live & Q(**{f"{prefix}status": ApplicationStatus.COMPLETED})
        ),
        funds=Sum(f"{prefix}amount", filter=live),
    )
    return {
        row["pk"]: VillageMeasureTotals(
            households=row["n_households"],
            persons=row["n_persons"],
            applications=row["n_applications"],
            completed=row["n_completed"],
            funds=row["funds"] or ZERO,
        )
        for row in rows
    }
