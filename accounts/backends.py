"""A cap on wrong passwords per account across every address.

django-axes locks an account at one address after ``AXES_FAILURE_LIMIT``
failures (``AXES_LOCKOUT_PARAMETERS``: username *and* address), so that a
colleague's typos in a shared office lock out no one else. Alone that lets a
guesser who changes address (many machines, or a forged ``X-Forwarded-For``
where the proxy is bypassed) guess for ever. This backend, after axes' and
before Django's own, counts the account's failures from *every* address in
the last ``AXES_COOLOFF_TIME``:

* beyond ``AXES_FAILURE_LIMIT`` each further attempt waits a little longer
  (``LOGIN_SLOWDOWN_SECONDS`` per failure, at most ``LOGIN_SLOWDOWN_MAX_SECONDS``);
* at ``AXES_USERNAME_FAILURE_LIMIT`` the account is locked everywhere until the
  oldest of those failures is older than the cool-off (the lockout page, 429).
"""

from __future__ import annotations

import time

from axes.models import AccessFailureLog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.services import login_username


def username_failures(username: str) -> int:
    """Failed logins of ``username`` from any address within the cool-off period."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()


def slowdown_seconds(failures: int) -> float:
    """How long an attempt waits after ``failures`` failures of its account."""
    beyond = failures - settings.AXES_FAILURE_LIMIT
    if beyond < 0:
        return 0.0
    return min((beyond + 1) * settings.LOGIN_SLOWDOWN_SECONDS, settings.LOGIN_SLOWDOWN_MAX_SECONDS)


class UsernameFailureCapBackend:
    """Authenticates no one: refuses an account with too many failures, slows the rest."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return None
        failures = username_failures(login_username(username))
        if failures >= settings.AXES_USERNAME_FAILURE_LIMIT:
            # The lockout page (axes' middleware), and login_failed as for any refusal.
            request.axes_locked_out = True
            request.username_capped = True
            raise PermissionDenied
        delay = slowdown_seconds(failures)
        if delay:
            time.sleep(delay)
        return None

    # No get_user: the backend logs no one in, so a session never names it
    # (Django's force_login and login take the first backend that has one).
