"""The existing policy parameters become their provinces' (data only).

Until now one row per year served every household. Each row now belongs to a
province and a household reads its county's province's row, so the existing
rows are given to the provinces of the existing counties (``County.province``)
such that no household's parameters change:

* one province among the counties (the demo town's and any single county's
  case): every row is that province's;
* several provinces: every row is kept for the first province (by name) and
  copied for each other one, with the same figures, which every one of them
  used until now; an administrator then corrects the figures that differ;
* no county names its province (or there is no county): a household of such
  a county reads the rows of the province "" — the rows keep that empty
  province, so nothing changes either, and the admin lists them with an
  empty province until an administrator fills it in (a county with an empty
  province beside named ones gets its copy the same way).

Going back keeps one row per year (the first province's), as before.
"""

from django.db import migrations


def rows_to_provinces(apps, schema_editor):
    County = apps.get_model("households", "County")
    PolicyYear = apps.get_model("households", "PolicyYear")
    provinces = sorted(set(County.objects.values_list("province", flat=True)))
    if not provinces or not PolicyYear.objects.exists():
        return
    first, *others = provinces
    rows = list(PolicyYear.objects.order_by("year"))
    PolicyYear.objects.update(province_name=first)
    PolicyYear.objects.bulk_create(
        PolicyYear(
            province_name=province,
            year=row.year,
            poverty_line=row.poverty_line,
            monitoring_line=row.monitoring_line,
            village_exit_threshold=row.village_exit_threshold,
            notes=row.notes,
        )
        for province in others
        for row in rows
    )


def one_row_per_year(apps, schema_editor):
    PolicyYear = apps.get_model("households", "PolicyYear")
    kept: set[int] = set()
    for row in PolicyYear.objects.order_by("year", "province_name", "pk"):
        if row.year in kept:
            row.delete()
        else:
            kept.add(row.year)


class Migration(migrations.Migration):
    dependencies = [("households", "0010_policy_year_per_province")]

    operations = [migrations.RunPython(rows_to_provinces, one_row_per_year)]
