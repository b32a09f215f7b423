"""The reviewers' queue: the checks waiting for review, oldest first, scoped,
reached from every 待审核 count."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from census import services
from census.models import CheckStatus, HouseholdCheck
from tests.census.conftest import make_household
from tests.census.test_views import household_url, submitted, table

pytestmark = pytest.mark.django_db
QUEUE = reverse("census:queue")


def submitted_at(household, when):
    HouseholdCheck.objects.filter(household=household).update(
        submitted_at=timezone.make_aware(when), status=CheckStatus.CHECKED
    )


def queued_numbers(response):
    rows = table(response, "queue").split('data-household="')[1:]
    return [row.split('"', 1)[0] for row in rows]


def test_submitting_a_check_stamps_its_time(town, client_for):
    before = timezone.now()
    assert submitted(client_for("enumerator"), town["household"]).status_code == 302
    check = HouseholdCheck.objects.get()
    assert before <= check.submitted_at <= timezone.now()


def test_the_queue_lists_checks_waiting_for_review_oldest_first(town, client_for):
    village = town["household"].village
    early, late, approved = (make_household(village, name) for name in ("甲", "乙", "丙"))
    for household in (early, late, approved):
        HouseholdCheck.objects.create(household=household, status=CheckStatus.CHECKED)
    HouseholdCheck.objects.create(household=town["household"])  # pending: not queued
    submitted_at(late, datetime(2020, 5, 20, 9))
    submitted_at(early, datetime(2020, 5, 3, 16))
    HouseholdCheck.objects.filter(household=approved).update(status=CheckStatus.APPROVED)

    response = client_for("reviewer").get(QUEUE)
    assert response.status_code == 200
    assert queued_numbers(response) == [early.number, late.number]
    assert "共 2 户待审核" in response.content.decode()


def test_the_queue_is_scoped_and_filtered_by_village(town, client_for):
    own, other = town["household"], town["other_household"]
    for household in (own, other):
        HouseholdCheck.objects.create(household=household, status=CheckStatus.CHECKED)
    assert queued_numbers(client_for("reviewer").get(QUEUE)) == [own.number, other.number]
    # The enumerator of 学田地村 sees their village's only; another village is not found.
    assert queued_numbers(client_for("enumerator").get(QUEUE)) == [own.number]
    enumerator = client_for("enumerator")
    assert enumerator.get(QUEUE, {"village": other.village_id}).status_code == 404
    response = client_for("reviewer").get(QUEUE, {"village": other.village_id})
    assert queued_numbers(response) == [other.number]


def test_every_awaiting_review_count_links_to_the_queue(town, client_for):
    household = town["household"]
    HouseholdCheck.objects.create(household=household, status=CheckStatus.CHECKED)
    content = client_for("reviewer").get(reverse("census:progress")).content.decode()
    per_village = f'{QUEUE}?village={household.village_id}&amp;on=2020-05-31">1</a>'
    assert per_village in content
    assert f'{QUEUE}?on=2020-05-31">1</a>' in content  # the 合计 row and the figure


def test_the_reviewer_lands_on_the_queue_and_reviews_from_it(town, client_for):
    household = town["household"]
    submitted(client_for("enumerator"), household)
    reviewer = client_for("reviewer")
    response = reviewer.get("/", follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert f'{household_url(household)}?on=2020-05-31#review-form"' in response.content.decode()
    services.household_check_approve(
        household=household,
        expected_version=1,
        user=get_user_model().objects.get(username="reviewer"),
    )
    assert queued_numbers(reviewer.get(QUEUE)) == []


def test_the_queue_query_count_does_not_grow(town, client_for):
    client = client_for("reviewer")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    village = town["household"].village
    HouseholdCheck.objects.create(household=town["household"], status=CheckStatus.CHECKED)
    count()  # the first request moves the session's expiry
    few = count()
    start = timezone.now() - timedelta(days=3)
    for k in range(6):
        household = make_household(village, f"户{k}")
        HouseholdCheck.objects.create(
            household=household,
            status=CheckStatus.CHECKED,
            submitted_at=start + timedelta(hours=k),
            submitted_by=get_user_model().objects.get(username="enumerator"),
        )
    assert count() == few
