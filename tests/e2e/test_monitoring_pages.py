"""The monitoring dashboard and a household's monitoring timeline in a browser:
on a phone (390 px) nothing scrolls sideways; on a desktop the county's towns
open their villages."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from households.models import Town
from monitoring.choices import CaseState, Category, Channel, RiskType, StepKind
from monitoring.models import CaseRisk, CaseStep, MonitoringCase
from tests.e2e.conftest import add_household, login
from tests.e2e.test_narrow_pages import PHONE, assert_fits

ON = "2024-06-28"


def case(household, *, category, state, steps=()):
    actor = get_user_model().objects.get(username="admin")
    made = MonitoringCase.objects.create(
        household=household,
        category=category,
        channel=Channel.VISIT,
        intake_on=date(2024, 2, 9),
        home_check_due=date(2024, 2, 22),
        deadline=date(2024, 3, 14),
        state=state,
    )
    CaseRisk.objects.create(case=made, risk=RiskType.ILLNESS)
    before = CaseState.INTAKE
    for kind, on, after in steps:
        CaseStep.objects.create(
            case=made, kind=kind, on=on, state_before=before, state_after=after, actor=actor
        )
        before = after
    return made


@pytest.fixture
def monitored(registry):
    wang = registry.xuetiandi.household
    case(
        wang,
        category=Category.UNSTABLE,
        state=CaseState.MONITORED,
        steps=[(StepKind.SYSTEM_ENTRY, date(2024, 3, 1), CaseState.MONITORED)],
    )
    case(registry.dianli.household, category=Category.SUDDEN, state=CaseState.INTAKE)  # overdue
    return registry


def test_the_dashboard_and_the_timeline_fit_a_phone(browser, live_server, monitored):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        for user in ("cadre", "leader"):
            login(page, live_server, user)
            page.goto(f"{live_server.url}/monitoring/dashboard/?on={ON}")
            expect(page.locator("#monitored-total")).to_contain_text("1户 2人")
            assert_fits(page, f"{user} monitoring dashboard")
            page.context.clear_cookies()
        login(page, live_server, "cadre")
        wang = monitored.xuetiandi.household
        page.goto(f"{live_server.url}/households/{wang.pk}/?on={ON}")
        expect(page.locator("#monitoring")).to_be_visible()
        expect(page.locator(".mon-timeline")).to_contain_text("监测帮扶中")
        assert_fits(page, "cadre household page with its monitoring")
    finally:
        context.close()


def test_the_county_opens_a_towns_villages(page, live_server, monitored):
    town = Town.objects.get(name="铁沙盖镇")
    other = Town.objects.create(name="乌兰哈达镇", county=town.county)
    add_household(other.villages.create(name="前进村", number=1), "150927101000101", ["孙前进"])
    login(page, live_server, "countyadmin")
    page.goto(f"{live_server.url}/monitoring/dashboard/?on={ON}")
    rows = page.locator("#monitoring-by-village tbody tr")
    expect(rows).to_have_count(3)  # two towns and the total
    rows.get_by_role("link", name="铁沙盖镇", exact=True).click()
    expect(page.locator("h1")).to_contain_text("铁沙盖镇")
    expect(page.locator("#monitoring-by-village")).to_contain_text("学田地村")
    expect(page.locator("#monitoring-by-village")).not_to_contain_text("前进村")
    expect(page.locator("#overdue")).to_contain_text("逾期1户")
