"""The small town of the page tests (two villages, one user per role) and programmes."""

from decimal import Decimal

import pytest

from measures.models import Category, Kind, Programme, Target, Unit
from tests.households.conftest import client_for, town  # noqa: F401 (fixtures)


@pytest.fixture
def programmes(db):
    """Programmes of 2020 of each unit, as the administrator would set them up."""

    def make(name, **kwargs):
        defaults = {
            "year": 2020,
            "category": Category.OTHER,
            "target": Target.HOUSEHOLD,
            "unit": Unit.PER_HOUSEHOLD,
            "standard_amount": Decimal("0"),
        }
        return Programme.objects.create(name=name, **{**defaults, **kwargs})

    return {
        "insurance": make(
            "医保缴费补贴",
            category=Category.MEDICAL,
            kind=Kind.INSURANCE_SUBSIDY,
            target=Target.PERSON,
            unit=Unit.PER_PERSON,
            standard_amount=Decimal("145"),
        ),
        "dividend": make(
            "光伏收益",
            category=Category.INDUSTRY,
            kind=Kind.PHOTOVOLTAIC,
            standard_amount=Decimal("3000"),
            income_per_year=Decimal("3000"),
        ),
        "heating": make(
            "冬季取暖补贴",
            category=Category.CIVIL_RELIEF,
            unit=Unit.PER_PERSON,
            standard_amount=Decimal("200"),
        ),
        "student": make(
            "学生生活补助",
            category=Category.EDUCATION,
            kind=Kind.STUDENT_SUBSIDY,
            target=Target.PERSON,
            unit=Unit.PER_DAY,
            standard_amount=Decimal("7"),
            days=270,
        ),
        "relief": make(
            "临时救助", category=Category.CIVIL_RELIEF, kind=Kind.RELIEF, unit=Unit.LUMP_SUM
        ),
        "renovation": make(
            "危房改造", category=Category.HOUSING, kind=Kind.RENOVATION, unit=Unit.LUMP_SUM
        ),
        "ranger": make(
            "护林员",
            category=Category.EMPLOYMENT,
            kind=Kind.PUBLIC_WELFARE_POST,
            target=Target.PERSON,
            unit=Unit.PER_POST_YEAR,
            standard_amount=Decimal("10000"),
            income_per_year=Decimal("10000"),
        ),
    }
