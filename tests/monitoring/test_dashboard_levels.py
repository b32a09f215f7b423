"""The monitoring dashboard at village, town and county level: its figures are the
worklists' live counts, each town's users see their town only, queries pinned."""

import re
from datetime import date
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from households import roles
from households.models import County, Member, Town, UserProfile, VillagePopulation
from monitoring import selectors
from monitoring.choices import MONITORED_STATES, CaseState, Category, RiskType, StepKind
from monitoring.models import MonitoringCase
from tests.factories import VillageFactory
from tests.households.conftest import PASSWORD, make_household
from tests.monitoring.test_views import add_step, make_case

pytestmark = pytest.mark.django_db

ON = date(2024, 6, 28)
DASHBOARD = reverse("monitoring:dashboard")


def get(client, **params):
    response = client.get(DASHBOARD, {"on": ON.isoformat(), **params})
    assert response.status_code == 200, response.status_code
    return response


def rows_by_name(response):
    return {r.name: r for r in response.context["d"].rows}


def monitored(household, category=Category.UNSTABLE, on=date(2024, 3, 1), risks=()):
    """A case entered into the national system on ``on`` (monitored since)."""
    case = make_case(household, category=category, risks=risks)
    add_step(case, StepKind.SYSTEM_ENTRY, on, CaseState.MONITORED, by="admin")
    return case


def population(village, persons, year=2024):
    VillagePopulation.objects.create(
        village=village,
        year=year,
        registered_households=persons // 3,
        registered_persons=persons,
        resident_households=persons // 3,
        resident_persons=persons,
    )


@pytest.fixture
def cases(town):
    """In 学田地村: one overdue home check, one monitored edge household, one
    eliminated; in 点力村: one monitored sudden household, one rejected."""
    own, other = town["household"].village, town["other_household"].village
    make_case(make_household(own, "甲户"))  # home check due 2024-02-22: overdue
    monitored(town["household"], Category.EDGE, risks=(RiskType.ILLNESS, RiskType.SCHOOLING))
    gone = monitored(make_household(own, "乙户"), on=date(2024, 3, 4))
    add_step(gone, StepKind.ELIMINATION_ANNOUNCEMENT, date(2024, 5, 6), CaseState.ELIMINATED)
    monitored(town["other_household"], Category.SUDDEN, on=date(2024, 4, 1))
    rejected = make_case(make_household(other, "丙户"))
    add_step(rejected, StepKind.REJECTION, date(2024, 2, 20), CaseState.REJECTED)
    population(own, 400)
    population(other, 300)
    return town


def test_the_summary_equals_the_worklists_live_counts(cases, client_for):
    """Every figure of every village row is the count of the worklist's own
    selector, filtered as the worklist filters."""
    user = get_user_model().objects.get(username="admin")
    response = get(client_for("admin"))
    live = selectors.worklist(cases=MonitoringCase.objects.visible_to(user), on=ON)
    rows = response.context["d"].rows
    assert [r.name for r in rows] == ["学田地村", "点力村"]
    for row in rows:
        village_cases = live.filter(household__village=row.pk)
        for state in CaseState.values:
            for category in Category.values:
                assert row.by_state[state][category] == (
                    village_cases.filter(state_on=state, category=category).count()
                ), (row.name, state, category)
        assert row.overdue == village_cases.filter(overdue=True).count()
        assert row.monitored_total == village_cases.filter(state_on__in=MONITORED_STATES).count()
        households = village_cases.filter(state_on__in=MONITORED_STATES).values("household")
        assert row.monitored_persons == (
            Member.objects.filter(household__in=households).present_on(ON).count()
        )
    total = response.context["d"].total
    assert total.identifying == live.filter(state_on=CaseState.INTAKE).count() == 1
    assert total.overdue == live.filter(overdue=True).count() == 1
    assert (total.monitored_total, total.eliminated, total.rejected) == (2, 1, 1)
    assert total.monitored == {Category.UNSTABLE: 0, Category.EDGE: 1, Category.SUDDEN: 1}


def test_incidence_is_monitored_persons_over_the_years_registered_population(cases, client_for):
    response = get(client_for("admin"))
    rows = rows_by_name(response)
    # Two members in each monitored household.
    assert (rows["学田地村"].monitored_persons, rows["学田地村"].population) == (2, 400)
    assert rows["学田地村"].incidence_display == "0.50%"
    assert rows["点力村"].incidence_display == "0.67%"
    total = response.context["d"].total
    assert (total.monitored_persons, total.population, total.incidence_display) == (4, 700, "0.57%")
    html = response.content.decode()
    assert "监测对象发生率 = 截至查询日处于“监测帮扶中”或风险消除程序中的户" in html
    assert 'id="monitored-incidence">0.57%<' in html
    # Without a population row of the year the rate is not made up.
    VillagePopulation.objects.all().delete()
    assert get(client_for("admin")).context["d"].total.incidence_display == "—"


def test_identified_and_eliminated_per_month_of_the_year(cases, client_for):
    response = get(client_for("admin"))
    months = {m.month: (m.identified, m.eliminated) for m in response.context["d"].months}
    assert months[3] == (2, 0)  # 学田地村's two system entries
    assert months[4] == (1, 0)
    assert months[5] == (0, 1)
    assert sum(i for i, _e in months.values()) == 3
    # A step after the date is not counted yet; another year's months are empty.
    assert get(client_for("admin"), on="2024-03-03").context["d"].identified_in_year == 1
    earlier = get(client_for("admin"), year="2023").context["d"]
    assert (earlier.identified_in_year, earlier.eliminated_in_year) == (0, 0)


def test_risk_types_of_the_monitored(cases, client_for):
    risks = dict(get(client_for("admin")).context["d"].risks)
    assert risks["因病"] == 2 and risks["因学"] == 1  # the eliminated case is not monitored


