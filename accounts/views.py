"""The home page (each role's landing), the password change pages, and the health check
of the site."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.landing import landing_url
from accounts.services import remember_in_session
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)


def home(request):
    """Each role lands on its work (``accounts.landing``); an account without
    any scope is told so, and whom to ask."""
    url = landing_url(request.user)
    if url:
        return redirect(url)
    return render(request, "households/no_scope.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (old password, new one twice, every rule checked).

    Saving it changes the session's authentication hash: every other session
    of the user ends, this one goes on.
    """

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        remember_in_session(self.request, user=form.user)
        audit_record(
            action=AuditAction.PASSWORD_CHANGE,
            user=form.user,
            obj=form.user,
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        return context


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view()


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (django-axes' ``AXES_LOCKOUT_CALLABLE``): 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "username_limit": settings.AXES_USERNAME_FAILURE_LIMIT,
            "everywhere": getattr(request, "username_capped", False),
            "cooloff_minutes": minutes,
        },
        status=429,
    )


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """For load balancers and monitoring: 200 if the database answers, else 503.

    No login, and nothing in it a stranger could use: no version, no counts.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
