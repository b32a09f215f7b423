"""The request being served, for the audit entries written while it runs.

A context variable, not a thread-local: it is right under threads (gunicorn
workers, the test live server) and under asyncio alike, and it is empty
outside a request (the ledger worker, management commands).
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from django.conf import settings

_request: ContextVar = ContextVar("audit_request", default=None)


def current_request():
    """The request being served, or None (worker, command, shell)."""
    return _request.get()


def set_request(request):
    return _request.set(request)


def reset_request(token) -> None:
    _request.reset(token)


def client_ip(request) -> str | None:
    """The client's address: the proxy's last X-Forwarded-For hop behind a
    proxy (``BEHIND_PROXY``), else the peer address.

    The last hop is the one our own proxy wrote; any earlier ones came from
    the client and prove nothing. Also django-axes' ``AXES_CLIENT_IP_CALLABLE``.
    """
    if request is None:
        return None
    meta = request.META
    address = meta.get("REMOTE_ADDR") or None
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if forwarded:
            address = forwarded[-1]
    return _valid(address)


def _valid(address: str | None) -> str | None:
    """The address if it is one (it is stored in an IP address column), else None."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
