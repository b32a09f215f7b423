"""Reads of assistance measures: per household, and totals per programme."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from households.models import Household, Member, Village
from households.scope import filter_visible, households_visible_to, sees_every_town
from measures import rules
from measures.choices import (
    LIVE_STATUSES,
    PENDING_STATUSES,
    ApplicationStatus,
    Category,
    Kind,
    Target,
)
from measures.models import MeasureApplication, Programme

ZERO = Decimal("0")


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


def is_renovation_completed(application: MeasureApplication, on: date) -> bool:
    """``renovation_completed_q`` of one application in memory (its programme loaded)."""
    return (
        application.programme.kind == Kind.RENOVATION
        and application.status == ApplicationStatus.COMPLETED
        and application.completed_on is not None
        and application.completed_on <= on
    )


@dataclass(frozen=True)
class HouseholdMeasureFacts:
    planned_added_income: Decimal
    renovation_completed: bool


def household_measure_facts(
    *, household: Household, on: date, applications=None
) -> HouseholdMeasureFacts:
    """What the lifting check needs from a household's measures, in one query.

    ``applications``: every application of the household with its programme,
    if the caller has loaded them already (the household page lists them);
    the facts are then read off them without a query.
    """
    if applications is not None:
        return HouseholdMeasureFacts(
            planned_added_income=sum(
                (a.added_income for a in applications if a.status in PENDING_STATUSES), ZERO
            ),
            renovation_completed=any(is_renovation_completed(a, on) for a in applications),
        )
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


def programme_totals(
    *, year: int, kind: str | None = None, households=None
) -> list[ProgrammeTotals]:
    """Per programme of ``year``: beneficiaries, progress and funds, in one query.

    Cancelled applications are left out of every figure. ``households``: a
    ``Household`` queryset to count only their applications (a user's scope).
    """
    programmes = Programme.objects.filter(year=year)
    if kind is not None:
        programmes = programmes.filter(kind=kind)
    scope = Q()
    if households is not None:
        scope = Q(applications__household__in=households.values("pk"))

    def status_is(status):
        return Q(applications__status=status) & scope

    live = live_q("applications__") & scope
    programmes = programmes.annotate(
        n_households=Count("applications__household", filter=live, distinct=True),
        n_persons=Count("applications__member", filter=live, distinct=True),
        n_applications=Count("applications", filter=live),
        n_completed=Count("applications", filter=status_is(ApplicationStatus.COMPLETED)),
        n_in_progress=Count("applications", filter=status_is(ApplicationStatus.IN_PROGRESS)),
        n_planned=Count("applications", filter=status_is(ApplicationStatus.PLANNED)),
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


def category_totals(*, year: int, village_ids=None) -> list[CategoryTotals]:
    """Per category of the programmes of ``year``, in the order of ``Category``; one query.

    Categories without a programme that year are absent; a category whose
    programmes have no application yet has zeros. Cancelled applications
    never count. ``village_ids``: only the applications of those villages'
    households (``None``: every village).
    """
    live = live_q("applications__")
    completed = Q(applications__status=ApplicationStatus.COMPLETED)
    if village_ids is not None:
        in_villages = Q(applications__household__village_id__in=village_ids)
        live &= in_villages
        completed &= in_villages
    rows = (
        Programme.objects.filter(year=year)
        .order_by()
        .values("category")
        .annotate(
            n_households=Count("applications__household", filter=live, distinct=True),
            n_persons=Count("applications__member", filter=live, distinct=True),
            n_applications=Count("applications", filter=live),
            n_completed=Count("applications", filter=completed),
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


def sum_coverage(totals: list) -> VillageMeasureTotals:
    """The measure coverage of several villages (each household is in one village)."""
    return VillageMeasureTotals(
        households=sum(t.households for t in totals),
        persons=sum(t.persons for t in totals),
        applications=sum(t.applications for t in totals),
        completed=sum(t.completed for t in totals),
        funds=sum((t.funds for t in totals), ZERO),
    )


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


# --------------------------------------------------------------------------
# Scoping
# --------------------------------------------------------------------------


def applications_visible_to(user):
    """The applications of the households ``user`` may see (``households.scope``)."""
    return filter_visible(MeasureApplication.objects.all(), user, via="household")


def programme_totals_for(*, year: int, user) -> list[ProgrammeTotals]:
    """:func:`programme_totals` counting only the households ``user`` may see.

    Users who see the whole town get the town's totals; a village cadre gets
    those of their village, a responsible person those of their households.
    """
    if sees_every_town(user):
        return programme_totals(year=year)
    return programme_totals(year=year, households=households_visible_to(user))


# --------------------------------------------------------------------------
# A programme's page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageProgrammeTotals:
    village_id: int
    village_name: str
    households: int
    persons: int
    applications: int
    completed: int
    funds: Decimal


def programme_village_totals(
    *, programme: Programme, households=None
) -> list[VillageProgrammeTotals]:
    """Per village (of the household), a programme's live applications; one query.

    ``households``: a ``Household`` queryset to count only those (the user's scope).
    """
    rows = MeasureApplication.objects.filter(live_q(), programme=programme)
    if households is not None:
        rows = rows.filter(household__in=households.values("pk"))
    rows = (
        rows.order_by("household__village__name")
        .values("household__village_id", "household__village__name")
        .annotate(
            households=Count("household", distinct=True),
            persons=Count("member", distinct=True),
            applications=Count("id"),
            completed=Count("id", filter=Q(status=ApplicationStatus.COMPLETED)),
            funds=Sum("amount"),
        )
    )
    return [
        VillageProgrammeTotals(
            village_id=row["household__village_id"],
            village_name=row["household__village__name"],
            households=row["households"],
            persons=row["persons"],
            applications=row["applications"],
            completed=row["completed"],
            funds=row["funds"] or ZERO,
        )
        for row in rows
    ]


# --------------------------------------------------------------------------
# Applying a programme to many households or persons
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyTarget:
    household_id: int
    member_id: int | None
    persons: int
    amount: Decimal


@dataclass(frozen=True)
class ApplyPlan:
    """What applying a programme to a filtered set would do, before anything is written.

    ``households`` and ``persons``: matched by the filters (persons: the
    members present on the date, of the matched households or matched
    themselves for a person-targeted programme); ``deceased``: of those
    persons, recorded as deceased but still registered; ``already``: matched
    households or persons that already have a live application of the
    programme (skipped, so that applying twice does not double); ``empty``:
    households without a member present, skipped for a per-person standard;
    ``targets``: the applications to create, with their amounts;
    ``persons_to_create``: the persons they reach (the targeted members, or
    the members present in the targeted households).
    """

    programme: Programme
    on: date
    households: int
    persons: int
    deceased: int
    already: int
    empty: int
    targets: list[ApplyTarget]
    persons_to_create: int

    @property
    def to_create(self) -> int:
        return len(self.targets)

    @property
    def households_to_create(self) -> int:
        return len({t.household_id for t in self.targets})

    @property
    def funds(self) -> Decimal:
        return sum((t.amount for t in self.targets), ZERO)

    @property
    def fingerprint(self) -> str:
        """A digest of exactly who is reached (households and members): the
        confirmation carries the preview's, and a different set is refused
        even when its count is the same."""
        keys = sorted((t.household_id, t.member_id or 0) for t in self.targets)
        text = ";".join(f"{h}:{m}" for h, m in keys)
        return hashlib.sha256(text.encode()).hexdigest()

    def by_household(self) -> dict[int, tuple[int, int, Decimal]]:
        """(applications, persons, amount) of each household reached."""
        result: dict[int, tuple[int, int, Decimal]] = {}
        for t in self.targets:
            n, persons, amount = result.get(t.household_id, (0, 0, ZERO))
            result[t.household_id] = (n + 1, persons + t.persons, amount + t.amount)
        return result


def apply_plan(
    *,
    programme: Programme,
    households,
    on: date,
    members_q: Q | None = None,
    amount: Decimal | None = None,
) -> ApplyPlan:
    """The applications that applying ``programme`` to ``households`` on ``on`` creates.

    ``households``: a ``Household`` queryset, already scoped to the user and
    filtered; a programme run in one village only keeps that village's.
    ``members_q``: a ``Member`` filter (person-targeted programmes).
    ``amount``: per application, for a lump-sum programme (no standard).
    Three queries, however many households.
    """
    from households.selectors import member_present_q, members_present_count

    if programme.village_id:
        households = households.filter(village_id=programme.village_id)
    live = MeasureApplication.objects.filter(live_q(), programme=programme)

    def priced(persons: int) -> Decimal:
        standard = programme.standard_for(persons=persons)
        return standard if standard is not None else (amount or ZERO)

    targets: list[ApplyTarget] = []
    already = empty = deceased = 0
    if programme.target == Target.PERSON:
        members = Member.objects.filter(member_present_q(on), household__in=households.values("pk"))
        if members_q is not None:
            members = members.filter(members_q)
        rows = list(
            members.order_by("household_id", "pk").values_list("pk", "household_id", "deceased_on")
        )
        taken = set(live.filter(member__isnull=False).values_list("member_id", flat=True))
        for member_id, household_id, deceased_on in rows:
            deceased += deceased_on is not None and deceased_on <= on
            if member_id in taken:
                already += 1
                continue
            targets.append(ApplyTarget(household_id, member_id, 1, priced(1)))
        return ApplyPlan(
            programme=programme,
            on=on,
            households=len({row[1] for row in rows}),
            persons=len(rows),
            deceased=deceased,
            already=already,
            empty=0,
            targets=targets,
            persons_to_create=len(targets),
        )

    rows = list(
        households.annotate(present=members_present_count(on))
        .order_by("pk")
        .values_list("pk", "present")
    )
    taken = set(live.filter(member__isnull=True).values_list("household_id", flat=True))
    reached = 0
    for household_id, size in rows:
        if household_id in taken:
            already += 1
            continue
        persons = rules.persons_concerned(
            unit=programme.unit, target=programme.target, household_size=size
        )
        if persons < 1:
            empty += 1
            continue
        targets.append(ApplyTarget(household_id, None, persons, priced(persons)))
        reached += size
    return ApplyPlan(
        programme=programme,
        on=on,
        households=len(rows),
        persons=sum(size for _pk, size in rows),
        deceased=0,
        already=already,
        empty=empty,
        targets=targets,
        persons_to_create=reached,
    )


# --------------------------------------------------------------------------
# 我的帮扶户: a responsible person's households (the list is assessment.selectors')
# --------------------------------------------------------------------------


def responsible_person_of(user):
    """The responsible person linked to ``user``'s account, or ``None``."""
    from measures.models import ResponsiblePerson

    return ResponsiblePerson.objects.filter(user=user).first() if user.is_authenticated else None
