"""Assistance measures in a real browser: the town administrator sets up a
programme and applies it in bulk after a preview, a village cadre carries one
measure out from the household page, a leader reads the totals, the
responsible person sees their household in 我的帮扶户; a cadre cannot reach
another village's household or measure.

Driven as a user would: fields by their labels, links and buttons by their
names, every wait one of Playwright's auto-waiting assertions.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from households.choices import PovertyStatus
from households.models import Household
from measures.models import (
    ApplicationStatus,
    Assignment,
    Category,
    Kind,
    MeasureApplication,
    Programme,
    ResponsiblePerson,
    Unit,
)
from tests.e2e.conftest import add_household, login

PROGRAMME = "冬季取暖补贴"


@dataclass(frozen=True)
class Town:
    wang: Household  # 学田地村, 2 persons, not lifted (the registry's)
    liu: Household  # 学田地村, 3 persons, not lifted; the helper's household
    chen: Household  # 学田地村, lifted and no longer enjoying the policies
    zhang: Household  # 点力村 (the registry's)
    zhang_measure: MeasureApplication  # a measure of 点力村


@pytest.fixture
def town(registry) -> Town:
    village = registry.xuetiandi.household.village
    liu = add_household(
        village, "150927001000102", ["刘德福", "刘小军", "刘小红"], wage_income=Decimal(6000)
    )
    chen = add_household(
        village,
        "150927001000103",
        ["陈永利"],
        wage_income=Decimal(9000),
        statuses=(
            (PovertyStatus.NOT_LIFTED, date(2019, 11, 15)),
            (PovertyStatus.STABLE, date(2020, 1, 10)),
        ),
    )
    helper = ResponsiblePerson.objects.create(
        name="孙帮扶",
        organisation="铁沙盖镇政府",
        position="干部",
        user=get_user_model().objects.get(username="helper"),
    )
    Assignment.objects.create(household=liu, person=helper, started_on=date(2020, 1, 1))
    solar = Programme.objects.create(
        year=2020,
        name="光伏收益",
        category=Category.INDUSTRY,
        kind=Kind.PHOTOVOLTAIC,
        unit=Unit.PER_HOUSEHOLD,
        standard_amount=Decimal(3000),
    )
    zhang = registry.dianli.household
    measure = MeasureApplication.objects.create(
        programme=solar, household=zhang, amount=Decimal(3000), planned_on=date(2020, 5, 1)
    )
    return Town(
        wang=registry.xuetiandi.household, liu=liu, chen=chen, zhang=zhang, zhang_measure=measure
    )


def test_programme_applied_in_bulk_then_carried_out_read_and_followed(new_page, live_server, town):
    # -- The town administrator sets up the programme with a per-person standard.
    admin = new_page()
    login(admin, live_server, "admin")
    admin.get_by_role("navigation", name="主菜单").get_by_role("link", name="帮扶措施").click()
    admin.get_by_role("link", name="新增项目").click()
    expect(admin.get_by_label("年度")).to_have_value("2020")
    admin.get_by_label("项目名称").fill(PROGRAMME)
    admin.get_by_label("类别").select_option(label="民政救助")
    admin.get_by_label("帮扶对象").select_option(label="到户")
    admin.get_by_label("补助标准单位").select_option(label="每人")
    admin.get_by_label("补助标准(元)").fill("200")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".messages")).to_contain_text("项目已新增")
    expect(admin.locator("h1")).to_contain_text(PROGRAMME)
    expect(admin.locator("#standard")).to_have_text("每人200.00元")
    programme = Programme.objects.get(year=2020, name=PROGRAMME)

    # Bulk apply to 学田地村's households enjoying the policies: the preview
    # counts them (not the household lifted for good, not 点力村's) and their funds.
    admin.get_by_role("link", name="批量应用到户(人)").click()
    filters = admin.locator("#apply-filters")
    filters.get_by_label("行政村").select_option(label="学田地村")
    filters.get_by_label("贫困状态").select_option(label="享受政策的户")
    filters.get_by_label("日期").fill("2020-05-31")
    filters.get_by_role("button", name="预览").click()
    preview = admin.locator("#preview")
    expect(preview.locator("#matched-households")).to_have_text("2")
    expect(preview.locator("#matched-persons")).to_have_text("5")
    expect(preview.locator("#to-create")).to_have_text("2")
    expect(preview.locator("#funds")).to_have_text("1,000.00")
    expect(preview.locator("#reach")).to_have_text("新增的措施涉及 2 户、5 人。")
    assert not programme.applications.exists()  # a preview writes nothing

    preview.get_by_role("button", name="确认新增 2 条措施").click()
    expect(admin).to_have_url(re.compile(rf"/measures/programmes/{programme.pk}/$"))
    expect(admin.locator(".messages")).to_contain_text("已新增2条措施(2户、5人")
    rows = admin.locator("#applications tbody tr")
    expect(rows).to_have_count(2)
    # 200 yuan a person: 2 persons, then 3.
    expect(rows.filter(has_text="王建国")).to_contain_text("400.00")
    expect(rows.filter(has_text="刘德福")).to_contain_text("600.00")
    expect(admin.locator("#by-village tfoot")).to_contain_text("1,000.00")
    amounts = {
        a.household_id: (a.amount, a.persons, a.status) for a in programme.applications.all()
    }
    assert amounts == {
        town.wang.pk: (Decimal("400.00"), 2, ApplicationStatus.PLANNED),
        town.liu.pk: (Decimal("600.00"), 3, ApplicationStatus.PLANNED),
    }

    # -- The responsible person sees their household, its check and the new measure.
    helper = new_page()
    login(helper, live_server, "helper")
    # The responsible person lands on 我的帮扶户.
    expect(helper).to_have_url(f"{live_server.url}/measures/mine/")
    mine = helper.locator("#my-households tbody tr")
    expect(mine).to_have_count(1)
    row = helper.locator(f'#my-households tr[data-household="{town.liu.pk}"]')
    expect(row).to_contain_text("刘德福")
    expect(row.locator(".check-cell .badge.bad")).to_have_text("收入未达标")
    expect(row).to_contain_text(f"计划 {PROGRAMME}")
    expect(helper.locator("#my-households")).not_to_contain_text("王建国")

    # -- The cadre of 学田地村 moves 王建国's measure forward from the household page.
    cadre = new_page()
    login(cadre, live_server, "cadre")
    cadre.locator("#households").get_by_role("link", name="王建国").click()
    expect(cadre).to_have_url(re.compile(rf"/households/{town.wang.pk}/"))
    measure_row = cadre.locator("#measures tbody tr").filter(has_text=PROGRAMME)
    expect(measure_row).to_contain_text("计划")
    measure_row.get_by_role("link", name="变更状态").click()
    expect(cadre.locator("#application-summary")).to_contain_text("当前状态:计划")
    cadre.get_by_label("新状态").select_option(label="实施中")
    cadre.get_by_label("日期", exact=True).fill("2020-06-01")
    cadre.get_by_label("进度说明").fill("已开始发放")
    cadre.get_by_role("button", name="保存").click()
    expect(cadre).to_have_url(re.compile(rf"/households/{town.wang.pk}/"))
    expect(cadre.locator(".messages")).to_contain_text("措施状态已变更")
    expect(measure_row).to_contain_text("实施中 2020-06-01")

    measure_row.get_by_role("link", name="变更状态").click()
    cadre.get_by_label("新状态").select_option(label="已完成")
    cadre.get_by_label("日期", exact=True).fill("2020-05-20")
    cadre.get_by_role("button", name="保存").click()
    expect(cadre.locator("#field-on")).to_contain_text("完成日期不能早于开始日期(2020-06-01)")
    cadre.get_by_label("日期", exact=True).fill("2020-06-20")
    cadre.get_by_role("button", name="保存").click()
    expect(cadre.locator(".messages")).to_contain_text("措施状态已变更")
    expect(measure_row).to_contain_text("已完成 2020-06-20")
    carried = programme.applications.get(household=town.wang)
    assert (carried.status, carried.started_on, carried.completed_on) == (
        ApplicationStatus.COMPLETED,
        date(2020, 6, 1),
        date(2020, 6, 20),
    )

    # -- A leader reads the totals and has nothing to act with.
    leader = new_page()
    login(leader, live_server, "leader")
    leader.get_by_role("navigation", name="主菜单").get_by_role("link", name="帮扶措施").click()
    totals = leader.locator(f'tr[data-programme="{programme.pk}"] td')
    # 户数, 人数 (— for a household programme), 计划, 实施中, 已完成, 资金
    expect(totals.nth(3)).to_have_text("2")
    expect(totals.nth(5)).to_have_text("1")
    expect(totals.nth(6)).to_have_text("0")
    expect(totals.nth(7)).to_have_text("1")
    expect(totals.nth(8)).to_have_text("1,000.00")
    expect(leader.get_by_role("link", name="新增项目")).to_have_count(0)
    expect(leader.get_by_role("link", name="批量应用")).to_have_count(0)

    leader.get_by_role("link", name=PROGRAMME).click()
    expect(leader.locator("#by-village tfoot")).to_contain_text("1,000.00")
    expect(leader.locator("#applications tbody tr")).to_have_count(2)
    for name in ("编辑项目和标准", "批量应用到户(人)", "变更状态", "编辑"):
        expect(leader.get_by_role("link", name=name, exact=True)).to_have_count(0)
    response = leader.goto(f"{live_server.url}/measures/programmes/{programme.pk}/apply/")
    assert response is not None and response.status == 403
    expect(leader.locator("main")).to_contain_text("只读")

    # The responsible person's list follows: the measure of 刘德福 is still open.
    helper.reload()
    expect(row).to_contain_text(f"计划 {PROGRAMME}")


def test_cadre_cannot_reach_another_villages_household_or_measure(page, live_server, town):
    measure = town.zhang_measure
    login(page, live_server, "cadre")
    for path in (
        f"/households/{town.zhang.pk}/",
        f"/measures/households/{town.zhang.pk}/add/",
        f"/measures/applications/{measure.pk}/status/",
        f"/measures/applications/{measure.pk}/edit/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 404, path
        expect(page).to_have_title(re.compile("页面不存在"))
        expect(page.locator("main")).not_to_contain_text("张有才")

    # A forged status change (valid session, CSRF token and version) is not
    # found either, and changes nothing.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/measures/applications/{measure.pk}/status/",
        form={
            "csrfmiddlewaretoken": csrf,
            "version": str(measure.version),
            "status": ApplicationStatus.COMPLETED,
            "on": "2020-05-31",
        },
    )
    assert response.status == 404
    measure.refresh_from_db()
    assert (measure.status, measure.completed_on) == (ApplicationStatus.PLANNED, None)

    # Their own village's household stays within reach.
    response = page.goto(f"{live_server.url}/measures/households/{town.liu.pk}/add/")
    assert response is not None and response.status == 200
