"""The dashboard and the work report in the small town: scope per role, links,
the exit threshold as data, read-only pages and pinned query counts."""

import re
from datetime import date
from decimal import Decimal
from html import unescape
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from households.choices import PovertyStatus
from households.models import HouseholdStatusPeriod, PolicyYear, UserProfile, VillagePopulation
from tests.factories import VillageFactory
from tests.households.conftest import make_household

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
REPORT = reverse("reports:report")
DOCX = reverse("reports:report_docx")


def villages_table(response) -> str:
    content = response.content.decode()
    return content[
        content.index('id="villages"') : content.index("</table>", content.index('id="villages"'))
    ]


def grow(town, villages: int, households: int):
    """More villages, and more households in the town fixture's own village."""
    own = town["household"].village
    for i in range(villages):
        village = VillageFactory(name=f"新增{i}村", town=own.town)
        make_household(village, f"新户主{i}")
    for i in range(households):
        make_household(own, f"户主{i}")


# --------------------------------------------------------------------------
# Who sees what
# --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "admin", "reviewer"])
def test_town_roles_see_every_village(town, client_for, role):
    response = client_for(role).get(DASHBOARD)
    assert response.status_code == 200
    table = villages_table(response)
    assert "学田地村" in table and "点力村" in table
    assert re.search(r'id="registered">2户 4人<', response.content.decode())


def test_a_cadre_sees_their_own_village_only(town, client_for):
    response = client_for("cadre").get(DASHBOARD)
    assert response.status_code == 200
    content = response.content.decode()
    assert "学田地村" in content and "点力村" not in content
    assert 'id="registered">1户 2人<' in content


def test_a_cadre_asking_for_another_village_is_not_found(town, client_for):
    other = town["other_household"].village
    for url in (DASHBOARD, REPORT, DOCX):
        assert client_for("cadre").get(url, {"village": other.pk}).status_code == 404


def test_a_leader_can_open_one_villages_version(town, client_for):
    own = town["household"].village
    response = client_for("leader").get(DASHBOARD, {"village": own.pk})
    table = villages_table(response)
    assert "学田地村" in table and "点力村" not in table
    # The figures' links keep the village.
    assert f"village={own.pk}&amp;status=0" in response.content.decode()


def test_an_unknown_or_malformed_village_is_not_found(town, client_for):
    client = client_for("leader")
    assert client.get(DASHBOARD, {"village": "999999"}).status_code == 404
    assert client.get(DASHBOARD, {"village": "1 OR 1=1"}).status_code == 404


def test_a_cadre_of_two_villages_sees_both_and_may_pick_one(town, client_for):
    own, other = town["household"].village, town["other_household"].village
    cadre = get_user_model().objects.get(username="cadre")
    UserProfile.objects.get(user=cadre).villages.add(other)
    client = client_for("cadre")
    table = villages_table(client.get(DASHBOARD))
    assert "学田地村" in table and "点力村" in table
    table = villages_table(client.get(DASHBOARD, {"village": other.pk}))
    assert "点力村" in table and "学田地村" not in table
    assert own.pk != other.pk


@pytest.mark.parametrize("role", ["enumerator", "helper"])
def test_roles_without_whole_villages_to_manage_are_refused(town, client_for, role):
    client = client_for(role)
    for url in (DASHBOARD, REPORT, DOCX):
        response = client.get(url)
        assert response.status_code == 403
    # ...and are not offered the link.
    page = client.get(reverse("households:list")).content.decode()
    assert DASHBOARD not in page


def test_a_cadre_without_a_village_is_refused(town, client_for):
    cadre = get_user_model().objects.get(username="cadre")
    UserProfile.objects.get(user=cadre).villages.clear()
    assert client_for("cadre").get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("role", ["leader", "cadre"])
def test_the_nav_links_to_the_dashboard_for_those_who_may_use_it(town, client_for, role):
    page = client_for(role).get(reverse("households:list")).content.decode()
    assert f'href="{DASHBOARD}"' in page


