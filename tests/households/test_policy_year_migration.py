"""The data migration that gives the existing policy parameters to the
provinces of the existing counties (households/migrations/0011): no
household's parameters change, whatever the counties say."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("households", "0010_policy_year_per_province")]
AFTER = [("households", "0011_policy_years_to_provinces")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before(transactional_db):
    """The schema with the province column, before the data migration; the
    latest schema again afterwards."""
    yield migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def seed(apps, provinces):
    County = apps.get_model("households", "County")
    PolicyYear = apps.get_model("households", "PolicyYear")
    for i, province in enumerate(provinces):
        County.objects.create(name=f"旗县{i}", code=f"15092{i}000000", province=province)
    PolicyYear.objects.create(province_name="", year=2019, poverty_line=Decimal("3747"))
    PolicyYear.objects.create(
        province_name="",
        year=2020,
        poverty_line=Decimal("4000"),
        village_exit_threshold=Decimal("3.00"),
        notes="全区统一",
    )


def rows():
    from households.models import PolicyYear

    return sorted(PolicyYear.objects.values_list("province_name", "year", "poverty_line", "notes"))


def test_one_province_gets_every_row(before):
    seed(before, ["内蒙古自治区", "内蒙古自治区"])
    migrate(AFTER)
    assert rows() == [
        ("内蒙古自治区", 2019, Decimal("3747.00"), ""),
        ("内蒙古自治区", 2020, Decimal("4000.00"), "全区统一"),
    ]


def test_several_provinces_each_get_the_rows_they_used(before):
    seed(before, ["内蒙古自治区", "河北省"])
    migrate(AFTER)
    assert rows() == [
        ("内蒙古自治区", 2019, Decimal("3747.00"), ""),
        ("内蒙古自治区", 2020, Decimal("4000.00"), "全区统一"),
        ("河北省", 2019, Decimal("3747.00"), ""),
        ("河北省", 2020, Decimal("4000.00"), "全区统一"),
    ]


def test_counties_without_a_province_keep_reading_the_rows(before):
    # A county whose province is not filled in reads the province "": the
    # rows stay there (beside a copy for the named province).
    seed(before, ["", "河北省"])
    migrate(AFTER)
    assert [(p, y) for p, y, _line, _notes in rows()] == [
        ("", 2019),
        ("", 2020),
        ("河北省", 2019),
        ("河北省", 2020),
    ]


def test_no_county_leaves_the_rows_as_they_are(before):
    seed(before, [])
    migrate(AFTER)
    assert [(p, y) for p, y, _line, _notes in rows()] == [("", 2019), ("", 2020)]
