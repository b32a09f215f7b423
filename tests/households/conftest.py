"""A small town for the page tests: two villages, one household each, and one
user per role (the demo logins)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test.utils import override_settings

from demo.build import ensure_demo_users
from households.choices import HousingGrade
from households.models import Member
from measures.models import Assignment, ResponsiblePerson
from tests.factories import (
    KEPT_ID_NUMBERS,
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


def _build_town():
    PolicyYearFactory(year=2020, poverty_line=Decimal("4000"))
    own = VillageFactory(name="学田地村")
    other = VillageFactory(name="点力村", town=own.town)
    household = make_household(own, "赵永福")
    other_household = make_household(other, "钱德旺")
    person = ResponsiblePerson.objects.create(name="孙帮扶", position="干部")
    Assignment.objects.create(household=household, person=person, started_on=date(2020, 1, 1))
    ensure_demo_users(password=PASSWORD)
    return {"household": household, "other_household": other_household}


def is_transactional(item) -> bool:
    """Whether a test commits (``transaction=True``, ``transactional_db``, ``live_server``)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


def uses_module_town(item) -> bool:
    """Whether a test gets the town of its module (``town`` below, not committing)."""
    fixture_info = getattr(item, "_fixtureinfo", None)
    definitions = fixture_info.name2fixturedefs.get("town") if fixture_info else None
    return bool(
        definitions and definitions[-1].func.__module__ == __name__ and not is_transactional(item)
    )


class _OpenTown:
    """The module's town while its transaction is open."""

    current: _OpenTown | None = None

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.kept: set[str] = set()
        with django_db_blocker.unblock():
            self.outer = transaction.atomic()
            # Marked as a test case's own atomic block: a durable atomic block
            # inside a test is still allowed, as it is under Django's TestCase.
            self.outer._from_testcase = True
            self.outer.__enter__()
            _OpenTown.current = self
            try:
                # As the per-test fixtures would have it: a fast password hasher.
                with override_settings(
                    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                    DEFAULT_AS_OF=ON,
                ):
                    self.rows = _build_town()
                self.kept = set(Member.objects.values_list("id_number", flat=True))
                KEPT_ID_NUMBERS.update(self.kept)
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Roll the town back (once)."""
        if _OpenTown.current is not self:
            return
        _OpenTown.current = None
        KEPT_ID_NUMBERS.difference_update(self.kept)
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.outer.__exit__(None, None, None)


def close_module_town() -> None:
    """Roll back the module's town now, before a test that commits (tests/conftest.py)."""
    if _OpenTown.current is not None:
        _OpenTown.current.close()


@pytest.fixture(scope="module")
def _module_town(django_db_setup, django_db_blocker):
    """The small town, written once per test module in a transaction that is
    rolled back when the module is done (as Django's ``setUpTestData``).

    Each test runs in a savepoint inside it (pytest-django's ``db``), so what
    a test writes is undone before the next one, which finds the town as it
    was written. Tests of the module that do not use the town run before the
    first that does, and a test that commits finds it rolled back already
    (both in tests/conftest.py), so they never see it.
    """
    town = _OpenTown(django_db_blocker)
    yield town
    town.close()


@pytest.fixture
def town(db, settings, request):
    """Two villages with one household each (not lifted, 3,500 per head), the
    policy of 2020, a responsible person assigned to the first, and the demo
    logins; pages open as of 2020-05-31.

    Written once per module (``_module_town``); each test gets its own copies
    of the model instances. A transactional test (which commits, and is
    flushed afterwards) gets a town written for it alone.
    """
    settings.DEFAULT_AS_OF = ON
    if is_transactional(request.node):
        return _build_town()
    module_town = request.getfixturevalue("_module_town")
    if _OpenTown.current is not module_town:
        pytest.fail("the module's town was rolled back before a test that needs it")
    return copy.deepcopy(module_town.rows)


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
