"""Writes of the audit trail.

:func:`audit_record` is the one way an entry is written: by the signal
receivers (logins, changes, permissions) and by the services that read or
write people's data in bulk (ID reveals, imports, exports, bulk measures).
No entry ever holds a full ID number: every text that goes in is passed
through :func:`redact` first.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.context import client_ip, current_request
from audit.models import AuditAction, AuditEntry
from households.rules import mask_id_numbers

#: The shortest retention the purge accepts, whatever the settings say.
MINIMUM_RETENTION_DAYS = 180

PURGE_ERROR_TOO_RECENT = _("审计记录至少保留{days}天:只能清理{limit}之前的记录,不能清理到{before}")


def redact(value):
    """``value`` with every ID number masked (strings, lists and dicts, recursively)."""
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [redact(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _label(obj) -> str:
    try:
        return str(obj)
    except Exception:  # a label is a courtesy: never fail the action for it
        return f"{obj._meta.label} #{obj.pk}"


def audit_record(
    *,
    action: str,
    user=None,
    username: str | None = None,
    obj=None,
    object_type: str = "",
    object_id: str | int | None = "",
    object_label: str = "",
    detail: dict | None = None,
    count: int = 1,
    request=None,
) -> AuditEntry:
    """Write one audit entry.

    ``user`` defaults to the user of the request being served (if any), the
    address to that request's client. ``obj`` (a model instance) fills the
    object's type, id and label unless they are given.
    """
    request = request if request is not None else current_request()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id not in ("", None) else obj.pk
        object_label = object_label or _label(obj)
    if username is None:
        username = user.get_username() if user is not None else ""
    return AuditEntry.objects.create(
        user=user,
        username=redact(username)[:150],
        ip_address=client_ip(request),
        action=action,
        object_type=object_type[:100],
        object_id=redact("" if object_id is None else str(object_id))[:64],
        object_label=redact(object_label)[:255],
        detail=redact(detail or {}),
        count=max(int(count), 0),
    )


def retention_days() -> int:
    return max(int(getattr(settings, "AUDIT_RETENTION_DAYS", 0)), MINIMUM_RETENTION_DAYS)


def purge_limit(*, today: date | None = None) -> date:
    """The latest ``before`` date a purge accepts today."""
    today = today or timezone.localdate()
    return today - timedelta(days=retention_days())


def audit_purge(*, before: date, user=None, today: date | None = None) -> int:
    """Delete the entries older than ``before`` (local midnight); returns how many.

    Refused (``ValidationError``) if ``before`` would delete entries younger
    than the retention period. The purge itself is recorded (an entry that
    is, of course, kept). On PostgreSQL the trigger that protects the table
    lets a DELETE through only in a transaction that set
    ``audit.allow_purge`` — which only this function does.
    """
    limit = purge_limit(today=today)
    if before > limit:
        raise ValidationError(
            PURGE_ERROR_TOO_RECENT.format(days=retention_days(), limit=limit, before=before),
            code="too_recent",
        )
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    column = connection.ops.quote_name(AuditEntry._meta.get_field("at").column)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL audit.allow_purge = 'on'")
            # Raw SQL: the model and its queryset refuse deletions.
            cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [cutoff])  # noqa: S608
            deleted = cursor.rowcount
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL audit.allow_purge = 'off'")
        audit_record(
            action=AuditAction.PURGE,
            user=user,
            object_type=AuditEntry._meta.label_lower,
            detail={"before": before.isoformat(), "retention_days": retention_days()},
            count=deleted,
        )
    return deleted
