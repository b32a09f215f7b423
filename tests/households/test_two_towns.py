"""Two towns (and two counties) on one system: every page of the site, as the
other town's and the other county's users.

The ``town`` fixture's town (测试镇 of 察哈尔右翼中旗, with 学田地村 and 点力村)
is town A. Town B (乙镇) is in another county. Every URL of the site
(the permission matrix's rows, with town A's objects in them) is requested by
town B's administrator, leader, reviewer and cadre and by county B's leader
and administrator, who must get:

* 404 wherever the same role of town A gets the page (the object is not theirs);
* the same status as town A's role where the role may not open the page at
  all (403), the method is refused (405) or the page is of no object (lists,
  forms, exports of their own scope);

and no page they may open shows a name of town A (its town, villages or the
households' heads). County A's leader and administrator get exactly what town
A's leader and administrator get.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import resolve

from households import roles
from households.models import County, Town, UserProfile
from tests.households.conftest import PASSWORD, make_household
from tests.households.test_permission_matrix import MATRIX, POST_MATRIX, ROLES, url_for

pytestmark = pytest.mark.django_db

User = get_user_model()

#: Town B's users and the role of town A whose statuses theirs mirror.
MIRRORS = {
    "admin_b": "admin",
    "leader_b": "leader",
    "reviewer_b": "reviewer",
    "cadre_b": "cadre",
    "countyleader_b": "leader",
    "countyadmin_b": "admin",
}
#: Objects every town shares (the county's programmes and inspection rounds):
#: the page opens, and must show nothing of town A.
SHARED = {
    "measures:programme_detail",
    "measures:programme_edit",
    "measures:programme_apply",
    "rectification:round_detail",
    "rectification:round_edit",
    "rectification:problem_add",
}
#: Names of town A no page of town B may show.
TOWN_A_NAMES = ("测试镇", "学田地村", "点力村", "赵永福", "钱德旺")


@pytest.fixture
def two_towns(town):
    county_b = County.objects.create(
        name="察哈尔右翼后旗", code="150928000000", city="乌兰察布市", province="内蒙古自治区"
    )
    town_b = Town.objects.create(county=county_b, name="乙镇", code="150928100000")
    village_b = town_b.villages.create(name="乙村", number=1)
    village_b.groups.create(name="一组", number=1)
    household_b = make_household(village_b, "孙乙户")
    users = {}
    for username, (role, scope) in {
        "admin_b": (roles.TOWN_ADMIN, "town"),
        "leader_b": (roles.LEADER, "town"),
        "reviewer_b": (roles.REVIEWER, "town"),
        "cadre_b": (roles.CADRE, "village"),
        "countyleader_b": (roles.COUNTY_LEADER, "county"),
        "countyadmin_b": (roles.COUNTY_ADMIN, "county"),
    }.items():
        user = User.objects.create_user(username, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        profile = UserProfile.objects.create(user=user)
        {"town": profile.towns, "village": profile.villages, "county": profile.counties}[scope].add(
            {"town": town_b, "village": village_b, "county": county_b}[scope]
        )
        users[username] = user
    return {**town, "town_b": town_b, "household_b": household_b, "users": users}


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def expected_for(name, status_a, url):
    """What town B's user may get where town A's same role gets ``status_a``.

    404 where town A's role gets the page; where the role may not do it at
    all, 403 — or 404, when the view looks for the object in the user's
    scope before it looks at the permission (a cadre of another village gets
    404 too).
    """
    if name in SHARED:
        return {status_a}
    if not resolve(url).kwargs:
        return {status_a}
    if status_a in (200, 302):
        return {404}
    if status_a == 403:
        return {403, 404}
    return {status_a}


def _status_a(matrix, name, role):
    return matrix[name][ROLES.index(role)]


def _assert_no_town_a(response, name, username):
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    text = response.content.decode()
    shown = [word for word in TOWN_A_NAMES if word in text]
    assert shown == [], f"{name} shows {shown} to {username}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_other_towns_users_get_nothing_of_town_a(name, two_towns):
    url = url_for(name, two_towns)
    got, want = {}, {}
    for username, mirror in MIRRORS.items():
        response = _client(two_towns["users"][username]).get(url)
        got[username] = response.status_code
        want[username] = expected_for(name, _status_a(MATRIX, name, mirror), url)
        _assert_no_town_a(response, name, username)
    assert {u: got[u] for u in got if got[u] not in want[u]} == {}, want


@pytest.mark.parametrize("name", sorted(POST_MATRIX))
def test_the_other_towns_users_change_nothing_of_town_a(name, two_towns):
    url = url_for(name, two_towns)
    got, want = {}, {}
    for username, mirror in MIRRORS.items():
        got[username] = _client(two_towns["users"][username]).post(url).status_code
        want[username] = expected_for(name, _status_a(POST_MATRIX, name, mirror), url)
    assert {u: got[u] for u in got if got[u] not in want[u]} == {}, want


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_county_a_reads_town_a_as_its_town_roles_do(name, two_towns, client_for):
    url = url_for(name, two_towns)
    got = {
        "countyleader": client_for("countyleader").get(url).status_code,
        "countyadmin": client_for("countyadmin").get(url).status_code,
    }
    want = {
        "countyleader": _status_a(MATRIX, name, "leader"),
        "countyadmin": _status_a(MATRIX, name, "admin"),
    }
    assert got == want


def test_town_b_sees_its_own_household_and_not_town_a(two_towns):
    from django.urls import reverse

    for username in ("admin_b", "leader_b", "reviewer_b", "cadre_b", "countyleader_b"):
        client = _client(two_towns["users"][username])
        listing = client.get(reverse("households:list")).content.decode()
        assert "孙乙户" in listing, username
        assert "赵永福" not in listing and "钱德旺" not in listing, username
        page = client.get(reverse("households:detail", args=[two_towns["household_b"].pk]))
        assert page.status_code == 200, username


def test_a_county_leader_reads_every_town_of_their_county(two_towns):
    from django.urls import reverse

    county_b = two_towns["town_b"].county
    other = Town.objects.create(county=county_b, name="丙镇", code="150928101000")
    village = other.villages.create(name="丙村", number=1)
    village.groups.create(name="一组", number=1)
    household = make_household(village, "周丙户")
    client = _client(two_towns["users"]["countyleader_b"])
    listing = client.get(reverse("households:list")).content.decode()
    assert "孙乙户" in listing and "周丙户" in listing
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 200
    # Town B's own leader does not see the county's other town.
    leader_b = _client(two_towns["users"]["leader_b"])
    assert leader_b.get(reverse("households:detail", args=[household.pk])).status_code == 404


def test_the_county_leader_changes_nothing(two_towns):
    from django.urls import reverse

    client = _client(two_towns["users"]["countyleader_b"])
    household = two_towns["household_b"]
    assert client.get(reverse("households:edit", args=[household.pk])).status_code == 403
    response = client.post(
        reverse("households:income", args=[household.pk, 2020]),
        {"wage_income": Decimal("1")},
    )
    assert response.status_code == 403
    assert household.incomes.filter(year=2020, wage_income=Decimal("1")).count() == 0


def test_a_town_administrator_adds_no_town_nor_county(two_towns):
    admin_b = two_towns["users"]["admin_b"]
    assert not admin_b.has_perm("households.add_town")
    assert not admin_b.has_perm("households.add_county")
    assert admin_b.has_perm("households.change_town")
    countyadmin = two_towns["users"]["countyadmin_b"]
    assert countyadmin.has_perm("households.add_town")


def test_town_a_administrator_sees_no_household_of_town_b(two_towns):
    # Town B's household does not count in town A's figures.
    from households.scope import households_visible_to

    admin_a = User.objects.get(username="admin")
    visible = set(households_visible_to(admin_a).values_list("pk", flat=True))
    assert two_towns["household"].pk in visible
    assert two_towns["household_b"].pk not in visible


def test_a_countys_dashboard_has_its_towns_as_rows_each_equal_to_the_towns_own(two_towns):
    from django.urls import reverse

    from reports import selectors

    county_b = two_towns["town_b"].county
    other = Town.objects.create(county=county_b, name="丙镇", code="150928101000")
    village = other.villages.create(name="丙村", number=1)
    make_household(village, "周丙户")
    make_household(village, "吴丙户")
    client = _client(two_towns["users"]["countyleader_b"])
    response = client.get(reverse("reports:dashboard"), {"on": "2020-05-31"})
    assert response.status_code == 200
    dashboard = response.context["d"]
    rows = {row.town.name: row for row in dashboard.towns}
    assert list(rows) == ["乙镇", "丙镇"]
    assert "测试镇" not in response.content.decode()
    for town in (two_towns["town_b"], other):
        own = client.get(reverse("reports:dashboard"), {"on": "2020-05-31", "town": town.pk})
        assert own.status_code == 200
        figures = own.context["d"]
        assert figures.towns == []  # one town: its villages as rows
        assert rows[town.name].registered == figures.registered
        assert rows[town.name].by_status == figures.by_status
        assert rows[town.name].incidence == figures.incidence
    assert dashboard.registered.households == 3
    # The county's figures are its towns' summed, and the live count of the county.
    live = selectors.dashboard(
        on=dashboard.on,
        year=dashboard.year,
        scope=selectors.towns_scope(
            list(
                selectors.Village.objects.filter(town__county=county_b)
                .select_related("town__county")
                .order_by(*selectors.VILLAGE_ORDER)
            )
        ),
    )
    assert live.registered == dashboard.registered
    # A town outside the county is not found.
    town_a = User.objects.get(username="admin").profile.towns.get()
    refused = client.get(reverse("reports:dashboard"), {"town": town_a.pk})
    assert refused.status_code == 404


def test_the_other_towns_administrator_sees_nothing_of_town_a_in_the_admin(two_towns):
    from django.urls import reverse

    admin_b = two_towns["users"]["admin_b"]
    User.objects.filter(pk=admin_b.pk).update(is_staff=True)
    client = _client(User.objects.get(pk=admin_b.pk))
    household_a = two_towns["household"]
    town_a = household_a.village.town
    listed = client.get(reverse("admin:households_household_changelist"))
    assert [h.pk for h in listed.context["cl"].result_list] == [two_towns["household_b"].pk]
    towns = client.get(reverse("admin:households_town_changelist")).context["cl"].result_list
    assert [t.pk for t in towns] == [two_towns["town_b"].pk]
    for name, pk in (
        ("households_household_change", household_a.pk),
        ("households_village_change", household_a.village_id),
        ("households_town_change", town_a.pk),
        ("households_member_change", household_a.members.first().pk),
    ):
        # Outside the queryset: the admin sends the user back to its index.
        assert client.get(reverse(f"admin:{name}", args=[pk])).status_code == 302, name
    for name, pk in (
        ("households_household_history", household_a.pk),
        ("households_town_history", town_a.pk),
    ):
        assert client.get(reverse(f"admin:{name}", args=[pk])).status_code == 404, name
    from tests.test_admin_matrix import member_export_fields

    export = client.post(
        reverse("admin:households_member_export"),
        {"format": "0", "resource": "0", **member_export_fields()},
    )
    content = export.content.decode("utf-8-sig")
    assert "孙乙户" in content
    assert "赵永福" not in content and household_a.number not in content


def test_a_countys_overview_has_its_towns_as_rows_and_opens_each_towns_villages(two_towns):
    from django.urls import reverse

    county_b = two_towns["town_b"].county
    other = Town.objects.create(county=county_b, name="丙镇", code="150928101000")
    village = other.villages.create(name="丙村", number=1)
    make_household(village, "周丙户")
    make_household(village, "吴丙户")
    client = _client(two_towns["users"]["countyleader_b"])
    url = reverse("households:overview")
    response = client.get(url, {"on": "2020-05-31"})
    assert response.status_code == 200
    towns = {row.town.name: row for row in response.context["towns"]}
    assert list(towns) == ["乙镇", "丙镇"]
    assert "测试镇" not in response.content.decode()
    assert 'id="villages"' not in response.content.decode()  # the villages: a click away
    for town in (two_towns["town_b"], other):
        own = client.get(url, {"on": "2020-05-31", "town": town.pk})
        assert own.status_code == 200
        assert own.context["towns"] == []
        rows = own.context["rows"]
        assert {row.village.town_id for row in rows} == {town.pk}
        assert towns[town.name].registered == sum(
            (row.registered for row in rows), type(rows[0].registered)()
        )
    # Another county's town is not found; a town's own leader has no town rows.
    town_a = User.objects.get(username="admin").profile.towns.get()
    assert client.get(url, {"town": town_a.pk}).status_code == 404
    assert client.get(url, {"town": "x"}).status_code == 404
    leader_b = _client(two_towns["users"]["leader_b"]).get(url, {"on": "2020-05-31"})
    assert leader_b.status_code == 200 and leader_b.context["towns"] == []


def test_a_countys_census_progress_has_its_towns_as_rows(two_towns):
    from django.urls import reverse

    county_b = two_towns["town_b"].county
    other = Town.objects.create(county=county_b, name="丙镇", code="150928101000")
    village = other.villages.create(name="丙村", number=1)
    make_household(village, "周丙户")
    client = _client(two_towns["users"]["countyadmin_b"])
    url = reverse("census:progress")
    response = client.get(url, {"on": "2020-05-31"})
    assert response.status_code == 200
    towns = {row.town.name: row.total for row in response.context["towns"]}
    assert list(towns) == ["乙镇", "丙镇"]
    assert (towns["乙镇"].households, towns["丙镇"].households) == (1, 1)
    assert "测试镇" not in response.content.decode()
    own = client.get(url, {"on": "2020-05-31", "town": other.pk})
    assert own.status_code == 200 and own.context["towns"] == []
    assert [row.village.name for row in own.context["rows"]] == ["丙村"]
    town_a = User.objects.get(username="admin").profile.towns.get()
    assert client.get(url, {"town": town_a.pk}).status_code == 404