@pytest.mark.parametrize("url", [DASHBOARD, REPORT, DOCX])
def test_the_pages_are_read_only(town, client_for, url):
    assert client_for("leader").post(url).status_code == 405
    assert client_for("admin").post(url).status_code == 405


# --------------------------------------------------------------------------
# Figures and links
# --------------------------------------------------------------------------


def test_each_village_figure_links_to_the_list_of_the_households_it_counts(town, client_for):
    client = client_for("leader")
    own = town["household"].village
    make_household(own, "孙二户")
    response = client.get(DASHBOARD, {"on": "2020-05-31"})
    row = villages_table(response).split(f"?village={own.pk}&amp;on=2020-05-31&amp;year=2020")[1]
    cells = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', row.split("</tr>")[0])
    links = [(unescape(href), text) for href, text in cells]
    assert (f"/households/?village={own.pk}&on=2020-05-31", "2 / 4") in links
    assert (f"/households/?village={own.pk}&status=0&on=2020-05-31", "2 / 4") in links
    assert (f"/households/?village={own.pk}&status=1&on=2020-05-31", "0 / 0") in links
    for link, text in links:
        figure = re.fullmatch(r"(\d+) / \d+", text)
        if not link.startswith("/households/") or not figure:
            continue
        listing = client.get(link).content.decode()
        listed = set(re.findall(r'href="/households/(\d+)/', listing))
        assert len(listed) == int(figure[1]), link


def test_counts_follow_the_as_of_date(town, client_for):
    household = town["household"]
    period = HouseholdStatusPeriod.objects.get(household=household)
    period.valid_to = date(2020, 3, 1)
    period.save()
    HouseholdStatusPeriod.objects.create(
        household=household, status=PovertyStatus.LIFTED, valid_from=date(2020, 3, 1)
    )
    client = client_for("cadre")
    before = client.get(DASHBOARD, {"on": "2020-02-01"}).content.decode()
    after = client.get(DASHBOARD, {"on": "2020-05-31"}).content.decode()
    status = f"status={PovertyStatus.NOT_LIFTED}&amp;on="
    assert re.search(status + r'2020-02-01">1户 2人<', before)
    assert re.search(status + r'2020-05-31">0户 0人<', after)
    # The history table has the year end 2019 and the date itself.
    assert "2019-12-31" in after and "2020-05-31" in after


def test_the_exit_threshold_is_the_years_policy_parameter(town, client_for):
    own = town["household"].village
    # 2 poor persons of 80 registered: 2.5 %.
    VillagePopulation.objects.create(
        village=own,
        year=2020,
        registered_households=30,
        registered_persons=80,
        resident_households=20,
        resident_persons=50,
    )
    client = client_for("cadre")
    table = villages_table(client.get(DASHBOARD))
    assert "2.50%" in table and '<span class="badge ok">是</span>' in table
    PolicyYear.objects.filter(year=2020).update(village_exit_threshold=Decimal("2.00"))
    table = villages_table(client.get(DASHBOARD, {"refresh": "1"}))
    assert '<span class="badge bad">否</span>' in table
    PolicyYear.objects.filter(year=2020).delete()
    response = client.get(DASHBOARD, {"refresh": "1"})
    assert "2020年政策参数未录入" in response.content.decode()


def population(village, persons: int) -> VillagePopulation:
    return VillagePopulation.objects.create(
        village=village,
        year=2020,
        registered_households=30,
        registered_persons=persons,
        resident_households=20,
        resident_persons=50,
    )


def village_row(table: str, name: str) -> str:
    return next(row for row in table.split("<tr") if name in row)


@pytest.fixture
def two_provinces(town, client_for):
    """Town A (Inner Mongolia, exit threshold 3 %) and a town of a county of
    Hebei (2 %); every village at 2.5 %: 2 poor persons of 80 registered."""
    from households.models import County
    from tests.factories import PolicyYearFactory, TownFactory

    own, other = town["household"].village, town["other_household"].village
    hebei = County.objects.create(name="河北测试县", code="130731000000", province="河北省")
    village = VillageFactory(name="冀村", town=TownFactory(name="冀镇", county=hebei))
    make_household(village, "冀户主")
    PolicyYearFactory(
        province_name="河北省",
        year=2020,
        poverty_line=Decimal("4000"),
        village_exit_threshold=Decimal("2.00"),
    )
    for each in (own, other, village):
        population(each, 80)
    superuser = get_user_model().objects.create_superuser("root", password="x-Secret-2020")
    client = client_for(None)
    client.force_login(superuser)
    return {"client": client, "town_a": own.town, "town_b": village.town}


