"""Build the demo town of ``fixtures/demo_town.json`` deterministically.

The report (mid-2020) gives town totals and the 15 households not yet lifted;
everything else is generated from a fixed random seed so that the totals
come out exactly as reported when they are *counted* from the rows: 1,347
households / 2,829 persons on 2020-05-31, the medical subsidy to the 2,651
persons still enjoying policies, 197 students by level, and so on. Nothing
here stores a total; ``tests/households/test_demo.py`` counts them.

Names are pseudonyms. Where the report gives no amount (renovation subsidies,
disability subsidies, loans), the amounts are illustrative.

Each app's rows are written by its own part of the builder (``registry``,
``measures``, ``rectification``, ``census``; ``base`` holds what they share:
the fixture, the one seeded generator, the plans, pseudonyms). This module
composes them: :meth:`DemoBuilder.build` is the one order of every draw and
every insert, so the town comes out the same, row for row, on every run.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.test.utils import override_settings
from simple_history.manager import HistoryManager

from census import snapshots as census_snapshots
from census.models import CensusStaff, GroupMember, WorkingGroup
from demo.base import DEMO_FIXTURE, load_fixture
from demo.census import CensusBuilder
from demo.measures import MeasuresBuilder
from demo.monitoring import MonitoringBuilder
from demo.rectification import RectificationBuilder
from demo.registry import RegistryBuilder
from demo.users import DEMO_USERS, ensure_demo_users
from households.models import (
    County,
    Household,
    NaturalVillage,
    PolicyYear,
    Town,
    Village,
    VillagePopulation,
    VillagerGroup,
)
from measures.models import (
    Assignment,
    CollectiveIncome,
    MeasureApplication,
    Programme,
    ProjectIncome,
    ResponsiblePerson,
    VillageProject,
)
from monitoring.models import (
    CaseStep,
    DepartmentWarning,
    MonitoringCase,
    MonitoringLine,
    RigidExpenditure,
)
from rectification.models import Evidence, InspectionRound, Problem
from summaries.build import rebuild as rebuild_summaries

#: The demo's whole interface (the package ``demo`` offers the same names).
__all__ = [
    "DEMO_FIXTURE",
    "DEMO_USERS",
    "build_demo_town",
    "demo_loaded",
    "ensure_demo_users",
    "load_fixture",
    "remove_demo_town",
]

DOMAIN_APPS = ("households", "measures", "rectification", "census", "monitoring")


def demo_loaded() -> bool:
    return Town.objects.filter(name=load_fixture()["town"]["name"]).exists()


def remove_demo_town() -> None:
    """Delete every row of the registry, measures, rectification, census and monitoring.

    The demo owns the whole database it is loaded into; the management
    command refuses this outside DEBUG.
    """
    # A demo reset wipes the history too: no deletion entries are written
    # for rows that only ever were demo data.
    with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
        for evidence in Evidence.objects.all():
            evidence.file.delete(save=False)
        for step in CaseStep.objects.exclude(evidence=""):
            step.evidence.delete(save=False)
        # Monitoring first: a case protects its household (its steps and risks
        # go with it); warnings name members.
        for model in (MonitoringCase, DepartmentWarning, RigidExpenditure, MonitoringLine):
            model.objects.all().delete()
        for model in (
            Problem,
            InspectionRound,
            MeasureApplication,
            Assignment,
            ResponsiblePerson,
            ProjectIncome,
            VillageProject,
            CollectiveIncome,
            Programme,
            GroupMember,
            CensusStaff,
        ):
            model.objects.all().delete()
        # Census checks cascade with households; working groups reference
        # their parent, so children go first.
        WorkingGroup.objects.filter(parent__isnull=False).delete()
        WorkingGroup.objects.all().delete()
        Household.objects.all().delete()
        for model in (
            VillagePopulation,
            NaturalVillage,
            VillagerGroup,
            Village,
            Town,
            County,
            PolicyYear,
        ):
            model.objects.all().delete()
        for model in apps.get_models():
            history = getattr(model, "history", None)
            if model._meta.app_label in DOMAIN_APPS and isinstance(history, HistoryManager):
                history.all().delete()


class DemoBuilder(
    RegistryBuilder, MeasuresBuilder, RectificationBuilder, CensusBuilder, MonitoringBuilder
):
    """The whole town: every part, called in the one order of draws and inserts."""

    def build(self):
        self.build_geography()
        self.build_programmes()
        self.plan_not_lifted()
        self.plan_registered()
        self.plan_removed()
        self.plan_members()
        self.assign_health()
        self.plan_housing()
        self.write_households()
        self.write_responsible_persons()
        self.write_incomes_and_guarantees()
        self.write_measures()
        self.write_village_projects()
        self.write_rectification()
        self.write_census()
        # After 2020, on its own generator: the town above is drawn as before.
        self.write_monitoring()


def build_demo_town(*, path: Path = DEMO_FIXTURE) -> None:
    """Build the demo town in one transaction. The caller checks it is not loaded yet."""
    with transaction.atomic():
        DemoBuilder(load_fixture(path)).build()
        # The demo is written in bulk: its villages' figures are counted once, at the end.
        rebuild_summaries()
        census_snapshots.rebuild()
