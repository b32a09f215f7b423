"""Each as-of definition of the registry (households.models) is written twice,
as a ``Q`` for the database and in Python on the model: on the demo town they
agree on every date tried, including the days members join and leave and the
days status periods start and end."""

from datetime import date, timedelta

import pytest

from households import selectors
from households.choices import ENJOYING_POLICY_STATUSES, Relation
from households.models import Household, HouseholdStatusPeriod, Member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

#: Year ends, the demo's date, before anything and long after (open-ended periods).
FIXED_DATES = [
    date(2010, 1, 1),
    date(2014, 12, 31),
    date(2016, 6, 30),
    date(2018, 12, 31),
    date(2019, 12, 31),
    date(2020, 5, 31),
    date(2030, 1, 1),
]


def edges(days) -> list[date]:
    """Each distinct day, the day before it (some of them: at most 12 of each)."""
    days = sorted(set(days))
    step = max(1, len(days) // 12)
    chosen = days[::step]
    return sorted({d for day in chosen for d in (day, day - timedelta(days=1))})


def member_dates() -> list[date]:
    joined = Member.objects.values_list("joined_on", flat=True)
    left = Member.objects.exclude(left_on=None).values_list("left_on", flat=True)
    return FIXED_DATES + edges(joined) + edges(left)


def period_dates() -> list[date]:
    starts = HouseholdStatusPeriod.objects.values_list("valid_from", flat=True)
    ends = HouseholdStatusPeriod.objects.exclude(valid_to=None).values_list("valid_to", flat=True)
    return FIXED_DATES + edges(starts) + edges(ends)


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_a_member_is_present_from_the_day_of_joining_until_the_day_before_leaving():
    members = list(Member.objects.all())
    for on in member_dates():
        assert ids(Member.objects.present_on(on)) == {m.pk for m in members if m.present_on(on)}
    left = next(m for m in members if m.left_on is not None and m.left_on > m.joined_on)
    assert left.present_on(left.joined_on) and left.present_on(left.left_on - timedelta(days=1))
    assert not left.present_on(left.left_on)
    assert not left.present_on(left.joined_on - timedelta(days=1))
    assert left.pk in ids(Member.objects.present_on(left.joined_on))
    assert left.pk not in ids(Member.objects.present_on(left.left_on))
    staying = next(m for m in members if m.left_on is None)
    assert staying.present_on(date(2030, 1, 1))
    assert staying.pk in ids(Member.objects.present_on(date(2030, 1, 1)))


def test_a_status_period_covers_its_first_day_and_not_its_end_day():
    periods = list(HouseholdStatusPeriod.objects.all())
    for on in period_dates():
        assert ids(HouseholdStatusPeriod.objects.covering(on)) == {
            p.pk for p in periods if p.covers(on)
        }
    closed = next(p for p in periods if p.valid_to is not None)
    assert closed.covers(closed.valid_from) and not closed.covers(closed.valid_to)
    assert closed.pk not in ids(HouseholdStatusPeriod.objects.covering(closed.valid_to))
    open_ended = next(p for p in periods if p.valid_to is None)
    assert open_ended.covers(date(2030, 1, 1))
    assert open_ended.pk in ids(HouseholdStatusPeriod.objects.covering(date(2030, 1, 1)))


def test_a_households_status_on_a_date_is_the_same_in_sql_and_python():
    households = list(Household.objects.prefetch_related("status_periods"))
    for on in period_dates():
        annotated = dict(Household.objects.with_status_on(on).values_list("pk", "status_on"))
        assert annotated == {h.pk: h.status_as_of(on) for h in households}
        for sql, python in (
            (Household.objects.registered_on(on), Household.is_registered_on),
            (Household.objects.poor_on(on), Household.is_poor_on),
            (Household.objects.enjoying_policy_on(on), Household.enjoys_policy_on),
        ):
            assert ids(sql) == {h.pk for h in households if python(h, on)}
    on = date(2020, 5, 31)
    assert ids(Household.objects.registered_on(on)) > ids(Household.objects.poor_on(on))
    assert ids(Household.objects.enjoying_policy_on(on)) > ids(Household.objects.poor_on(on))


def test_the_household_head_on_a_date_is_the_present_member_related_as_head():
    members = list(Member.objects.all())
    for on in member_dates():
        assert ids(Member.objects.heads_on(on)) == {m.pk for m in members if m.is_head_on(on)}
    on = date(2020, 5, 31)
    heads = Member.objects.heads_on(on)
    assert set(heads.values_list("relation", flat=True)) == {Relation.HEAD}
    # Every household registered on the date has one head then.
    registered = ids(Household.objects.registered_on(on))
    assert sorted(heads.filter(household__in=registered).values_list("household", flat=True)) == (
        sorted(registered)
    )


def test_the_persons_enjoying_the_policies_are_the_same_in_sql_and_python():
    households = {h.pk: h for h in Household.objects.prefetch_related("status_periods")}
    members = list(Member.objects.all())
    for m in members:
        m.household = households[m.household_id]
    for on in FIXED_DATES + edges(m.left_on for m in members if m.left_on):
        assert ids(Member.objects.enjoying_policy_on(on)) == {
            m.pk for m in members if m.enjoys_policy_on(on)
        }
    on = date(2020, 5, 31)
    enjoying = Member.objects.enjoying_policy_on(on)
    assert enjoying.exists()
    statuses = {m.household.status_as_of(on) for m in members if m.enjoys_policy_on(on)}
    assert statuses <= set(ENJOYING_POLICY_STATUSES)


def test_the_persons_enjoying_the_policies_are_the_dashboards_figure():
    for on in FIXED_DATES:
        tallies = selectors.town_status_tallies(on=on)
        persons = selectors.sum_tallies(tallies, ENJOYING_POLICY_STATUSES).persons
        assert Member.objects.enjoying_policy_on(on).count() == persons
