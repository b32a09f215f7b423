"""Census preparation in a real browser: the enumerator of 学田地村 confirms a
household's checklist (an item not OK needs its note) and submits; the
reviewer sends it back (a note is required), the enumerator reads the note
and resubmits, the reviewer approves; the village's progress counts it.

Driven as a user would: radios by their labels within each checklist row,
links and buttons by their names, every wait one of Playwright's
auto-waiting assertions.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from census.models import CensusStaff, CheckStatus, HouseholdCheck
from census.rules import CheckItem
from tests.e2e.conftest import add_household, login

NOT_OK = CheckItem.HOUSING
SEND_BACK_NOTE = "住房安全项请附上危房鉴定结论后再提交"


@pytest.fixture
def census_town(registry):
    """The registry, one more household in 学田地村, and the census staff's records."""
    village = registry.xuetiandi.household.village
    add_household(village, "150927001000102", ["刘德福", "刘小军"], wage_income=Decimal(9000))
    users = get_user_model().objects
    CensusStaff.objects.create(
        name="李清查",
        role=CensusStaff.Role.ENUMERATOR,
        village=village,
        user=users.get(username="enumerator"),
    )
    CensusStaff.objects.create(
        name="赵审核", role=CensusStaff.Role.REVIEWER, user=users.get(username="reviewer")
    )
    return registry


def open_check(page: Page, head_name: str) -> None:
    """From the navigation to the household's check: progress → village → household."""
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="普查准备").click()
    page.locator("#villages").get_by_role("link", name="学田地村").click()
    page.locator("#households").get_by_role("link", name=head_name).click()
    expect(page.locator("#check")).to_be_visible()


def answer(page: Page, item: CheckItem, choice: str, note: str | None = None) -> None:
    row = page.locator(f'#checklist-form tr[data-item="{item.value}"]')
    row.get_by_label(choice, exact=True).check()
    if note is not None:
        row.get_by_placeholder("不符合时必填").fill(note)


def test_check_submitted_sent_back_resubmitted_and_approved(new_page, live_server, census_town):
    household = census_town.xuetiandi.household

    # -- The enumerator confirms the checklist; the item not OK needs its note.
    enumerator = new_page()
    login(enumerator, live_server, "enumerator")
    open_check(enumerator, "王建国")
    status = enumerator.locator("#check-status")
    expect(status).to_have_text("待核查")
    for item in CheckItem:
        answer(enumerator, item, "不符合" if item == NOT_OK else "符合")
    enumerator.get_by_role("button", name="提交核查").click()
    not_ok_row = enumerator.locator(f'#checklist-form tr[data-item="{NOT_OK.value}"]')
    expect(not_ok_row).to_contain_text("不符合的项目须填写说明")
    expect(status).to_have_text("待核查")
    assert not HouseholdCheck.objects.filter(household=household).exists()
    # What was answered is still there; only the note is missing.
    expect(not_ok_row.get_by_label("不符合", exact=True)).to_be_checked()
    answer(enumerator, NOT_OK, "不符合", "院墙有裂缝,已申请危房鉴定")
    enumerator.get_by_role("button", name="提交核查").click()
    expect(enumerator.locator(".messages")).to_contain_text("核查已提交,等待数据审核人员审核")
    expect(status).to_have_text("已核查待审核")
    expect(enumerator.locator("#check")).to_contain_text("李清查")

    # -- The reviewer sends it back: not without a note.
    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    open_check(reviewer, "王建国")
    review = reviewer.locator("#review-form")
    review.get_by_label("退回修改", exact=True).check()
    review.get_by_role("button", name="提交审核结果").click()
    review = reviewer.locator("#review-form")
    expect(review).to_contain_text("退回修改须填写审核意见,说明需要修改的内容")
    expect(reviewer.locator("#check-status")).to_have_text("已核查待审核")
    review.get_by_label("审核意见").fill(SEND_BACK_NOTE)
    review.get_by_role("button", name="提交审核结果").click()
    expect(reviewer.locator(".messages")).to_contain_text("已退回普查员修改")
    expect(reviewer.locator("#check-status")).to_have_text("退回修改")
    assert HouseholdCheck.objects.get(household=household).status == CheckStatus.SENT_BACK

    # -- The enumerator reads the note, fixes the item and submits again.
    enumerator.reload()
    expect(status).to_have_text("退回修改")
    expect(enumerator.locator("#review-note")).to_have_text(SEND_BACK_NOTE)
    expect(
        enumerator.locator(f'#checklist-form tr[data-item="{NOT_OK.value}"]').get_by_label(
            "不符合", exact=True
        )
    ).to_be_checked()
    answer(enumerator, NOT_OK, "符合", "已鉴定为B级,鉴定结论已附")
    enumerator.get_by_role("button", name="修改后重新提交").click()
    expect(enumerator.locator(".messages")).to_contain_text("核查已提交")
    expect(status).to_have_text("已核查待审核")

    # -- The reviewer approves.
    reviewer.reload()
    expect(reviewer.locator("#check-status")).to_have_text("已核查待审核")
    expect(reviewer.locator("#review-note")).to_have_count(0)  # the new submission's review is new
    reviewer.locator("#review-form").get_by_label("审核通过", exact=True).check()
    reviewer.get_by_role("button", name="提交审核结果").click()
    expect(reviewer.locator(".messages")).to_contain_text("审核通过")
    expect(reviewer.locator("#check-status")).to_have_text("审核通过")
    expect(reviewer.locator("#review-form")).to_have_count(0)
    check = HouseholdCheck.objects.get(household=household)
    assert check.status == CheckStatus.APPROVED
    assert check.checklist[NOT_OK.value]["ok"] is True
    assert (check.enumerator.name, check.reviewer.name) == ("李清查", "赵审核")

    # -- The village's progress: 2 households, 1 approved, the other not yet checked.
    for page in (reviewer, enumerator):
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="普查准备").click()
        cells = page.locator('#villages tr[data-village="学田地村"] td')
        # 行政村, 在册户, 未核查, 已核查, 待审核, 审核通过, 退回修改
        expect(cells.nth(1)).to_have_text("2")
        expect(cells.nth(2)).to_have_text("1")
        expect(cells.nth(3)).to_have_text("1")
        expect(cells.nth(4)).to_have_text("0")
        expect(cells.nth(5)).to_have_text("1")
        expect(cells.nth(6)).to_have_text("0")
    # The enumerator's progress is their village's only.
    expect(enumerator.locator("#villages tbody tr")).to_have_count(1)
    expect(enumerator.locator("#total-approved")).to_have_text("1")
    # And the approved check is no longer theirs to change.
    open_check(enumerator, "王建国")
    expect(enumerator.locator("#check-status")).to_have_text("审核通过")
    expect(enumerator.locator("#checklist-form")).to_have_count(0)
    expect(
        enumerator.locator(f'#checklist-results tr[data-item="{NOT_OK.value}"]')
    ).to_contain_text("已鉴定为B级")
