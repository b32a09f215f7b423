"""Writes and reads of a login's password age."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from accounts.models import PasswordState
from households.rules import mask_id_numbers

#: The session key holding when the password of the session's user was set
#: (ISO timestamp): the expiry check then costs no query per request.
SESSION_KEY = "_password_changed_at"


def password_record_change(*, user, at: datetime) -> PasswordState:
    """Record that ``user``'s password was set at ``at``."""
    state, _created = PasswordState.objects.update_or_create(user=user, defaults={"changed_at": at})
    return state


def password_changed_at(*, user) -> datetime:
    """When ``user``'s password was last set (the account's creation if never recorded)."""
    state = PasswordState.objects.filter(user=user).values_list("changed_at", flat=True).first()
    return state or user.date_joined


def password_expired(
    *, changed_at: datetime, now: datetime, max_age_days: int | None = None
) -> bool:
    """True if a password set at ``changed_at`` is older than the maximum age at ``now``.

    A maximum age of 0 (or less) switches the expiry off.
    """
    days = settings.PASSWORD_MAX_AGE_DAYS if max_age_days is None else max_age_days
    if days <= 0:
        return False
    return now - changed_at > timedelta(days=days)


def remember_in_session(request, *, user) -> None:
    """Keep when ``user``'s password was set in the session (at login, after a change)."""
    request.session[SESSION_KEY] = password_changed_at(user=user).isoformat()


def login_username(username: str) -> str:
    """The name a login attempt is kept under (django-axes' ``AXES_USERNAME_CALLABLE``).

    What was typed, with any ID number masked: someone who types their ID
    number as the user name must not leave it in the login records.
    """
    return mask_id_numbers(str(username or ""))[:150]


def axes_username(request, credentials) -> str:
    if credentials:
        return login_username(credentials.get("username") or "")
    return login_username(getattr(request, "POST", {}).get("username") or "")