def test_each_village_is_judged_by_its_provinces_exit_threshold(two_provinces):
    from reports import selectors

    client = two_provinces["client"]
    town_a = client.get(DASHBOARD, {"town": two_provinces["town_a"].pk, "refresh": "1"})
    town_b = client.get(DASHBOARD, {"town": two_provinces["town_b"].pk, "refresh": "1"})
    row_a = village_row(villages_table(town_a), "学田地村")
    row_b = village_row(villages_table(town_b), "冀村")
    assert "2.50%" in row_a and "2.50%" in row_b
    assert '<span class="badge ok">是</span>' in row_a
    assert '<span class="badge bad">否</span>' in row_b
    assert "贫困发生率低于3%(2020年政策参数)" in town_a.content.decode()
    assert "贫困发生率低于2%(2020年政策参数)" in town_b.content.decode()
    # The whole system spans two provinces: it states no one threshold, and
    # judges each village by its own province's.
    whole = client.get(DASHBOARD, {"refresh": "1"}).context["d"]
    assert whole.threshold is None
    below = {row.village.name: row.below_threshold for row in whole.rows}
    assert (below["学田地村"], below["冀村"]) == (True, False)

    town_a = selectors.towns_scope(two_provinces["town_a"].villages.all())
    town_b = selectors.towns_scope(two_provinces["town_b"].villages.all())
    assert selectors.exit_threshold(year=2020, scope=town_a) == Decimal("3.00")
    assert selectors.exit_threshold(year=2020, scope=town_b) == Decimal("2.00")


def test_each_towns_report_states_its_provinces_exit_threshold(two_provinces):
    client = two_provinces["client"]
    town_a = client.get(REPORT, {"town": two_provinces["town_a"].pk, "refresh": "1"})
    town_b = client.get(REPORT, {"town": two_provinces["town_b"].pk, "refresh": "1"})
    assert "贫困发生率2.50%(低于3%的贫困村退出标准)" in unescape(town_a.content.decode())
    assert "贫困发生率2.50%(未低于2%的贫困村退出标准)" in unescape(town_b.content.decode())


def test_a_province_without_its_policy_year_has_no_exit_threshold(two_provinces):
    from households.models import PolicyYear

    PolicyYear.objects.filter(province_name="河北省").delete()
    client = two_provinces["client"]
    whole = client.get(DASHBOARD, {"refresh": "1"}).context["d"]
    below = {row.village.name: row.below_threshold for row in whole.rows}
    assert (below["学田地村"], below["冀村"]) == (True, None)
    town_b = client.get(DASHBOARD, {"town": two_provinces["town_b"].pk, "refresh": "1"})
    row_b = village_row(villages_table(town_b), "冀村")
    assert "<td>—</td>" in row_b and "badge ok" not in row_b and "badge bad" not in row_b
    assert "2020年政策参数未录入,无法判断退出标准" in town_b.content.decode()
    report = client.get(REPORT, {"town": two_provinces["town_b"].pk, "refresh": "1"})
    text = unescape(report.content.decode())
    assert "贫困发生率2.50%。" in text and "贫困村退出标准" not in text


def test_a_bad_year_falls_back_to_the_as_of_year(town, client_for):
    client = client_for("leader")
    for year in ("abc", "1999", "-1"):
        response = client.get(DASHBOARD, {"on": "2020-05-31", "year": year})
        assert response.status_code == 200
        assert "2020年度帮扶措施" in response.content.decode()
    response = client.get(DASHBOARD, {"on": "2020-05-31", "year": "2019"})
    assert "2019年度帮扶措施" in response.content.decode()


