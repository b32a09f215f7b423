"""Counting the villages' figures into the summary tables.

:func:`recount` replaces the rows of some villages with their figures counted
from the registry as it is now (a village's households, status periods and
members: three queries, then :mod:`summaries.counting`), under a lock on the
villages' :class:`VillageSummary` rows so that two recounts of one village
follow each other. :func:`rebuild` recounts every village, a batch at a time.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from households.models import Household, HouseholdStatusPeriod, Member, Village
from households.signals import after_commit_for_villages
from summaries.counting import HouseholdRows, MemberRow, village_changes, year_ends
from summaries.models import (
    FigureDelta,
    FigureYearEnd,
    MeasureTotals,
    StaleVillage,
    VillageSummary,
)

logger = logging.getLogger(__name__)

#: Rows written per INSERT.
BATCH_SIZE = 5000
#: Households counted together by the full rebuild (its memory, not its speed).
REBUILD_HOUSEHOLDS = 50_000


def _chunks(ids: list[int], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def load_rows(village_ids: list[int], *, using: str = DEFAULT_DB_ALIAS) -> list[HouseholdRows]:
    """The registry rows of ``village_ids`` that the figures are counted from."""
    households: dict[int, HouseholdRows] = {}
    periods = HouseholdStatusPeriod.objects.using(using).order_by()
    members = Member.objects.using(using).order_by()
    for chunk in _chunks(village_ids):
        rows = Household.objects.using(using).filter(village_id__in=chunk).order_by()
        for pk, village_id, cause in rows.values_list("pk", "village_id", "main_cause"):
            households[pk] = HouseholdRows(village_id=village_id, main_cause=cause)
        for household_id, status, valid_from, valid_to in periods.filter(
            household__village_id__in=chunk
        ).values_list("household_id", "status", "valid_from", "valid_to"):
            households[household_id].periods.append((status, valid_from, valid_to))
        for household_id, *values in members.filter(household__village_id__in=chunk).values_list(
            "household_id",
            "joined_on",
            "left_on",
            "on_dibao",
            "on_tekun",
            "school_status",
            "education_level",
        ):
            households[household_id].members.append(MemberRow(*values))
    return list(households.values())


def measure_rows(village_ids: list[int], *, using: str = DEFAULT_DB_ALIAS) -> list[MeasureTotals]:
    """The measure totals of ``village_ids`` for every year, by key (see
    :class:`MeasureTotals`): four queries per 500 villages, with
    ``measures.selectors``' definitions (live applications; distinct
    households and named members; completed, in progress, planned; amounts;
    危房改造 counted by kind, cancelled left out)."""
    from measures.choices import Kind
    from measures.models import MeasureApplication
    from measures.selectors import ApplicationStatus, live_q

    def status_is(status):
        return Count("pk", filter=Q(status=status))

    totals = {
        "n_households": Count("household", distinct=True),
        "n_persons": Count("member", distinct=True),
        "n_applications": Count("pk"),
        "n_completed": status_is(ApplicationStatus.COMPLETED),
        "n_in_progress": status_is(ApplicationStatus.IN_PROGRESS),
        "n_planned": status_is(ApplicationStatus.PLANNED),
        "funds": Sum("amount"),
        "added": Sum("added_income"),
    }
    groupings = {
        "": (),
        "c:": ("programme__category",),
        "p:": ("programme_id",),
        "r:": ("renovation_kind",),
    }
    rows = []
    for chunk in _chunks(village_ids):
        live = MeasureApplication.objects.using(using).filter(
            live_q(), household__village_id__in=chunk
        )
        for prefix, extra in groupings.items():
            applications = live.filter(programme__kind=Kind.RENOVATION) if prefix == "r:" else live
            keys = ["household__village_id", "programme__year", *extra]
            for row in applications.order_by().values(*keys).annotate(**totals):
                rows.append(
                    MeasureTotals(
                        village_id=row["household__village_id"],
                        year=row["programme__year"],
                        key=prefix + str(row[extra[0]]) if extra else "",
                        households=row["n_households"],
                        persons=row["n_persons"],
                        applications=row["n_applications"],
                        completed=row["n_completed"],
                        in_progress=row["n_in_progress"],
                        planned=row["n_planned"],
                        funds=row["funds"] or 0,
                        added_income=row["added"] or 0,
                    )
                )
    return rows


def recount(village_ids, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Count the figures of ``village_ids`` again and replace their rows; the
    villages' stale marks seen before counting are cleared. Returns the number
    of villages counted."""
    ids = sorted(set(village_ids))
    if not ids:
        return 0
    now = timezone.now()
    with transaction.atomic(using=using):
        stale = list(
            StaleVillage.objects.using(using)
            .filter(village_id__in=ids)
            .values_list("pk", flat=True)
        )
        # Villages deleted meanwhile are not counted (their rows cascade away).
        ids = list(Village.objects.using(using).filter(pk__in=ids).values_list("pk", flat=True))
        VillageSummary.objects.using(using).bulk_create(
            [VillageSummary(village_id=pk, counted_at=now) for pk in ids], ignore_conflicts=True
        )
        summaries = {
            s.pk: s
            for s in VillageSummary.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
        }
        changes = village_changes(load_rows(ids, using=using))
        measures = measure_rows(ids, using=using)
        FigureDelta.objects.using(using).filter(village_id__in=ids).delete()
        FigureYearEnd.objects.using(using).filter(village_id__in=ids).delete()
        MeasureTotals.objects.using(using).filter(village_id__in=ids).delete()
        deltas, ends = [], []
        for pk in ids:
            village = changes.get(pk, {})
            deltas.extend(
                FigureDelta(village_id=pk, figure=figure, day=day, households=h, persons=p)
                for (figure, day), (h, p) in village.items()
            )
            sums, first, last = year_ends(village)
            ends.extend(
                FigureYearEnd(
                    village_id=pk,
                    figure=figure,
                    year=year,
                    is_last=year == last,
                    households=h,
                    persons=p,
                )
                for (figure, year), (h, p) in sums.items()
            )
            summary = summaries[pk]
            summary.counted_at, summary.first_year, summary.last_year = now, first, last
        FigureDelta.objects.using(using).bulk_create(deltas, batch_size=BATCH_SIZE)
        FigureYearEnd.objects.using(using).bulk_create(ends, batch_size=BATCH_SIZE)
        MeasureTotals.objects.using(using).bulk_create(measures, batch_size=BATCH_SIZE)
        VillageSummary.objects.using(using).bulk_update(
            list(summaries.values()), ["counted_at", "first_year", "last_year"], batch_size=500
        )
        for chunk in _chunks(stale, 1000):
            StaleVillage.objects.using(using).filter(pk__in=chunk).delete()
    return len(ids)


