"""A household's monitoring timeline (its page's 防返贫监测 section).

The cases are read as the worklists read them (``monitoring.selectors.as_of``
and ``with_clock``): the state on the page's date, the deadline of the stage
it is in and the working days left, so the household page, the case page and
the worklists never tell a cadre different days.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch

from monitoring.models import CaseStep, MonitoringCase
from monitoring.selectors import as_of, with_clock

VIEW = "monitoring.view_monitoringcase"


def household_timeline(*, household, user, on: date) -> list | None:
    """The cases of ``household`` taken in by ``on``, newest first, each with its
    risks, its steps dated on or before ``on`` (``steps_on``: date, kind, actor,
    note) and its clock; ``None`` for a user who may not read monitoring.

    Three queries (one when the household has no case); the cases go through
    the user's scope (``MonitoringCase.objects.visible_to``) whatever page asks.
    """
    if not user.has_perm(VIEW):
        return None
    steps = CaseStep.objects.filter(on__lte=on).select_related("actor").order_by("on", "id")
    cases = (
        as_of(MonitoringCase.objects.visible_to(user).filter(household=household), on=on)
        .select_related("responsible", "reported_by")
        .prefetch_related("risks", Prefetch("steps", queryset=steps, to_attr="steps_on"))
        .order_by("-intake_on", "-pk")
    )
    return with_clock(cases, on=on)
