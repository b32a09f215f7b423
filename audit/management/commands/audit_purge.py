"""Delete audit entries older than a date, never younger than the retention period."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEntry
from audit.services import audit_purge, purge_limit, retention_days


class Command(BaseCommand):
    help = (
        "Delete the audit entries older than --before (YYYY-MM-DD). Refused if that would "
        "delete entries younger than AUDIT_RETENTION_DAYS (at least 180 days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="delete entries before this date")
        parser.add_argument(
            "--dry-run", action="store_true", help="only say how many entries would go"
        )

    def handle(self, *args, before, dry_run=False, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"--before must be a date (YYYY-MM-DD), not {before!r}") from None
        limit = purge_limit()
        if day > limit:
            raise CommandError(
                f"audit entries are kept {retention_days()} days: --before must be "
                f"{limit.isoformat()} or earlier, not {day.isoformat()}"
            )
        if dry_run:
            from datetime import datetime, time

            from django.utils import timezone

            cutoff = timezone.make_aware(datetime.combine(day, time.min))
            count = AuditEntry.objects.filter(at__lt=cutoff).count()
            self.stdout.write(f"{count} audit entries before {day.isoformat()} would be deleted.")
            return
        try:
            deleted = audit_purge(before=day)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Deleted {deleted} audit entries before {day.isoformat()}.")