def test_charts_are_inline_svg_with_a_table_each(town, client_for):
    from measures.models import ApplicationStatus, MeasureApplication, Programme

    programme = Programme.objects.create(
        year=2020, name="保洁员", category="employment", unit="post_year"
    )
    MeasureApplication.objects.create(
        programme=programme, household=town["household"], status=ApplicationStatus.PLANNED
    )
    content = client_for("leader").get(DASHBOARD).content.decode()
    assert content.count("<svg") == 4  # status by village, history, causes, measures
    assert content.count("<details") == 4
    assert content.count("<title id=") == 4 and content.count("<desc id=") == 4


def test_pages_carry_no_inline_script_style_or_handler(town, client_for):
    client = client_for("leader")
    for url in (DASHBOARD, REPORT):
        content = client.get(url).content.decode()
        # Scripts only from the site's static files (static/js/app.js), none inline.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", content, re.S)
        assert scripts and all(
            re.search(r'\ssrc="/static/', attrs) and not body.strip() for attrs, body in scripts
        )
        assert not re.search(r"\sstyle=", content)
        assert not re.search(r"\son[a-z]+=", content)
        assert "/static/reports/reports.css" in content


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


def test_the_report_and_its_docx_say_the_same(town, client_for):
    from docx import Document

    client = client_for("cadre")
    page = client.get(REPORT, {"on": "2020-05-31"})
    assert page.status_code == 200
    html = unescape(re.sub(r"<[^>]+>", "", page.content.decode()))
    download = client.get(DOCX, {"on": "2020-05-31"})
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in download["Content-Disposition"]
    paragraphs = [p.text for p in Document(BytesIO(download.content)).paragraphs]
    assert paragraphs[0] == "测试镇学田地村脱贫攻坚工作情况汇报"
    for paragraph in paragraphs:
        assert paragraph in html
    assert any("现有建档立卡贫困户1户2人" in p for p in paragraphs)
    assert any("未脱贫1户2人" in p for p in paragraphs)


# --------------------------------------------------------------------------
# Query counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url", "computed", "kept"),
    [
        ("leader", DASHBOARD, 19, 6),
        ("cadre", DASHBOARD, 17, 6),
        # The report's five more: its monitoring section (monitoring.dashboard.summary).
        ("leader", REPORT, 37, 6),
        ("cadre", REPORT, 29, 6),
    ],
)
def test_query_count_does_not_grow_with_villages_or_households(
    town,
    client_for,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    role,
    url,
    computed,
    kept,
):
    """Pinned twice: the figures computed (``?refresh=1``), and kept (the next
    request: the session, the user, permissions, the scope, the villages offered).
    The new villages are counted into the summaries when their write commits,
    as in production (the hooks run here as on a commit)."""
    client = client_for(role)
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(computed):
        client.get(url, {"refresh": "1"})
    with django_assert_num_queries(kept):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        grow(town, villages=3, households=10)
    with django_assert_num_queries(computed):
        response = client.get(url, {"refresh": "1"})
    assert response.status_code == 200
    with django_assert_num_queries(kept):
        response = client.get(url)
    assert response.status_code == 200


def test_a_report_with_many_households_not_lifted_says_how_many_and_where(
    town, client_for, monkeypatch
):
    """Above ``NOT_LIFTED_LISTED`` (a county's report) the households are counted
    by place, from the summaries, not described one by one."""
    from reports import selectors

    def text(response):
        assert response.status_code == 200
        return unescape(re.sub(r"<[^>]+>", "", response.content.decode()))

    client = client_for("leader")
    head = town["household"].members.get(relation="head").name
    listed = text(client.get(REPORT, {"on": "2020-05-31"}))
    assert head in listed  # one by one, with the head's name
    monkeypatch.setattr(selectors, "NOT_LIFTED_LISTED", 1)
    counted = text(client.get(REPORT, {"on": "2020-05-31", "refresh": "1"}))
    assert "未脱贫户2户4人,其中学田地村1户2人、点力村1户2人。" in counted
    assert "逐户情况及帮扶措施见建档立卡户名单" in counted
    assert head not in counted
