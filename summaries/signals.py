"""Which writes change a village's figures: the receivers that mark it stale.

A household saved or deleted (its village, and the village it left when it
moved), a member, a status period or a measure application saved or deleted
(its household's village, and the household it left), a programme saved (the
villages of its applications), and the bulk writes of the registry and the
measures (``households.signals.villages_changed``).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_init, post_save

from households.models import Household, HouseholdStatusPeriod, Member
from households.signals import villages_changed
from summaries.build import mark_stale

_WAS = "_summaries_was"


def _remember_village(sender, instance, **kwargs):
    # From __dict__: a deferred field is not loaded for this.
    instance.__dict__[_WAS] = instance.__dict__.get("village_id")


def _remember_household(sender, instance, **kwargs):
    instance.__dict__[_WAS] = instance.__dict__.get("household_id")


def _household_written(sender, instance, using, **kwargs):
    mark_stale({instance.village_id, instance.__dict__.get(_WAS)}, using=using)
    instance.__dict__[_WAS] = instance.village_id


def _household_row_written(sender, instance, using, **kwargs):
    households = {instance.household_id, instance.__dict__.get(_WAS)} - {None}
    instance.__dict__[_WAS] = instance.household_id
    cached = sender.household.is_cached(instance) and len(households) == 1
    if cached:
        villages = {instance.household.village_id}
    else:
        villages = set(
            Household.objects.using(using)
            .filter(pk__in=households)
            .values_list("village_id", flat=True)
        )
    mark_stale(villages, using=using)


def _programme_written(sender, instance, using, **kwargs):
    # Its year or category counts in its applications' villages.
    from measures.models import MeasureApplication

    villages = (
        MeasureApplication.objects.using(using)
        .filter(programme_id=instance.pk)
        .values_list("household__village_id", flat=True)
        .distinct()
    )
    mark_stale(set(villages), using=using)


def _villages_changed(sender, village_ids, using="default", **kwargs):
    mark_stale(village_ids, using=using)


def connect() -> None:
    post_init.connect(_remember_village, sender=Household, dispatch_uid="summaries.h.init")
    post_save.connect(_household_written, sender=Household, dispatch_uid="summaries.h.save")
    post_delete.connect(_household_written, sender=Household, dispatch_uid="summaries.h.del")
    from measures.models import MeasureApplication, Programme

    for model in (Member, HouseholdStatusPeriod, MeasureApplication):
        name = model._meta.model_name
        post_init.connect(_remember_household, sender=model, dispatch_uid=f"summaries.{name}.i")
        post_save.connect(_household_row_written, sender=model, dispatch_uid=f"summaries.{name}.s")
        post_delete.connect(
            _household_row_written, sender=model, dispatch_uid=f"summaries.{name}.d"
        )
    post_save.connect(_programme_written, sender=Programme, dispatch_uid="summaries.programme.s")
    # (A programme with applications cannot be deleted: they protect it.)
    villages_changed.connect(_villages_changed, dispatch_uid="summaries.villages_changed")
