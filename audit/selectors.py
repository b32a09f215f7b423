"""Reads of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from audit.models import AuditEntry


def audit_entries() -> QuerySet[AuditEntry]:
    """Every entry, newest first (the audit administrator sees the whole trail)."""
    return AuditEntry.objects.order_by("-at", "-id")


def audit_object_types() -> list[str]:
    """The object types the trail mentions, for the filter's choices."""
    return list(
        AuditEntry.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


def audit_rows(queryset: QuerySet[AuditEntry]) -> Iterator[list]:
    """The rows of an export: one list of cells per entry, in the export's column order."""
    for entry in queryset.iterator(chunk_size=2000):
        yield [
            entry.at,
            entry.username,
            entry.ip_address or "",
            entry.get_action_display(),
            entry.object_type,
            entry.object_id,
            entry.object_label,
            entry.count,
            entry.detail,
        ]
