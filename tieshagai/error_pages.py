"""The users' error pages (templates/404.html, 403.html, 500.html) also while
DEBUG is on.

With DEBUG off Django renders those templates itself. With DEBUG on (``make
run``, the demo) it shows its technical pages instead — English, with the
settings and the traceback — which is not what a town cadre must see in a
demonstration. :class:`UserErrorPagesMiddleware` renders the users' pages in
DEBUG too, unless ``USER_ERROR_PAGES`` is off: a developer who wants Django's
debug pages runs with ``USER_ERROR_PAGES=0``. Errors are still logged (the
``django.request`` logger, as Django does) and signalled.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404
from django.urls import Resolver404, resolve
from django.views import defaults

logger = logging.getLogger("django.request")


def user_error_pages_active() -> bool:
    return settings.DEBUG and getattr(settings, "USER_ERROR_PAGES", True)


class UserErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if user_error_pages_active():
            # An address that matches no URL raises before any view runs, and
            # so before process_exception: answer it here, as production does.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return defaults.page_not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not user_error_pages_active():
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        got_request_exception.send(sender=None, request=request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"status_code": 500, "request": request},
        )
        return defaults.server_error(request)
