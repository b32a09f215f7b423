"""Where each role lands after login: on its work, not on a generic page.

One function, so the home page, the login redirect and the tests agree.
A user holding several roles lands on the first of ``LANDING_ORDER``: the
role that sees the most (a town administrator who is also a reviewer goes
to the town overview).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from households import roles


def _census_villages(user):
    from census.selectors import census_villages

    return list(census_villages(user).order_by("pk")[:2])


def _list_of_village(user) -> str:
    from households.scope import villages_visible_to

    villages = list(villages_visible_to(user).distinct().order_by("pk")[:2])
    url = reverse("households:list")
    if len(villages) == 1:
        return f"{url}?{urlencode({'village': villages[0].pk})}"
    return url


def _enumerator(user) -> str | None:
    villages = _census_villages(user)
    if len(villages) == 1:
        return reverse("census:village", args=[villages[0].pk])
    if villages:
        return reverse("census:progress")
    return None


def _helper(user) -> str | None:
    from measures.selectors import responsible_person_of

    if responsible_person_of(user) is not None:
        return reverse("measures:my_households")
    return None


def _cadre(user) -> str | None:
    from households.scope import households_visible_to, villages_visible_to

    if villages_visible_to(user).exists() or households_visible_to(user).exists():
        return _list_of_village(user)
    return None


def _staff(user) -> str | None:
    return reverse("admin:index") if user.is_staff else None


#: (role, where it lands, or None when the account has no scope for it yet).
LANDING_ORDER = (
    (roles.TOWN_ADMIN, lambda user: reverse("households:overview")),
    (roles.LEADER, lambda user: reverse("households:overview")),
    (roles.REVIEWER, lambda user: reverse("census:queue")),
    (roles.ENUMERATOR, _enumerator),
    (roles.CADRE, _cadre),
    (roles.RESPONSIBLE, _helper),
    (roles.SYSTEM_ADMIN, _staff),
    (roles.SECURITY_ADMIN, _staff),
    (roles.AUDIT_ADMIN, lambda user: reverse("audit:list")),
)


def landing_url(user) -> str | None:
    """The page ``user`` works on first; None for an account without scope
    (it is told so, and whom to ask)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.is_superuser:
        return reverse("households:overview")
    names = set(user.groups.values_list("name", flat=True))
    for role, where in LANDING_ORDER:
        if role in names:
            url = where(user)
            if url:
                return url
    # No role of this file, or roles without scope: a user given permissions
    # one by one still reaches the registry they may read.
    return _cadre(user) if user.has_perm("households.view_household") else None
