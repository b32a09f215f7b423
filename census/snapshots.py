"""Keeping the villages' census progress snapshots true.

A village's census progress on a date (``census.selectors.census_progress``)
depends on the date in ways no delta captures (ages, the year's income and
poverty line, the checks' current state), so it is kept as a snapshot per
village and date (:class:`census.models.VillageProgressSnapshot`): daily
snapshots of the days the system is read on. They are kept true thus:

* a write that can change a village's progress (its households, members,
  status periods, incomes, guarantees, census checks; the ledger's bulk
  writes, ``households.signals.villages_changed``) deletes the village's
  snapshots in its transaction, and right after the commit the snapshot of
  the working date (``households.params.default_as_of``) is counted again;
* a member's ID number is compared across villages (rule R04, shared ID
  numbers): the villages of the members sharing the old or new number are
  the member's too;
* a change of a policy year (the poverty line), or of a county (its province
  chooses its households' policy year), deletes every snapshot;
* the nightly rebuild (:func:`rebuild`) deletes every snapshot and counts the
  working date's of every village;
* a reader finding no snapshot of its date counts the village then and keeps it.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_delete, post_init, post_save

from households.models import (
    County,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    Village,
)
from households.params import default_as_of
from households.signals import after_commit_for_villages, villages_changed

logger = logging.getLogger(__name__)

_WAS = "_census_snapshot_was"


def forget(village_ids, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete the snapshots of ``village_ids``; count their working date's
    again right after the transaction commits (at once outside one)."""
    from census.models import VillageProgressSnapshot

    ids = sorted({pk for pk in village_ids if pk is not None})
    if not ids:
        return
    VillageProgressSnapshot.objects.using(using).filter(village_id__in=ids).delete()
    after_commit_for_villages("census_snapshots", ids, _count_logged, using=using)


def count(village_ids, *, on=None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Count the snapshots of ``village_ids`` on ``on`` (the working date) and
    keep them, replacing any kept."""
    from census.models import VillageProgressSnapshot
    from census.selectors import count_census_progress, snapshot_of

    on = on or default_as_of()
    villages = list(Village.objects.using(using).filter(pk__in=list(village_ids)).order_by("pk"))
    if not villages:
        return 0
    rows = count_census_progress(on=on, villages=villages)
    VillageProgressSnapshot.objects.using(using).bulk_create(
        [snapshot_of(row, on=on) for row in rows],
        update_conflicts=True,
        unique_fields=["village", "on"],
        update_fields=[
            "households",
            "checked",
            "approved",
            "sent_back",
            "open_violations",
            "households_with_violations",
            "violations_by_rule",
            "counted_at",
        ],
        batch_size=1000,
    )
    return len(villages)


def _count_logged(ids, using) -> None:
    try:
        count(ids, using=using)
    except Exception:
        logger.exception("census snapshots: counting villages %s failed", ids)


def rebuild(*, on=None, using: str = DEFAULT_DB_ALIAS, batch: int = 100, workers: int = 1) -> int:
    """Delete every snapshot and count every village's on ``on`` (the working
    date), ``batch`` villages at a time; with ``workers`` > 1 (PostgreSQL,
    outside a transaction) that many batches at once, each on a connection of
    its own — the rules are the database's work, which runs on several cores."""
    from census.models import VillageProgressSnapshot

    on = on or default_as_of()
    VillageProgressSnapshot.objects.using(using).all().delete()
    ids = list(Village.objects.using(using).order_by("pk").values_list("pk", flat=True))
    batches = [ids[i : i + batch] for i in range(0, len(ids), batch)]
    connection = connections[using]
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for villages in batches:
            count(villages, on=on, using=using)
        return len(ids)

    def run(villages):
        try:
            count(villages, on=on, using=using)
        finally:
            connections[using].close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in pool.map(run, batches):
            del done
    return len(ids)


# --------------------------------------------------------------------------
# The writes that change a village's progress
# --------------------------------------------------------------------------


def _remember(sender, instance, **kwargs):
    field = "village_id" if sender is Household else "household_id"
    was = {field: instance.__dict__.get(field)}
    if sender is Member:
        was["id_number"] = instance.__dict__.get("id_number")
    instance.__dict__[_WAS] = was


def _household_written(sender, instance, using, **kwargs):
    was = instance.__dict__.get(_WAS, {})
    forget({instance.village_id, was.get("village_id")}, using=using)
    _remember(sender, instance)


def _row_written(sender, instance, using, **kwargs):
    was = instance.__dict__.get(_WAS, {})
    households = {instance.household_id, was.get("household_id")} - {None}
    villages = set(
        Household.objects.using(using)
        .filter(pk__in=households)
        .values_list("village_id", flat=True)
    )
    if sender is Member:
        numbers = {instance.id_number, was.get("id_number")} - {None, ""}
        if numbers:
            villages.update(
                Member.objects.using(using)
                .filter(id_number__in=numbers)
                .values_list("household__village_id", flat=True)
            )
    forget(villages, using=using)
    _remember(sender, instance)


def _check_written(sender, instance, using, **kwargs):
    village = (
        Household.objects.using(using)
        .filter(pk=instance.household_id)
        .values_list("village_id", flat=True)
        .first()
    )
    forget({village}, using=using)


def _policy_written(sender, instance, using, **kwargs):
    from census.models import VillageProgressSnapshot

    VillageProgressSnapshot.objects.using(using).all().delete()


def _villages_changed(sender, village_ids, using=DEFAULT_DB_ALIAS, **kwargs):
    forget(village_ids, using=using)


def connect() -> None:
    from census.models import HouseholdCheck

    uid = "census.snapshots"
    post_init.connect(_remember, sender=Household, dispatch_uid=f"{uid}.h.init")
    post_save.connect(_household_written, sender=Household, dispatch_uid=f"{uid}.h.save")
    post_delete.connect(_household_written, sender=Household, dispatch_uid=f"{uid}.h.del")
    for model in (Member, HouseholdStatusPeriod, HouseholdIncome, GuaranteeAssessment):
        name = model._meta.model_name
        post_init.connect(_remember, sender=model, dispatch_uid=f"{uid}.{name}.init")
        post_save.connect(_row_written, sender=model, dispatch_uid=f"{uid}.{name}.save")
        post_delete.connect(_row_written, sender=model, dispatch_uid=f"{uid}.{name}.del")
    post_save.connect(_check_written, sender=HouseholdCheck, dispatch_uid=f"{uid}.check.save")
    post_delete.connect(_check_written, sender=HouseholdCheck, dispatch_uid=f"{uid}.check.del")
    post_save.connect(_policy_written, sender=PolicyYear, dispatch_uid=f"{uid}.policy.save")
    post_delete.connect(_policy_written, sender=PolicyYear, dispatch_uid=f"{uid}.policy.del")
    post_save.connect(_policy_written, sender=County, dispatch_uid=f"{uid}.county.save")
    villages_changed.connect(_villages_changed, dispatch_uid=f"{uid}.villages_changed")
