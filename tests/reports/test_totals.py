"""The 合计 row under per-village tables: computed from the same rows, so it
equals their sum, and the town's own figure."""

import re

import pytest
from django.urls import reverse

from census.models import CheckStatus, HouseholdCheck
from tests.households.conftest import make_household

pytestmark = pytest.mark.django_db


def section(content, start, end):
    begin = content.index(start)
    return content[begin : content.index(end, begin)]


def pairs(html):
    """Every "households / persons" figure of a piece of table, in order."""
    return [(int(h), int(p)) for h, p in re.findall(r">(\d+) / (\d+)<", html)]


def column_sums(body, width):
    rows = [pairs(row) for row in body.split("<tr")[1:]]
    assert rows and all(len(r) == width for r in rows), rows
    return [(sum(r[i][0] for r in rows), sum(r[i][1] for r in rows)) for i in range(width)]


@pytest.mark.parametrize(
    ("url", "town_id"),
    [("households:overview", "town-registered"), ("reports:dashboard", "registered")],
)
def test_the_total_row_is_the_sum_of_the_villages_and_the_towns_figure(
    town, client_for, url, town_id
):
    make_household(town["household"].village, "孙有才")
    content = client_for("admin").get(reverse(url)).content.decode()
    table = section(content, 'id="villages"', "</table>")
    body = section(table, "<tbody>", "</tbody>")
    total = section(table, 'id="villages-total"', "</tr>")
    width = len(pairs(total))
    assert pairs(total) == column_sums(body, width)
    registered = pairs(total)[0]
    assert registered == (3, 6)
    figure = section(content, f'id="{town_id}"', "</div>")
    assert re.sub(r"\D+", " ", figure).split() == ["3", "6"]


def test_the_census_total_row_is_the_sum_of_the_villages(town, client_for):
    HouseholdCheck.objects.create(household=town["household"], status=CheckStatus.CHECKED)
    content = client_for("reviewer").get(reverse("census:progress")).content.decode()
    table = section(content, 'id="villages"', "</table>")
    body = section(table, "<tbody>", "</tbody>")
    total = section(table, 'class="total"', "</tr>")
    rows = body.split("<tr")[1:]
    households = [int(re.search(r'<td class="num">(\d+)</td>', row).group(1)) for row in rows]
    assert sum(households) == 2
    assert re.search(r'<th class="num">2</th>', total)
    assert section(content, 'id="total-households"', "</div>").endswith(">2")
