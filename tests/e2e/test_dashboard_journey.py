"""The leaders' dashboard and the work report in a real browser: a leader
reads the town's figures as of two dates, sees the SVG charts, follows a
village's figure to the household list it counts, reads the work report and
downloads it as a Word document that says the same; a village cadre gets their
village's version and nothing of another village.

Driven as a user would: the date through the scope form, links by their
names, every wait one of Playwright's auto-waiting assertions.
"""

import re
from datetime import date
from decimal import Decimal

import docx
import pytest
from playwright.sync_api import Page, expect

from households.choices import PovertyStatus
from households.models import VillagePopulation
from tests.e2e.conftest import add_household, login

# 学田地村: 王建国 (2 persons) and 陈永利 (1) not lifted; 刘德福 (3) lifted on
# 2020-03-01. 点力村: 张有才 (2) not lifted. Registered populations 200 and 100.
LIFTED_ON = date(2020, 3, 1)


@pytest.fixture
def figures(registry):
    xuetiandi = registry.xuetiandi.household.village
    dianli = registry.dianli.household.village
    add_household(
        xuetiandi,
        "150927001000102",
        ["刘德福", "刘小军", "刘小红"],
        wage_income=Decimal(15000),
        statuses=(
            (PovertyStatus.NOT_LIFTED, date(2019, 11, 15)),
            (PovertyStatus.LIFTED, LIFTED_ON),
        ),
    )
    add_household(xuetiandi, "150927001000103", ["陈永利"], wage_income=Decimal(3000))
    for village, households, persons in ((xuetiandi, 60, 200), (dianli, 30, 100)):
        VillagePopulation.objects.create(
            village=village,
            year=2020,
            registered_households=households,
            registered_persons=persons,
            resident_households=households - 10,
            resident_persons=persons - 40,
        )
    return registry


