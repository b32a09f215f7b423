"""Finding one's way: villages in the town's order everywhere, search by part
of a number, page numbers with 末页, only the current page marked in the menu."""

import re

import pytest
from django.urls import reverse

from assessment import views
from households.models import Village
from tests.households.conftest import make_household

pytestmark = pytest.mark.django_db


def in_town_order(town):
    """点力村 before 学田地村: the town's order, not the characters'."""
    Village.objects.filter(pk=town["other_household"].village_id).update(number=1)
    Village.objects.filter(pk=town["household"].village_id).update(number=2)
    return ["点力村", "学田地村"]


def first_positions(content, names):
    return sorted(names, key=content.index)


@pytest.mark.parametrize(
    "url",
    [
        reverse("households:list"),
        reverse("households:overview"),
        reverse("census:progress"),
        reverse("reports:dashboard"),
        reverse("rectification:problems"),
    ],
)
def test_villages_come_in_the_towns_order(town, client_for, url):
    expected = in_town_order(town)
    content = client_for("admin").get(url).content.decode()
    # Skip the header: the menu names no village.
    body = content[content.index("<main") :]
    assert first_positions(body, expected) == expected


def search(client, query):
    response = client.get(reverse("households:list"), {"q": query})
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_search_finds_part_of_a_household_number(town, client_for):
    number = town["household"].number
    table = search(client_for("admin"), number[-7:])
    assert number in table
    assert town["other_household"].number not in table


def test_search_finds_part_of_an_id_number_for_who_may_see_it(town, client_for):
    head = town["household"].members.get(relation="head")
    # The cadre may reveal full numbers: any part of four or more characters finds it.
    assert town["household"].number in search(client_for("cadre"), head.id_number[8:14])
    assert town["household"].number in search(client_for("cadre"), head.id_number[-6:])


def test_search_never_probes_the_hidden_digits_for_who_may_not_see_them(town, client_for):
    head = town["household"].members.get(relation="head")
    leader = client_for("leader")  # sees masked numbers only: 150927********1234
    assert town["household"].number in search(leader, head.id_number[-4:])
    assert town["household"].number in search(leader, head.id_number)
    assert town["household"].number not in search(leader, head.id_number[6:14])
    assert town["household"].number not in search(leader, head.id_number[-6:])


def test_the_list_has_page_numbers_and_a_last_page(town, client_for, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    village = town["household"].village
    for k in range(6):
        make_household(village, f"户主{k}")
    content = client_for("admin").get(reverse("households:list"), {"page": 4}).content.decode()
    nav = content[content.index('class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    assert '<span class="current" aria-current="page">4</span>' in nav
    assert re.search(r'page=8">末页</a>', nav)
    assert re.search(r'page=1">首页</a>', nav)
    assert 'page=5">5</a>' in nav and 'page=3">3</a>' in nav
    assert "第 4 / 8 页" in nav


def marked(content):
    header = content[content.index('<nav id="site-menu"') : content.index("</nav>")]
    return re.findall(r'class="active" aria-current="page">([^<]+)</a>', header)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (reverse("households:list"), ["建档立卡户"]),
        (reverse("ledger:list"), ["台账导入"]),
        (reverse("households:overview"), []),
        (reverse("rectification:rounds"), ["问题整改"]),
        (reverse("monitoring:worklist"), ["防返贫监测"]),
    ],
)
def test_only_the_current_page_is_marked_in_the_menu(town, client_for, url, expected):
    response = client_for("cadre").get(url)
    assert response.status_code == 200
    assert marked(response.content.decode()) == expected


def test_the_household_page_marks_the_registry(town, client_for):
    url = reverse("households:detail", args=[town["household"].pk])
    assert marked(client_for("admin").get(url).content.decode()) == ["建档立卡户"]
    url = reverse("households:overview")
    assert marked(client_for("admin").get(url).content.decode()) == ["全镇概况"]


def test_the_menu_leads_to_monitoring_for_who_may_read_it(town, client_for):
    def menu(username):
        content = client_for(username).get(reverse("households:list")).content.decode()
        return content[content.index('<nav id="site-menu"') : content.index("</nav>")]

    for username in ("admin", "cadre", "leader"):
        assert reverse("monitoring:worklist") in menu(username), username
