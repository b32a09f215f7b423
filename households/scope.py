"""Which part of the registry a user may see: the one answer for every way in.

Pages, exports, imports and the Django admin ask here. What a user may *do*
comes from their roles (``households.roles``); what they may *see* is:

* with ``households.view_all_households`` (county administrator and leader,
  town administrator, leader, reviewer): every village of the towns their
  profile names (``UserProfile.towns``) and of every town of the counties it
  names (``UserProfile.counties``) — the whole registry for a superuser;
* otherwise the villages of their profile (``UserProfile.villages``) and the
  households they are the assistance responsible person of.

A user who may not read households at all (the three system administrators)
sees nothing, whatever their profile says.
"""

from __future__ import annotations

from households.models import County, Household, Town, Village, _scope_of, towns_of_profile

VIEW_ALL = "households.view_all_households"
VIEW_HOUSEHOLD = "households.view_household"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def reads_registry(user) -> bool:
    """Whether ``user`` may read registry data at all (a role with household view)."""
    return _active(user) and user.has_perm(VIEW_HOUSEHOLD)


def sees_whole_registry(user) -> bool:
    """Whether ``user`` sees every village of the towns in their scope (a town-
    or county-wide role), rather than some villages."""
    return reads_registry(user) and user.has_perm(VIEW_ALL)


def sees_every_town(user) -> bool:
    """Whether ``user`` sees the whole system, every town of every county (a superuser)."""
    return _active(user) and user.is_superuser


def towns_visible_to(user):
    """The towns ``user`` sees all or part of."""
    if not reads_registry(user):
        return Town.objects.none()
    if sees_every_town(user):
        return Town.objects.all()
    if user.has_perm(VIEW_ALL):
        return Town.objects.filter(pk__in=towns_of_profile(user))
    return Town.objects.filter(pk__in=villages_visible_to(user).values("town_id"))


def counties_visible_to(user):
    """The counties ``user`` sees all or part of."""
    return County.objects.filter(pk__in=towns_visible_to(user).values("county_id"))


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
    if sees_every_town(user):
        return Village.objects.all()
    if user.has_perm(VIEW_ALL):
        return Village.objects.filter(town_id__in=towns_of_profile(user))
    village_ids, household_ids = _scope_of(user)
    assigned = Household.objects.filter(pk__in=household_ids).values("village_id")
    return Village.objects.filter(pk__in=village_ids) | Village.objects.filter(pk__in=assigned)
