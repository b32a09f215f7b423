"""A small town for the page tests: two villages, one household each, and one
user per role (the demo logins)."""

from datetime import date
from decimal import Decimal

import pytest

from demo.build import ensure_demo_users
from households.choices import HousingGrade
from measures.models import Assignment, ResponsiblePerson
from tests.factories import (
    GroupFactory,
    GuaranteeFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    PolicyYearFactory,
    StatusFactory,
    VillageFactory,
    id_number,
)

PASSWORD = "test-Password-2020"
ON = date(2020, 5, 31)


def make_household(village, head_name, *, wage="7000"):
    """Two adults, not lifted, a safe house; ``wage`` is the whole net income."""
    household = HouseholdFactory(village=village, group=GroupFactory(village=village))
    StatusFactory(household=household)
    MemberFactory(household=household, name=head_name, id_number=id_number(date(1970, 5, 1)))
    MemberFactory(
        household=household,
        name=f"{head_name}妻",
        relation="spouse",
        id_number=id_number(date(1972, 6, 1), male=False),
    )
    IncomeFactory(household=household, wage_income=Decimal(wage))
    GuaranteeFactory(household=household, housing_grade=HousingGrade.B)
    return household


@pytest.fixture
def town(db, settings):
    settings.DEFAULT_AS_OF = ON
    PolicyYearFactory(year=2020, poverty_line=Decimal("4000"))
    own = VillageFactory(name="学田地村")
    other = VillageFactory(name="点力村", town=own.town)
    household = make_household(own, "赵永福")
    other_household = make_household(other, "钱德旺")
    person = ResponsiblePerson.objects.create(name="孙帮扶", position="干部")
    Assignment.objects.create(household=household, person=person, started_on=date(2020, 1, 1))
    ensure_demo_users(password=PASSWORD)
    return {"household": household, "other_household": other_household}


@pytest.fixture
def client_for(client, django_user_model):
    """A test client logged in as one of the demo users (or anonymous for None)."""

    def make(username):
        from django.test import Client

        new = Client()
        if username:
            new.force_login(django_user_model.objects.get(username=username))
        return new

    return make
