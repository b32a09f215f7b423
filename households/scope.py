"""Which part of the registry a user may see: the one answer for every way in.

Pages, exports, imports, the Django admin, census, rectification, measures
and reports ask here; no other module tests the permission that opens the
whole registry (``households.roles`` grants it to the roles). What a user may
*do* comes from their roles; what they may *see* is:

* with :data:`VIEW_ALL` (county administrator and leader; town
  administrator, leader, reviewer): every village of the towns their profile
  names (``UserProfile.towns``) and of every town of the counties it names
  (``UserProfile.counties``) — "the whole registry" of their level, which
  :func:`sees_whole_registry` answers;
* a superuser: every village there is (:func:`sees_every_town`);
* otherwise the villages of their profile (``UserProfile.villages``: their
  *own* villages) and the households they are the assistance responsible
  person of (and so those households' villages).

A user who may not read households at all (the three system administrators)
sees nothing, whatever their profile says.

A caller never leaves a queryset unfiltered because the user "sees the whole
registry": the town-wide and county-wide roles see their towns only, so every
queryset goes through :func:`filter_visible` (or is built from
:func:`villages_visible_to`), which filters for everyone but a superuser.
"""

from __future__ import annotations

from django.db.models import Q, Value

from households.models import County, Household, Town, UserProfile, Village, towns_of_profile

VIEW_ALL = "households.view_all_households"
VIEW_HOUSEHOLD = "households.view_household"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def reads_registry(user) -> bool:
    """Whether ``user`` may read registry data at all (a role with household view)."""
    return _active(user) and user.has_perm(VIEW_HOUSEHOLD)


def sees_whole_registry(user) -> bool:
    """Whether ``user`` sees every village of their towns (a town- or county-wide
    role), rather than some villages. Not a licence to skip the filter: see
    :func:`sees_every_town`."""
    return reads_registry(user) and user.has_perm(VIEW_ALL)


def sees_every_town(user) -> bool:
    """Whether ``user`` sees every village of every town (a superuser): the one
    case counted with no filter at all."""
    return reads_registry(user) and user.is_superuser


def towns_visible_to(user):
    """The towns ``user`` sees all or part of."""
    if not reads_registry(user):
        return Town.objects.none()
    if sees_every_town(user):
        return Town.objects.all()
    if sees_whole_registry(user):
        return Town.objects.filter(pk__in=towns_of_profile(user))
    return Town.objects.filter(pk__in=villages_visible_to(user).values("town_id"))


def counties_visible_to(user):
    """The counties ``user`` sees all or part of."""
    return County.objects.filter(pk__in=towns_visible_to(user).values("county_id"))


def _scope_of(user) -> tuple[list[int], list[int]]:
    """The ids of ``user``'s profile villages and of the households assigned to them.

    One query, read once per user object (a request's user lives as long as
    the request).
    """
    cached = getattr(user, "_household_scope", None)
    if cached is not None:
        return cached
    through = UserProfile.villages.through
    assignment = Household.assignments.rel.related_model
    villages = (
        through.objects.filter(userprofile__user=user)
        .annotate(kind=Value(0))
        .values_list("kind", "village_id")
        .order_by()
    )
    assigned = (
        assignment.objects.filter(person__user=user, ended_on__isnull=True)
        .annotate(kind=Value(1))
        .values_list("kind", "household_id")
        .order_by()
    )
    village_ids, household_ids = [], []
    for kind, pk in villages.union(assigned, all=True):
        (household_ids if kind else village_ids).append(pk)
    user._household_scope = (village_ids, household_ids)
    return village_ids, household_ids


# --------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------


def filter_visible(queryset, user, *, via: str = ""):
    """``queryset`` narrowed to the rows ``user`` may see.

    ``via``: the lookup from the queryset's model to its household
    (``"household"`` for a measure; empty for a ``Household`` queryset, which
    keeps its annotations and ordering).
    """
    if not reads_registry(user):
        return queryset.none()
    if sees_every_town(user):
        return queryset
    if sees_whole_registry(user):
        path = f"{via}__village__town_id__in" if via else "village__town_id__in"
        return queryset.filter(**{path: towns_of_profile(user)})
    if via:
        return queryset.filter(**{f"{via}__in": households_visible_to(user).values("pk")})
    # The user's villages and assigned households are read first (one small
    # query), so that the households are then found through the indexes on
    # village and id, not by joining every household of the registry to the
    # profiles and the assignments.
    village_ids, household_ids = _scope_of(user)
    return queryset.filter(Q(village_id__in=village_ids) | Q(pk__in=household_ids))


def households_visible_to(user):
    """The households ``user`` may see (none for a user who may not read them)."""
    return filter_visible(Household.objects.all(), user)


# --------------------------------------------------------------------------
# Villages
# --------------------------------------------------------------------------


def villages_visible_to(user):
    """The villages ``user`` may see: every one of their towns (every one there
    is for a superuser), or those of their profile and of the households
    assigned to them."""
    if not reads_registry(user):
        return Village.objects.none()
    if sees_every_town(user):
        return Village.objects.all()
    if sees_whole_registry(user):
        return Village.objects.filter(town_id__in=towns_of_profile(user))
    village_ids, household_ids = _scope_of(user)
    assigned = Household.objects.filter(pk__in=household_ids).values("village_id")
    return Village.objects.filter(pk__in=village_ids) | Village.objects.filter(pk__in=assigned)


def profile_villages(user):
    """The villages of ``user``'s profile (a cadre's or an enumerator's villages),
    whatever else they may see."""
    return Village.objects.filter(user_profiles__user=user)


def own_villages(user):
    """The villages ``user`` works for: every one with the whole registry, else
    those of their profile — not a village they reach only through a household
    assigned to them (census work, rectification and ledger imports are a
    village's, not a responsible person's)."""
    if sees_whole_registry(user):
        return villages_visible_to(user)
    return profile_villages(user)


def in_profile_villages_q(user, *, via: str = "village") -> Q:
    """Rows whose village (lookup ``via``) is one of ``user``'s profile villages."""
    return Q(**{f"{via}__user_profiles__user": user})


def households_of_own_villages(user):
    """The households ``user`` sees in their own villages (:func:`own_villages`):
    a household they see only as its responsible person is not among them."""
    households = households_visible_to(user)
    if sees_whole_registry(user):
        return households
    return households.filter(village__in=profile_villages(user).values("pk"))


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


class _SeesWholeRegistry:
    """True in a template if the user sees every village; asked only when used."""

    def __init__(self, user):
        self.user = user

    def __bool__(self) -> bool:
        return sees_whole_registry(self.user)


def context(request) -> dict:
    """Context processor: ``sees_whole_registry`` for the menus of every page."""
    return {"sees_whole_registry": _SeesWholeRegistry(getattr(request, "user", None))}
