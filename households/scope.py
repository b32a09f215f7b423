"""Which part of the registry a user may see: the one answer for every way in.

Pages, exports, imports and the Django admin ask here. What a user may *do*
comes from their roles (``households.roles``); what they may *see* is:

* the whole registry with ``households.view_all_households`` (town
  administrator, leader, reviewer) — and for a superuser;
* otherwise the villages of their profile (``UserProfile.villages``) and the
  households they are the assistance responsible person of.

A user who may not read households at all (the three system administrators)
sees nothing, whatever their profile says.
"""

from __future__ import annotations

from households.models import Household, Village, _scope_of

VIEW_ALL = "households.view_all_households"
VIEW_HOUSEHOLD = "households.view_household"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def reads_registry(user) -> bool:
    """Whether ``user`` may read registry data at all (a role with household view)."""
    return _active(user) and user.has_perm(VIEW_HOUSEHOLD)


def sees_whole_registry(user) -> bool:
    """Whether ``user`` sees every village."""
    return reads_registry(user) and user.has_perm(VIEW_ALL)


def households_visible_to(user):
    """The households ``user`` may see (none for a user who may not read them)."""
    if not reads_registry(user):
        return Household.objects.none()
    return Household.objects.visible_to(user)


def villages_visible_to(user):
    """The villages ``user`` may see: every one, or those of their profile and
    of the households assigned to them."""
    if not reads_registry(user):
        return Village.objects.none()
    if user.has_perm(VIEW_ALL):
        return Village.objects.all()
    village_ids, household_ids = _scope_of(user)
    assigned = Household.objects.filter(pk__in=household_ids).values("village_id")
    return Village.objects.filter(pk__in=village_ids) | Village.objects.filter(pk__in=assigned)
