"""Number the existing villages in their town's order: the order they were
entered in (the seed's order, the order a town's ledger lists them)."""

from django.db import migrations


def number_villages(apps, schema_editor):
    Village = apps.get_model("households", "Village")
    counters = {}
    for village in Village.objects.order_by("town_id", "pk"):
        counters[village.town_id] = counters.get(village.town_id, 0) + 1
        if village.number == 0:
            village.number = counters[village.town_id]
            village.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("households", "0006_village_number_and_corrections")]

    operations = [migrations.RunPython(number_villages, migrations.RunPython.noop)]