def stat(page: Page, label: str):
    """The value of the town figure whose label is exactly ``label``."""
    card = page.locator("#town-figures .stat").filter(
        has=page.locator(".label", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    return card.locator(".value")


def as_of(page: Page, day: str) -> None:
    scope = page.locator("#scope")
    scope.get_by_label("截至日期").fill(day)
    scope.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(rf"[?&]on={day}"))


def test_leader_reads_the_dashboard_follows_a_figure_and_downloads_the_report(
    page, live_server, figures
):
    login(page, live_server, "leader")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="看板与汇报").click()
    expect(page.locator("h1")).to_contain_text("领导看板 · 铁沙盖镇")

    # Before 刘德福's household was lifted: all four not lifted, 8 of 300 persons.
    as_of(page, "2020-02-29")
    expect(page.locator("h1")).to_contain_text("截至2020年2月29日")
    expect(page.locator("#registered")).to_have_text("4户 8人")
    expect(stat(page, "未脱贫")).to_have_text("4户 8人")
    expect(stat(page, "已脱贫(享受政策)")).to_have_text("0户 0人")
    expect(page.locator("#incidence")).to_have_text("2.67%")
    xuetiandi = page.locator("#villages tbody tr").filter(has_text="学田地村")
    # 6 of 200 persons: 3.00%, not below the threshold of 3%.
    expect(xuetiandi).to_contain_text("3.00%")
    expect(xuetiandi.locator(".badge")).to_have_text("否")

    # On 2020-05-31: 刘德福's 3 persons lifted.
    as_of(page, "2020-05-31")
    expect(page.locator("#registered")).to_have_text("4户 8人")
    expect(stat(page, "未脱贫")).to_have_text("3户 5人")
    expect(stat(page, "已脱贫(享受政策)")).to_have_text("1户 3人")
    expect(page.locator("#incidence")).to_have_text("1.67%")
    expect(page.locator("#enjoying")).to_have_text("8人")
    expect(xuetiandi).to_contain_text("1.50%")
    expect(xuetiandi.locator(".badge")).to_have_text("是")

    # The charts: inline SVG, each with its title; the bars carry their figures.
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    expect(page.locator("svg.chart > title")).to_have_text(
        [
            "各村建档立卡户贫困状态(截至2020年5月31日)",
            "历年年末建档立卡户与贫困发生率",
            "在册户主要致贫原因",
        ]
    )
    expect(charts.first.locator("rect > title", has_text="学田地村 未脱贫:2户")).to_have_count(1)
    expect(
        charts.first.locator("rect > title", has_text="学田地村 已脱贫(享受政策):1户")
    ).to_have_count(1)

    # 学田地村's not-lifted figure leads to exactly the households it counts.
    xuetiandi.get_by_role("link", name="2 / 3").click()
    expect(page).to_have_url(re.compile(r"/households/\?village=\d+&status=0&on=2020-05-31$"))
    expect(page.locator("main")).to_contain_text("共 2 户")
    listed = page.locator("#households tbody tr")
    expect(listed).to_have_count(2)
    expect(page.locator("#households")).to_contain_text("王建国")
    expect(page.locator("#households")).to_contain_text("陈永利")
    sizes = listed.locator("td:nth-child(4)").all_inner_texts()
    assert sum(int(n) for n in sizes) == 3

    # The work report as of the same date.
    page.go_back()
    page.get_by_role("link", name="工作情况汇报").click()
    report = page.locator("#work-report")
    expect(report.locator("h1")).to_have_text("铁沙盖镇脱贫攻坚工作情况汇报")
    expect(report).to_contain_text("数据截至2020年5月31日")
    phrases = [
        "辖2个行政村",
        "户籍人口90户300人,常住70户220人。",
        "现有建档立卡贫困户4户8人。",
        "其中正常脱贫1户3人、未脱贫3户5人,贫困发生率1.67%(低于3%的贫困村退出标准)。",
        "截至2020年5月31日,铁沙盖镇未脱贫户3户5人。",
        "王建国(",
        "家庭人口2人",
        "人均纯收入3,500.00元,收入未达标",
    ]
    for phrase in phrases:
        expect(report).to_contain_text(phrase)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载 Word 文档").click()
    download = downloading.value
    assert download.suggested_filename == "铁沙盖镇脱贫攻坚工作情况汇报_20200531.docx"
    document = docx.Document(str(download.path()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "铁沙盖镇脱贫攻坚工作情况汇报"
    for phrase in phrases:
        assert phrase in text, phrase


def test_village_cadre_gets_their_villages_version_only(new_page, live_server, figures):
    dianli = figures.dianli.household.village
    page = new_page()
    login(page, live_server, "cadre")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="看板与汇报").click()
    expect(page.locator("h1")).to_contain_text("领导看板 · 学田地村")
    expect(page.locator("#registered")).to_have_text("3户 6人")
    expect(stat(page, "未脱贫")).to_have_text("2户 3人")
    expect(page.locator("#villages tbody tr")).to_have_count(1)
    expect(page.locator("#villages")).not_to_contain_text("点力村")
    expect(page.locator("#scope").get_by_label("范围").locator("option")).to_have_text(["学田地村"])

    page.get_by_role("link", name="工作情况汇报").click()
    expect(page.locator("#work-report h1")).to_have_text("铁沙盖镇学田地村脱贫攻坚工作情况汇报")
    expect(page.locator("#work-report")).to_contain_text("学田地村未脱贫户2户3人")
    expect(page.locator("#work-report")).not_to_contain_text("张有才")

    for path in (
        f"/reports/?village={dianli.pk}",
        f"/reports/report/?village={dianli.pk}",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(page.locator("main")).not_to_contain_text("点力村")
    response = page.request.get(f"{live_server.url}/reports/report.docx?village={dianli.pk}")
    assert response.status == 404

    # A census enumerator has no dashboard at all (their census pages instead).
    enumerator = new_page()
    login(enumerator, live_server, "enumerator")
    expect(
        enumerator.get_by_role("navigation", name="主菜单").get_by_role("link", name="看板与汇报")
    ).to_have_count(0)
    response = enumerator.goto(f"{live_server.url}/reports/")
    assert response is not None and response.status == 403
    expect(enumerator.locator("main")).to_contain_text("看板和工作汇报按整村汇总")
