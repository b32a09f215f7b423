"""The household list's town filter: offered to who sees several towns (a
county's roles, a superuser), scoped like the village filter, and the villages
offered narrow to the town chosen.

The ``town`` fixture's town (测试镇, with 学田地村 and 点力村) is joined here
by a second town of the same county (乙镇, with 乙村) and by a town of another
county (丙镇), which the county's users do not see.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from households.models import County, Town
from tests.households.conftest import make_household
from tests.households.test_views import grow

pytestmark = pytest.mark.django_db

LIST = reverse("households:list")


def options(html: str, name: str) -> list[str]:
    """The labels of the ``name`` select's options (``None`` without such a select)."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if found is None:
        return None
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def heads(html: str) -> set[str]:
    names = {"赵永福", "钱德旺", "孙乙户", "丙户主"}
    return {name for name in names if name in html}


@pytest.fixture
def county(town):
    own = town["household"].village.town
    town_b = Town.objects.create(county=own.county, name="乙镇")
    village_b = town_b.villages.create(name="乙村", number=1)
    make_household(village_b, "孙乙户")
    other_county = County.objects.create(name="外旗", code="150928000000", province="内蒙古自治区")
    town_c = Town.objects.create(county=other_county, name="丙镇")
    make_household(town_c.villages.create(name="丙村", number=1), "丙户主")
    return {"town_a": own, "town_b": town_b, "village_b": village_b, "town_c": town_c}


def test_a_county_user_is_offered_the_towns_of_their_county(county, client_for):
    for username in ("countyadmin", "countyleader"):
        html = client_for(username).get(LIST).content.decode()
        assert options(html, "town") == ["---------", "测试镇", "乙镇"], username
        assert options(html, "village")[1:] == ["学田地村", "点力村", "乙村"]
        assert heads(html) == {"赵永福", "钱德旺", "孙乙户"}


def test_the_town_chosen_narrows_the_households_and_the_villages_offered(county, client_for):
    client = client_for("countyadmin")
    html = client.get(LIST, {"town": county["town_b"].pk}).content.decode()
    assert heads(html) == {"孙乙户"}
    assert options(html, "village")[1:] == ["乙村"]
    html = client.get(LIST, {"town": county["town_a"].pk}).content.decode()
    assert heads(html) == {"赵永福", "钱德旺"}
    assert options(html, "village")[1:] == ["学田地村", "点力村"]
    # A village of the town, with the town: its households.
    village = county["town_a"].villages.get(name="点力村")
    html = client.get(LIST, {"town": county["town_a"].pk, "village": village.pk}).content.decode()
    assert heads(html) == {"钱德旺"}


def test_the_export_follows_the_town_chosen(county, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for("countyadmin").get(
        reverse("households:export"), {"town": county["town_b"].pk}
    )
    sheet = load_workbook(BytesIO(response.content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "孙乙户" in cells and "赵永福" not in cells and "钱德旺" not in cells


@pytest.mark.parametrize("which", ["town_c", "missing", "not a number"])
def test_a_town_the_user_does_not_see_is_not_found_as_a_foreign_village(county, client_for, which):
    wanted = {"town_c": county["town_c"].pk, "missing": 999999, "not a number": "abc"}[which]
    client = client_for("countyadmin")
    assert client.get(LIST, {"town": wanted}).status_code == 404
    assert client.get(reverse("households:export"), {"town": wanted}).status_code == 404
    # As the village filter does with a village of another county.
    foreign = county["town_c"].villages.get()
    assert client.get(LIST, {"village": foreign.pk}).status_code == 404


def test_a_village_of_another_town_than_the_one_chosen_is_not_found(county, client_for):
    own_village = county["town_a"].villages.first()
    response = client_for("countyadmin").get(
        LIST, {"town": county["town_b"].pk, "village": own_village.pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("username", ["admin", "leader", "reviewer"])
def test_a_town_user_is_offered_no_town_filter_and_another_town_is_not_found(
    county, client_for, username
):
    client = client_for(username)
    html = client.get(LIST).content.decode()
    assert options(html, "town") is None
    assert heads(html) == {"赵永福", "钱德旺"}
    # Their own town asked for: the list as it is; another: not found (as on the dashboard).
    assert heads(client.get(LIST, {"town": county["town_a"].pk}).content.decode()) == {
        "赵永福",
        "钱德旺",
    }
    for town in ("town_b", "town_c"):
        assert client.get(LIST, {"town": county[town].pk}).status_code == 404


def test_a_village_cadres_list_has_no_town_filter(county, client_for):
    client = client_for("cadre")
    assert options(client.get(LIST).content.decode(), "town") is None
    # The parameter means nothing to a list of some villages: ignored.
    response = client.get(LIST, {"town": county["town_b"].pk})
    assert response.status_code == 200 and heads(response.content.decode()) == {"赵永福"}


def test_a_superuser_is_offered_every_town(county, client):
    client.force_login(get_user_model().objects.create_superuser("root", password="x-Secret-1"))
    html = client.get(LIST).content.decode()
    assert options(html, "town") == ["---------", "测试镇", "乙镇", "丙镇"]
    html = client.get(LIST, {"town": county["town_c"].pk}).content.decode()
    assert heads(html) == {"丙户主"}
    assert options(html, "village")[1:] == ["丙村"]


# -- query counts ---------------------------------------------------------------


#: Session, user, the two permission reads; the towns the user sees (read
#: once: the town filter's choices and its check); the count, the rows, their
#: failures; the groups and the villages offered. Neither the households nor
#: the towns make it grow.
COUNTY_LIST_QUERIES = 10


def test_the_county_list_query_count_does_not_grow_with_rows_or_towns(
    county, client_for, django_assert_num_queries
):
    client = client_for("countyadmin")
    client.get(LIST)  # warm the session and permission caches
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        client.get(LIST)
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        client.get(LIST, {"town": county["town_b"].pk})
    grow(county["village_b"], 25)
    extra = Town.objects.create(county=county["town_a"].county, name="新镇")
    make_household(extra.villages.create(name="新村", number=1), "新户主")
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        response = client.get(LIST)
    assert "新镇" in options(response.content.decode(), "town")
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        response = client.get(LIST, {"town": county["town_b"].pk})
    assert response.content.decode().count('href="/households/') >= 2 * 26


def test_a_town_users_list_reads_their_towns_once_too(
    county, client_for, django_assert_num_queries
):
    # The same one query tells the town administrator's list there is no town
    # to choose (and refuses another town asked for).
    client = client_for("admin")
    client.get(LIST)
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        client.get(LIST)
    with django_assert_num_queries(COUNTY_LIST_QUERIES):
        client.get(LIST, {"town": county["town_a"].pk})
