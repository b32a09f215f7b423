"""Two people at once, on PostgreSQL's real row locks: of two cadres saving one
household, exactly one wins and the other is told; an import racing an edit
of the same household loses nothing and writes nothing half-done.

Each side runs in a thread of its own, so on a connection of its own, and
the test waits on the server until the second side is blocked by the first
before letting the first go on.
"""

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from households.forms import HouseholdForm
from households.ledger import services as ledger_services
from households.ledger.models import LedgerImportStatus
from households.models import Household, HouseholdIncome, Member
from households.services import CONCURRENT_EDIT_ERROR, ConcurrentEditError, household_update
from tests.factories import id_number
from tests.households.conftest import PASSWORD
from tests.households.ledger.helpers import household, ledger_xlsx, preview, setup_ledger_town
from tests.pg import only_postgresql, raw_connection, waiting_for_locks

pytestmark = [pytest.mark.django_db(transaction=True), only_postgresql]


class Side(threading.Thread):
    """Runs ``action`` on a database connection of its own; keeps its result or error."""

    def __init__(self, action):
        super().__init__(daemon=True)
        self.action, self.result, self.error = action, None, None

    def run(self):
        try:
            self.result = self.action()
        except Exception as exc:  # handed to the test
            self.error = exc
        finally:
            connection.close()

    def outcome(self, timeout=60):
        self.join(timeout)
        assert not self.is_alive(), "still running"
        return self.result, self.error


def edit_data(household: Household, **changes) -> dict:
    """What the edit form posts when nothing but ``changes`` is changed."""
    form = HouseholdForm(instance=household)
    data = {"version": household.version}
    for name in HouseholdForm.Meta.fields:
        value = form[name].value()
        if value not in (None, ""):
            data[name] = value
    data.update(changes)
    return data


def logged_in(username: str) -> Client:
    client = Client()
    # django-axes checks every authentication against its lockouts and needs
    # the request for that; a test login has none of its own.
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    return client


def test_of_two_cadres_saving_one_household_exactly_one_wins(town):
    target = town["household"]
    url = reverse("households:edit", args=[target.pk])
    # Both opened the edit page on the same version.
    first = edit_data(target, phone="13900000001", notes="甲的修改")
    second = edit_data(target, phone="13900000002", notes="乙的修改")
    clients = [logged_in("cadre"), logged_in("admin")]  # one village cadre, one town admin

    # The row is held, so both requests reach the version check and wait there together.
    blocker = raw_connection()
    with blocker.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Household._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [target.pk],
        )
    sides = [
        Side(lambda c=c, d=d: c.post(url, d)) for c, d in zip(clients, (first, second), strict=True)
    ]
    for side in sides:
        side.start()
    try:
        waiting_for_locks(2)
    finally:
        blocker.rollback()
        blocker.close()
    responses = []
    for side in sides:
        response, error = side.outcome()
        assert error is None, error
        responses.append(response)

    won = [r for r in responses if r.status_code == 302]
    told = [r for r in responses if r.status_code == 200]
    assert len(won) == 1 and len(told) == 1, [r.status_code for r in responses]
    assert str(CONCURRENT_EDIT_ERROR) in told[0].content.decode()
    target.refresh_from_db()
    winner = first if responses[0].status_code == 302 else second
    assert (target.phone, target.notes) == (winner["phone"], winner["notes"])
    assert target.version == first["version"] + 1
    assert target.history.filter(phone__in=["13900000001", "13900000002"]).count() == 1


def test_an_edit_racing_an_import_of_the_same_household_is_told_and_nothing_is_lost(
    town, settings, tmp_path
):
    setup_ledger_town(town, settings, tmp_path)
    cadre = get_user_model().objects.get(username="cadre")
    rows = household("150927000100088")
    ledger_services.ledger_apply(ledger_import=preview(ledger_xlsx(rows), cadre), user=cadre)
    existing = Household.objects.get(number="150927000100088")
    loaded_version = existing.version  # a cadre opens its edit page now

    # The next ledger changes a member of it and adds a new household.
    rows[1]["健康状况"] = "长期慢性病"
    rows += household(
        "150927000100089",
        members=[("孙二虎", id_number(date(1975, 2, 3)), "户主")],
    )
    record = preview(ledger_xlsx(rows), cadre)
    assert record.counts["households"] == {"new": 1, "changed": 1, "unchanged": 0, "error": 0}
    members_before, incomes_before = Member.objects.count(), HouseholdIncome.objects.count()

    # The import stops at its last table, holding the household it changed.
    blocker = raw_connection()
    with blocker.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {HouseholdIncome._meta.db_table} IN SHARE MODE")
    importing = Side(lambda: ledger_services.ledger_apply(ledger_import=record, user=cadre))
    importing.start()
    try:
        waiting_for_locks(1)
        # Meanwhile the cadre saves the household as they loaded it.
        editing = Side(
            lambda: household_update(
                household=Household.objects.get(pk=existing.pk),
                expected_version=loaded_version,
                data={"phone": "13900000003"},
            )
        )
        editing.start()
        waiting_for_locks(2)  # the edit waits for the import's lock
    finally:
        blocker.rollback()
        blocker.close()

    imported, import_error = importing.outcome()
    _edited, edit_error = editing.outcome()
    assert import_error is None, import_error
    assert imported.status == LedgerImportStatus.APPLIED, imported.error_message
    assert isinstance(edit_error, ConcurrentEditError)  # told, not overwritten
    existing.refresh_from_db()
    assert existing.phone != "13900000003"
    assert existing.members.get(name="钱桂兰").health == "chronic"
    assert Household.objects.filter(number="150927000100089").exists()
    assert Member.objects.count() == members_before + 1
    assert HouseholdIncome.objects.count() == incomes_before + 1
