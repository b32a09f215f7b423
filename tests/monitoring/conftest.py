"""Fixtures of the monitoring tests: the small town of the page tests (two
villages, one user per role), with monitoring lines for two provinces."""

from datetime import date
from decimal import Decimal

import pytest

from households.models import County, Town
from monitoring.models import MonitoringLine
from tests.factories import TownFactory
from tests.households.conftest import client_for, town  # noqa: F401 (fixtures)

PROVINCE = "内蒙古自治区"
OTHER_PROVINCE = "河北省"


def town_in(province: str, name: str) -> Town:
    """A town of a county of ``province`` (where ``monitoring.selectors.PROVINCE_PATH``
    reads it)."""
    county, _ = County.objects.get_or_create(
        name=f"{province}的旗县", defaults={"province": province}
    )
    return TownFactory(name=name, county=county)


def set_province(province: str) -> None:
    """Every county (and so every town) of the test in ``province``."""
    County.objects.update(province=province)


def make_line(province=PROVINCE, year=2024, line="7500", **fields):
    values = {
        "province_code": "150000000000" if province == PROVINCE else "130000000000",
        "province_name": province,
        "year": year,
        "line": Decimal(line),
        "medical_cost_share": Decimal("50"),
        "rigid_cost_share": Decimal("60"),
        "income_drop_share": Decimal("50"),
        **fields,
    }
    return MonitoringLine.objects.create(**values)


@pytest.fixture
def lines(db):
    """2024 lines: Inner Mongolia 7,500 yuan, Hebei 8,800 (a province whose line differs)."""
    return {
        PROVINCE: make_line(PROVINCE, line="7500"),
        OTHER_PROVINCE: make_line(OTHER_PROVINCE, line="8800", stable_months=12),
    }


ON = date(2024, 6, 28)
