"""Nobody changes or deletes an audit entry: not the model, not its queryset,
not the admin (superusers included), not SQL on PostgreSQL — only the purge
of entries past the retention period."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry, AuditImmutableError
from audit.services import audit_purge, audit_record, purge_limit, retention_days

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry(db):
    return audit_record(action=AuditAction.EXPORT, username="someone", object_label="原样")


def test_saving_an_existing_entry_is_refused(entry):
    entry.object_label = "改过"
    with pytest.raises(AuditImmutableError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "原样"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="改过")
    with pytest.raises(AuditImmutableError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["object_label"])
    assert AuditEntry.objects.filter(pk=entry.pk, object_label="原样").exists()


def test_the_admin_offers_no_add_change_or_delete_even_to_a_superuser(admin_client, entry):
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert admin_client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert admin_client.post(change, {"object_label": "改过"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = admin_client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEntry.objects.filter(pk=entry.pk, object_label="原样").exists()


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET object_label = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_postgresql_rejects_update_and_delete_in_sql(entry, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, object_label="原样").exists()


@on_postgresql
def test_postgresql_purge_switch_allows_delete_but_never_update(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL audit.allow_purge = 'on'")
        cursor.execute("UPDATE audit_auditentry SET object_label = 'x' WHERE id = %s", [entry.pk])
    # The switch is local to its transaction: gone afterwards.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


# --------------------------------------------------------------------------
# Purge
# --------------------------------------------------------------------------


def old_entry(days):
    return AuditEntry.objects.create(
        action=AuditAction.LOGIN, username=f"old{days}", at=timezone.now() - timedelta(days=days)
    )


def test_retention_is_at_least_180_days_whatever_the_setting(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    assert retention_days() == 180
    settings.AUDIT_RETENTION_DAYS = 400
    assert retention_days() == 400


def test_purge_refuses_a_date_younger_than_the_retention(db):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="至少保留180天"):
        audit_purge(before=today - timedelta(days=179))
    with pytest.raises(CommandError, match="kept 180 days"):
        call_command("audit_purge", "--before", (today - timedelta(days=100)).isoformat())
    with pytest.raises(CommandError, match="must be a date"):
        call_command("audit_purge", "--before", "yesterday")


def test_purge_deletes_only_older_entries_and_records_itself(db, capsys):
    old, kept = old_entry(400), old_entry(170)
    before = purge_limit()
    assert before == timezone.localdate() - timedelta(days=180)

    call_command("audit_purge", "--before", before.isoformat(), "--dry-run")
    assert "1 audit entries" in capsys.readouterr().out
    assert AuditEntry.objects.filter(pk=old.pk).exists()

    call_command("audit_purge", "--before", before.isoformat())

    assert "Deleted 1 audit entries" in capsys.readouterr().out
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=kept.pk).exists()
    purge = AuditEntry.objects.get(action=AuditAction.PURGE)
    assert purge.count == 1
    assert purge.detail == {"before": before.isoformat(), "retention_days": 180}


def test_purge_counts_whole_days(db):
    assert audit_purge(before=date(2000, 1, 1)) == 0
