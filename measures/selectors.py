"""Reads of assistance measures: per household, and totals per programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from households.models import Household
from measures.models import ApplicationStatus, Kind, MeasureApplication, Programme

ZERO = Decimal("0")

#: Measures that have not landed yet: their income is still to come.
PENDING_STATUSES = (ApplicationStatus.PLANNED, ApplicationStatus.IN_PROGRESS)


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
