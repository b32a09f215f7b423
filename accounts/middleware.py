"""Sends a user whose password is too old to the password change page."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.services import SESSION_KEY, password_expired, remember_in_session

#: URL names a user with an expired password may still open.
ALLOWED = {"password_change", "password_change_done", "logout", "login", "healthz"}


class PasswordExpiryMiddleware:
    """After ``PASSWORD_MAX_AGE_DAYS`` a user can do nothing but change the password.

    When the password was set is kept in the session (written at login), so a
    request costs no query; a session without it looks it up once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ALLOWED and not match.namespace:
            return None
        value = request.session.get(SESSION_KEY)
        if value is None:
            remember_in_session(request, user=user)
            value = request.session[SESSION_KEY]
        if password_expired(changed_at=datetime.fromisoformat(value), now=timezone.now()):
            return redirect(f"{reverse('password_change')}?expired=1")
        return None
