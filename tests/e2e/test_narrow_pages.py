"""The pages an enumerator and a cadre use door to door, on a phone (390 px):
nothing scrolls sideways — neither the page nor any element inside it (a
table in an ``overflow-x: auto`` wrapper is still sideways scrolling for a
thumb) — and the header takes under 120 px, its menu folded behind a button.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from census.models import CensusStaff
from measures.models import Assignment, ResponsiblePerson
from rectification.models import InspectionRound, Problem, ProblemCategory
from tests.e2e.conftest import AS_OF, add_household, login

PHONE = {"width": 390, "height": 844}
HEADER_MAX_PX = 120

#: Every element that scrolls sideways, cuts its content off (a 1 px
#: screen-reader label and an ellipsis excepted) or reaches past the right
#: edge of the screen.
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width) {
    found.push("page " + document.documentElement.scrollWidth + " > " + width);
  }
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (classes ? "." + classes.split(/\\s+/).join(".") : "");
    const wider = el.scrollWidth > el.clientWidth + 1;
    if (wider && (style.overflowX === "auto" || style.overflowX === "scroll")) {
      found.push(name + " scrolls " + el.scrollWidth + " > " + el.clientWidth);
    } else if (wider && style.overflowX !== "visible" && box.width > 2
               && style.textOverflow !== "ellipsis") {
      found.push(name + " cuts off " + el.scrollWidth + " > " + el.clientWidth);
    } else if (box.right > width + 1) {
      found.push(name + " reaches " + Math.round(box.right) + " > " + width);
    }
  }
  return found;
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def door_to_door(registry):
    """The registry with a second household, the enumerator's census record,
    the helper's household and a rectification task of the cadre."""
    users = get_user_model().objects
    village = registry.xuetiandi.household.village
    liu = add_household(
        village, "150927001000102", ["欧阳德福", "欧阳小军", "欧阳小红"], wage_income=Decimal(6000)
    )
    CensusStaff.objects.create(
        name="李清查",
        role=CensusStaff.Role.ENUMERATOR,
        village=village,
        user=users.get(username="enumerator"),
    )
    helper = ResponsiblePerson.objects.create(
        name="孙帮扶",
        organisation="铁沙盖镇政府",
        position="干部",
        user=users.get(username="helper"),
    )
    Assignment.objects.create(household=liu, person=helper, started_on=date(2020, 1, 1))
    inspection = InspectionRound.objects.create(
        name="2020年脱贫攻坚成效考核反馈",
        kind=InspectionRound.RoundKind.NATIONAL_ASSESSMENT,
        year=2020,
        feedback_on=date(2020, 4, 15),
    )
    problem = Problem.objects.create(
        inspection_round=inspection,
        category=ProblemCategory.HOUSING,
        text="学田地村部分农户住房安全等级鉴定表缺少鉴定人签字,鉴定日期与入户核查日期不一致",
        responsible_name="学田地村村干部",
        responsible_user=users.get(username="cadre"),
        found_on=date(2020, 4, 15),
        deadline=date(2020, 6, 30),
    )
    problem.villages.add(village)
    return registry, liu


def assert_fits(page: Page, what: str) -> None:
    expect(page.locator("main")).to_be_visible()
    assert page.evaluate(SIDEWAYS) == [], what
    header = page.locator("header.top")
    if header.count():
        height = header.bounding_box()["height"]
        assert height < HEADER_MAX_PX, f"{what}: header {height} px"


def test_door_to_door_pages_fit_a_phone(phone, live_server, door_to_door):
    registry, liu = door_to_door
    on = f"?on={AS_OF.isoformat()}"
    wang = registry.xuetiandi.household
    village = wang.village

    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert_fits(page, "login")

    login(page, live_server, "cadre")
    # The menu is folded behind a button, and opens.
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(nav.get_by_role("link", name="建档立卡户")).to_be_visible()
    for path in (
        "/households/",
        f"/households/{wang.pk}/",
        f"/households/{wang.pk}/members/add/",
        f"/households/{wang.pk}/income/2020/",
        "/rectification/problems/mine/",
    ):
        page.goto(f"{live_server.url}{path}{on}")
        assert_fits(page, f"cadre {path}")
    # The household list is one card per household, each value labelled.
    page.goto(f"{live_server.url}/households/{on}")
    cell = page.locator("#households tbody tr").first.locator("td").first
    assert cell.get_attribute("data-label") == "户编号"
    # The long filter form folds past its first fields, and unfolds.
    expect(page.get_by_label("行政村")).to_be_hidden()
    page.get_by_role("button", name="更多筛选条件").click()
    expect(page.get_by_label("行政村")).to_be_visible()
    assert_fits(page, "cadre /households/ with every filter")

    enumerator = phone.browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    try:
        page = enumerator.new_page()
        login(page, live_server, "enumerator")
        for path in (
            f"/census/villages/{village.pk}/",
            f"/census/villages/{village.pk}/worklist/",
            f"/census/households/{liu.pk}/",
        ):
            page.goto(f"{live_server.url}{path}{on}")
            assert_fits(page, f"enumerator {path}")
        # The checklist's notes have labels and are wholly on the screen.
        expect(page.locator("#checklist-form")).to_be_visible()
        notes = page.get_by_label("说明", exact=False)
        assert notes.count() >= 1
    finally:
        enumerator.close()

    helper = phone.browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    try:
        page = helper.new_page()
        login(page, live_server, "helper")
        page.goto(f"{live_server.url}/measures/mine/{on}")
        expect(page.locator("#my-households")).to_contain_text("欧阳德福")
        assert_fits(page, "helper 我的帮扶户")
    finally:
        helper.close()
