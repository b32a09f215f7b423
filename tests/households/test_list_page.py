"""The household list's page: failures read for the page's rows, the groups offered."""

import re

from django.urls import reverse

from households.models import VillagerGroup
from tests.households.conftest import make_household

LIST = reverse("households:list")


def group_options(html: str) -> list[str]:
    select = re.search(r'<select name="group"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_each_row_shows_its_own_failures_and_links_to_the_page_as_of_the_date(town, client_for):
    household, other = town["household"], town["other_household"]
    household.incomes.update(wage_income=9000)  # 4,500 each: above the 4,000 line
    html = client_for("admin").get(LIST + "?on=2020-05-31").content.decode()
    row = r'<tr>\s*<td><a href="/households/(\d+)/\?on=2020-05-31">(.*?)</tr>'
    rows = dict(re.findall(row, html, re.S))
    assert set(rows) == {str(household.pk), str(other.pk)}
    assert "全部达标" in rows[str(household.pk)]
    assert "收入" in rows[str(other.pk)] and "全部达标" not in rows[str(other.pk)]
    assert "4,500.00" in rows[str(household.pk)]
    assert "3,500.00" in rows[str(other.pk)]  # 7,000 for two


def test_the_whole_registry_picks_a_village_before_its_groups(town, client_for):
    household, other = town["household"], town["other_household"]
    admin = client_for("admin")
    assert group_options(admin.get(LIST).content.decode()) == ["(先选行政村)"]

    html = admin.get(f"{LIST}?village={household.village_id}").content.decode()
    names = [
        g.village.name + g.name for g in VillagerGroup.objects.filter(village=household.village)
    ]
    assert group_options(html)[1:] == names

    # A group chosen without its village still filters (a link from elsewhere).
    html = admin.get(f"{LIST}?group={other.group_id}").content.decode()
    assert other.number in html and household.number not in html


def test_a_cadre_is_offered_the_groups_of_their_villages(town, client_for):
    household = town["household"]
    make_household(household.village, "孙二")
    html = client_for("cadre").get(LIST).content.decode()
    expected = [
        g.village.name + g.name for g in VillagerGroup.objects.filter(village=household.village)
    ]
    assert sorted(group_options(html)[1:]) == sorted(expected)
    assert not any(name.startswith("点力村") for name in group_options(html))
