"""The submission time of checks submitted before it was kept: the start of
their check date (the queue then serves them first, by date)."""

import datetime

from django.db import migrations
from django.utils import timezone


def fill_submitted_at(apps, schema_editor):
    HouseholdCheck = apps.get_model("census", "HouseholdCheck")
    for check in HouseholdCheck.objects.filter(submitted_at__isnull=True, checked_on__isnull=False):
        check.submitted_at = timezone.make_aware(
            datetime.datetime.combine(check.checked_on, datetime.time.min)
        )
        check.save(update_fields=["submitted_at"])


class Migration(migrations.Migration):
    dependencies = [("census", "0003_check_submitted_at")]

    operations = [migrations.RunPython(fill_submitted_at, migrations.RunPython.noop)]