def stale_villages(village_ids=None, *, using: str | None = None) -> list[int]:
    """The villages (of ``village_ids``; every village for ``None``) whose
    figures are not counted since their last write, or never were: one query
    (on the database the router reads from, unless ``using``: a replica's
    reader sees the marks the primary has not cleared yet)."""
    villages = Village.objects.db_manager(using).filter(
        ~Exists(VillageSummary.objects.filter(pk=OuterRef("pk")))
        | Exists(StaleVillage.objects.filter(village_id=OuterRef("pk")))
    )
    if village_ids is not None:
        villages = villages.filter(pk__in=list(village_ids))
    return list(villages.order_by("pk").values_list("pk", flat=True))


def ensure_counted(village_ids=None) -> int:
    """Recount the stale villages of ``village_ids`` before a reading: the
    figures read next include every committed write. The marks are looked up
    where the reader reads; the recount is a write, on the primary."""
    stale = stale_villages(village_ids)
    return recount(stale) if stale else 0


@dataclass(frozen=True)
class RebuildResult:
    villages: int
    households: int
    deltas: int
    year_ends: int
    seconds: float


def rebuild(*, using: str = DEFAULT_DB_ALIAS) -> RebuildResult:
    """Recount every village, in batches of about ``REBUILD_HOUSEHOLDS`` households."""
    started = time.monotonic()
    sizes = dict(
        Household.objects.using(using)
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
        .values_list("village_id", "n")
    )
    villages = list(Village.objects.using(using).order_by("pk").values_list("pk", flat=True))
    batch: list[int] = []
    weight = 0
    for pk in villages:
        batch.append(pk)
        weight += sizes.get(pk, 0)
        if weight >= REBUILD_HOUSEHOLDS:
            recount(batch, using=using)
            batch, weight = [], 0
    if batch:
        recount(batch, using=using)
    result = RebuildResult(
        villages=len(villages),
        households=sum(sizes.values()),
        deltas=FigureDelta.objects.using(using).count(),
        year_ends=FigureYearEnd.objects.using(using).count(),
        seconds=time.monotonic() - started,
    )
    logger.info("summaries rebuilt: %s", result)
    return result


def mark_stale(village_ids, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that the registry rows of ``village_ids`` changed; recount them
    right after the transaction commits (at once outside a transaction)."""
    ids = sorted({pk for pk in village_ids if pk is not None})
    if not ids:
        return
    StaleVillage.objects.using(using).bulk_create([StaleVillage(village_id=pk) for pk in ids])
    after_commit_for_villages("summaries", ids, _recount_logged, using=using)


def _recount_logged(ids, using) -> None:
    """A recount after a write: a failure leaves the marks for the next reader."""
    try:
        recount(ids, using=using)
    except Exception:
        logger.exception("summaries: recounting villages %s failed", ids)


def rebuild_everything() -> dict:
    """The full rebuild: every village's registry figures (:func:`rebuild`) and
    census progress snapshots of the working date (``census.snapshots``)."""
    from census import snapshots

    started = time.monotonic()
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The census rules run in the database while the registry's figures are
        # counted here in Python: side by side, on connections of their own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            census = pool.submit(_census_rebuild_in_thread)
            figures = rebuild()
            villages = census.result()
    else:
        figures = rebuild()
        villages = snapshots.rebuild()
    return {
        "villages": figures.villages,
        "households": figures.households,
        "deltas": figures.deltas,
        "year_ends": figures.year_ends,
        "figures_seconds": round(figures.seconds, 1),
        "census_villages": villages,
        "seconds": round(time.monotonic() - started, 1),
    }


def _census_rebuild_in_thread() -> int:
    from census import snapshots

    try:
        return snapshots.rebuild(workers=2)
    finally:
        connections[DEFAULT_DB_ALIAS].close()