def test_a_cadre_of_one_village_gets_the_village_level(cases, client_for):
    response = get(client_for("cadre"))
    assert response.context["level"] == "village"
    assert list(rows_by_name(response)) == ["学田地村"]
    assert response.context["d"].total.monitored_total == 1


def test_a_village_of_the_town_and_an_unknown_one(cases, client_for):
    other = cases["other_household"].village
    response = get(client_for("leader"), village=other.pk)
    assert response.context["level"] == "village"
    assert response.context["d"].total.rejected == 1
    assert client_for("cadre").get(DASHBOARD, {"village": other.pk}).status_code == 404
    assert client_for("leader").get(DASHBOARD, {"village": "x"}).status_code == 404


# --------------------------------------------------------------------------
# Two towns, and the county
# --------------------------------------------------------------------------


def user_of(username, role, *, towns=(), counties=()):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    profile = UserProfile.objects.create(user=user)
    profile.towns.add(*towns)
    profile.counties.add(*counties)
    return user


@pytest.fixture
def two_towns(cases):
    """Town B (乙镇, with 乙村 and 丁村) in the same county as town A, a monitored
    household in 乙村, town B's administrator and the county's leader."""
    town_a = cases["household"].village.town
    town_b = Town.objects.create(county=town_a.county, name="乙镇", code="150927999000")
    village_b = VillageFactory(name="乙村", town=town_b, number=1)
    VillageFactory(name="丁村", town=town_b, number=2)
    monitored(make_household(village_b, "孙乙户"))
    population(village_b, 200)
    user_of("admin_b", roles.TOWN_ADMIN, towns=[town_b])
    user_of("county", roles.COUNTY_LEADER, counties=[County.objects.get(pk=town_a.county_id)])
    return {"a": town_a, "b": town_b}


def test_each_towns_user_sees_only_their_town(two_towns, client_for):
    response = get(client_for("admin_b"))
    assert response.context["level"] == "town"
    assert list(rows_by_name(response)) == ["乙村", "丁村"]
    total = response.context["d"].total
    assert (total.monitored_total, total.identifying, total.population) == (1, 0, 200)
    html = response.content.decode()
    assert "学田地村" not in html and "点力村" not in html and "测试镇" not in html
    # Town A, by town or by village, is not found for them; nor town B for town A.
    client = client_for("admin_b")
    assert client.get(DASHBOARD, {"town": two_towns["a"].pk}).status_code == 404
    village_a = two_towns["a"].villages.first()
    assert client.get(DASHBOARD, {"village": village_a.pk}).status_code == 404
    assert client_for("admin").get(DASHBOARD, {"town": two_towns["b"].pk}).status_code == 404
    town_a = get(client_for("admin")).context["d"].total
    assert (town_a.monitored_total, town_a.identifying) == (2, 1)


def test_the_county_has_its_towns_as_rows_and_opens_each_towns_villages(two_towns, client_for):
    client = client_for("county")
    response = get(client)
    assert response.context["level"] == "county"
    rows = rows_by_name(response)
    assert list(rows) == ["测试镇", "乙镇"]
    assert (rows["测试镇"].villages, rows["乙镇"].villages) == (2, 2)
    assert (rows["测试镇"].monitored_total, rows["乙镇"].monitored_total) == (2, 1)
    assert (rows["测试镇"].population, rows["乙镇"].population) == (700, 200)
    total = response.context["d"].total
    assert (total.monitored_total, total.monitored_persons, total.population) == (3, 6, 900)
    assert f'href="{DASHBOARD}?town={two_towns["b"].pk}&amp;on=2024-06-28' in (
        response.content.decode()
    )
    # The towns' rows are their villages' summed: the drill-down says the same.
    town = get(client, town=two_towns["a"].pk)
    assert town.context["level"] == "town"
    assert list(rows_by_name(town)) == ["学田地村", "点力村"]
    drilled = town.context["d"].total
    assert (drilled.monitored_total, drilled.identifying, drilled.overdue) == (
        rows["测试镇"].monitored_total,
        rows["测试镇"].identifying,
        rows["测试镇"].overdue,
    )


def test_query_count_does_not_depend_on_villages_or_cases(
    two_towns, client_for, django_assert_num_queries
):
    """The same queries for a county of two towns and for one with four more villages."""
    client = client_for("county")
    get(client)
    with django_assert_num_queries(QUERIES):
        get(client)
    for i in range(4):
        village = VillageFactory(name=f"新增{i}村", town=two_towns["b"], number=10 + i)
        population(village, 100)
        monitored(make_household(village, f"新户{i}"), risks=(RiskType.DISASTER,))
        make_case(make_household(village, f"新受理{i}"))
    with django_assert_num_queries(QUERIES):
        response = get(client)
    assert response.context["d"].total.monitored_total == 3 + 4
    with django_assert_num_queries(QUERIES):
        get(client, town=two_towns["b"].pk)


QUERIES = 10  # session, user, its two permission reads, the villages, five readings


def test_each_linked_figure_opens_the_list_it_counts(cases, client_for):
    """Every figure linked to a worklist or the intake queue (the village rows'
    overdue, the states' totals, the identifying and overdue of the town) is the
    number of cases that list shows."""
    for role in ("admin", "cadre"):
        client = client_for(role)
        html = get(client).content.decode()
        links = re.findall(
            r'href="(/monitoring/(?:intake/)?\?[^"]+)"[^>]*>(?:逾期)?(\d+)(?:户)?</a>', html
        )
        assert len(links) >= 4, (role, links)
        for href, n in links:
            response = client.get(unescape(href))
            assert response.status_code == 200
            assert response.context["page"].paginator.count == int(n), (role, href)
