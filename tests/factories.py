"""Factories for the tests: small, valid objects with pseudonymous people."""

from datetime import date
from decimal import Decimal

import factory

from households import rules
from households.choices import HouseholdAttribute, HousingGrade, PovertyCause, PovertyStatus
from households.models import (
    County,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    Town,
    Village,
    VillagerGroup,
)

_serial = iter(range(1, 10**6))

#: ID numbers of rows that outlive one test (the small town of a test module,
#: tests/households/conftest.py): ``id_number`` never hands them out again
#: while they are kept, however many numbers the module's tests draw.
KEPT_ID_NUMBERS: set[str] = set()


def id_number(birth: date = date(1980, 1, 1), *, male: bool = True) -> str:
    """A valid, never-issued-looking ID number (region 150927) unique in the test run."""
    while True:
        seq = (next(_serial) % 499) * 2 + (1 if male else 0)
        body = f"150927{birth:%Y%m%d}{seq:03d}"
        number = body + rules.id_check_digit(body)
        if number not in KEPT_ID_NUMBERS:
            return number


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    name = "察哈尔右翼中旗"
    code = "150927000000"
    province = "内蒙古自治区"


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("name",)

    county = factory.SubFactory(CountyFactory)
    name = "测试镇"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillagerGroup

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{n}组")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"1509270010{n:05d}")
    village = factory.SubFactory(VillageFactory)
    identified_year = 2019
    attribute = HouseholdAttribute.GENERAL
    main_cause = PovertyCause.LACK_FUNDS


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    id_number = factory.LazyFunction(id_number)
    relation = "head"
    joined_on = date(2019, 11, 15)


class StatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdStatusPeriod

    household = factory.SubFactory(HouseholdFactory)
    status = PovertyStatus.NOT_LIFTED
    valid_from = date(2019, 11, 15)
    reason = "识别为贫困户"


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdIncome

    household = factory.SubFactory(HouseholdFactory)
    year = 2020
    assessed_on = date(2020, 5, 31)
    wage_income = Decimal("0")


class GuaranteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuaranteeAssessment

    household = factory.SubFactory(HouseholdFactory)
    assessed_on = date(2020, 5, 15)
    food_ok = True
    clothing_ok = True
    housing_grade = HousingGrade.B
    water_ok = True


class PolicyYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyYear
        django_get_or_create = ("province_name", "year")

    #: The province of ``CountyFactory``'s county (its households read this row).
    province_name = "内蒙古自治区"

    year = 2020
    poverty_line = Decimal("4000")
