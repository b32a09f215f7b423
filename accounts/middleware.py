"""Per-request rules: password age, idle sessions, registry readers only, private pages."""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from accounts.services import SESSION_KEY, password_expired, remember_in_session
from households.scope import reads_registry

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


#: The session key holding when the session's expiry was last moved (epoch seconds).
TOUCHED_KEY = "_touched"


class SessionIdleMiddleware:
    """Idle sessions end SESSION_COOKIE_AGE after the last request, without a write per request.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs an
    UPDATE and a commit on every page. Instead the expiry is moved forward
    when it was last moved at least SESSION_TOUCH_SECONDS ago, so an idle
    session ends between SESSION_COOKIE_AGE − SESSION_TOUCH_SECONDS and
    SESSION_COOKIE_AGE after its last request (29 to 30 minutes by default).
    Goes right after SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # Only a logged-in session: an anonymous visitor gets no session row.
        if session is not None and AUTH_SESSION_KEY in session:
            now = int(time.time())
            touched = session.get(TOUCHED_KEY)
            if not isinstance(touched, int) or now - touched >= settings.SESSION_TOUCH_SECONDS:
                session[TOUCHED_KEY] = now
        return self.get_response(request)


#: The URL namespaces of the registry's pages (households, measures,
#: rectification, census, reports, the ledgers and monitoring).
REGISTRY_NAMESPACES = frozenset(
    {"households", "ledger", "measures", "rectification", "census", "reports", "monitoring"}
)
ERROR_NOT_A_REGISTRY_USER = _(
    "您的账号是系统管理员、安全管理员或审计管理员,按三员分立不能查看扶贫业务数据"
)


class RegistryReadersOnlyMiddleware:
    """Every registry page refuses (403) a user with no role that reads households.

    The one door for all of them, so that a page added later is closed to the
    system, security and audit administrators too (separation of duties): they
    get a clear refusal, not an empty list of a registry they may not read.
    Which households a reader sees is the pages' own scope (404 outside it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not (set(match.namespaces) & REGISTRY_NAMESPACES):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # LoginRequiredMiddleware sends them to the login page
        if not reads_registry(user):
            raise PermissionDenied(ERROR_NOT_A_REGISTRY_USER)
        return None


#: Browser features no page of the system uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "usb=(), xr-spatial-tracking=()"
)


class PrivateResponseMiddleware:
    """No page is kept by a browser or a proxy, and no page may use the camera & co.

    Every response the application writes (static files are served before
    this, by WhiteNoise, with their own long-lived caching) holds personal data
    or may: ``Cache-Control: no-store, private`` so that a shared office
    computer's cache, the back button after logout or a proxy keep nothing,
    the reveal of an ID number included. ``Permissions-Policy`` refuses the
    browser features the system never needs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(
            response, no_cache=True, no_store=True, must_revalidate=True, private=True
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
