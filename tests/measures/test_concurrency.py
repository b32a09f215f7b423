"""Two people at once, on PostgreSQL's real row locks: the same apply confirmed
twice at the same moment creates its measures once; of two status changes of
one measure, exactly one wins.

Each side runs in a thread of its own (so on a connection of its own); a third
connection holds the row both need until both are waiting for it.
"""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from measures.models import MeasureApplication
from tests.households.test_concurrency import Side
from tests.pg import only_postgresql, raw_connection, waiting_for_locks

pytestmark = [pytest.mark.django_db(transaction=True), only_postgresql]


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def hold_row(table: str, pk: int):
    """A connection of its own holding ``table`` row ``pk`` locked; close it to let go."""
    blocker = raw_connection()
    with blocker.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
    return blocker


def test_the_same_apply_confirmed_twice_at_once_creates_once(town, programmes):
    programme = programmes["insurance"]
    query = urlencode({"preview": "1", "on": "2020-05-31", "record_as": "planned"})
    url = f"{reverse('measures:programme_apply', kwargs={'pk': programme.pk})}?{query}"
    clients = [logged_in("admin"), logged_in("admin")]

    blocker = hold_row("measures_programme", programme.pk)
    sides = [Side(lambda c=c: c.post(url, {"expected": 4})) for c in clients]
    for side in sides:
        side.start()
    waiting_for_locks(2)
    blocker.rollback()
    blocker.close()

    responses = []
    for side in sides:
        response, error = side.outcome()
        assert error is None
        responses.append(response)
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "没有需要新增的措施" in refused.content.decode()
    assert MeasureApplication.objects.filter(programme=programme).count() == 4


def test_of_two_status_changes_of_one_measure_exactly_one_wins(town, programmes):
    application = MeasureApplication.objects.create(
        programme=programmes["dividend"],
        household=town["household"],
        amount=Decimal("3000"),
    )
    url = reverse("measures:application_status", kwargs={"pk": application.pk})
    posts = [
        (logged_in("cadre"), {"status": "completed", "on": "2020-05-20", "version": 1}),
        (
            logged_in("admin"),
            {"status": "cancelled", "on": "2020-05-20", "reason": "重复", "version": 1},
        ),
    ]
    blocker = hold_row("measures_measureapplication", application.pk)
    sides = [Side(lambda c=c, d=d: c.post(url, d)) for c, d in posts]
    for side in sides:
        side.start()
    waiting_for_locks(2)
    blocker.rollback()
    blocker.close()

    responses = [side.outcome()[0] for side in sides]
    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "已被他人修改" in loser.content.decode()
    application.refresh_from_db()
    assert application.status in ("completed", "cancelled")
    assert application.version == 2
    assert application.history.count() == 2  # created, then the one change
