"""Landing and corrections in a real browser: each role lands on its work
after login; an enumerator confirms a checklist with 全部符合 and the
reviewer works it off the 待审核 queue; the town administrator is refused a
leave in the future, then corrects a wrong leave with a reason that the
household's history shows."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from census.models import CheckStatus, HouseholdCheck
from census.rules import CheckItem
from households.models import Member
from measures.models import ResponsiblePerson
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town(registry):
    # The responsible person of the ``helper`` login (the demo links one by its position).
    ResponsiblePerson.objects.get_or_create(
        user=get_user_model().objects.get(username="helper"),
        defaults={"name": "孙帮扶", "position": "干部"},
    )
    return registry


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("admin", "households:overview", "全镇概况"),
        ("leader", "households:overview", "全镇概况"),
        ("reviewer", "census:queue", "待审核的核查"),
        ("enumerator", "census:village", "学田地村:普查核查"),
        ("cadre", "households:list", "建档立卡户"),
        ("helper", "measures:my_households", "我的帮扶户"),
        ("sysadmin", "admin:index", "数据管理"),
        ("secadmin", "admin:index", "数据管理"),
        ("auditor", "audit:list", "审计记录"),
    ],
)
def test_each_role_lands_on_its_work(page, live_server, town, username, path, heading):
    login(page, live_server, username)
    args = [town.xuetiandi.household.village_id] if path == "census:village" else []
    url = f"{live_server.url}{reverse(path, args=args)}"
    if path == "households:list":  # the cadre's list is their village's
        url += f"?village={town.xuetiandi.household.village_id}"
    expect(page).to_have_url(url)
    expect(page.locator("h1").first).to_contain_text(heading)
    expect(page.locator("body")).not_to_contain_text("尚未分配负责的村")


def test_the_reviewer_works_the_queue(new_page, live_server, town):
    household = town.xuetiandi.household
    enumerator = new_page()
    login(enumerator, live_server, "enumerator")
    enumerator.locator("#households").get_by_role("link", name="王建国").click()
    form = enumerator.locator("#checklist-form")
    # 全部符合 marks every item not answered; the one marked 不符合 stays and needs its note.
    housing = form.locator(f'tr[data-item="{CheckItem.HOUSING.value}"]')
    housing.get_by_label("不符合", exact=True).check()
    enumerator.get_by_role("button", name="全部符合").click()
    for item in CheckItem:
        row = form.locator(f'tr[data-item="{item.value}"]')
        choice = "不符合" if item == CheckItem.HOUSING else "符合"
        expect(row.get_by_label(choice, exact=True)).to_be_checked()
    enumerator.get_by_role("button", name="提交核查").click()
    expect(housing).to_contain_text("不符合的项目须填写说明")
    assert not HouseholdCheck.objects.exists()
    housing.get_by_placeholder("不符合时必填").fill("院墙有裂缝,已申请危房鉴定")
    enumerator.get_by_role("button", name="提交核查").click()
    expect(enumerator.locator(".messages")).to_contain_text("核查已提交")

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    queue = reviewer.locator("#queue")
    expect(queue.locator(f'tr[data-household="{household.number}"]')).to_be_visible()
    expect(reviewer.locator("#queue-count")).to_have_text("共 1 户待审核")
    queue.get_by_role("link", name="审核").click()
    reviewer.locator("#review-form").get_by_label("审核通过", exact=True).check()
    reviewer.get_by_role("button", name="提交审核结果").click()
    expect(reviewer.locator("#check-status")).to_have_text("审核通过")
    assert HouseholdCheck.objects.get(household=household).status == CheckStatus.APPROVED
    reviewer.get_by_role("link", name="← 待审核").click()
    expect(reviewer.locator("#queue")).to_contain_text("没有待审核的核查")
    # Every 待审核 count leads here: the progress page's figure.
    reviewer.get_by_role("link", name="核查进度").click()
    expect(reviewer.locator("#total-awaiting")).to_have_text("0")


def test_a_wrong_leave_is_corrected_with_a_reason(page, live_server, town):
    household = town.xuetiandi.household
    spouse = household.members.get(name="李秀英")
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}{reverse('households:detail', args=[household.pk])}")
    row = page.locator("#members tr", has_text="李秀英")

    # A leave in the future is refused.
    row.get_by_role("link", name="减员", exact=True).click()
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label("减员日期").fill(tomorrow.isoformat())
    page.get_by_label("减员原因").select_option(label="迁出")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("不能晚于今天")
    # Entered by mistake on a past date: saved, the member has left.
    page.get_by_label("减员日期").fill("2020-03-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已减员")
    assert Member.objects.get(pk=spouse.pk).left_on is not None

    # The administrator undoes it, saying why.
    row.get_by_role("link", name="更正增减员").click()
    page.get_by_label("减员日期").fill("")
    page.get_by_label("更正原因").fill("误录减员,该成员仍在户")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已更正")
    expect(row).not_to_have_class("left")
    assert Member.objects.get(pk=spouse.pk).left_on is None
    expect(page.locator("#history")).to_contain_text("更正:误录减员,该成员仍在户")


def test_the_group_choice_follows_the_chosen_village(page, live_server, town):
    from tests.factories import GroupFactory

    for village, names in (
        (town.xuetiandi.household.village, ["一组", "二组"]),
        (town.dianli.household.village, ["三组"]),
    ):
        for number, name in enumerate(names, start=1):
            GroupFactory(village=village, name=name, number=number)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}{reverse('households:list')}")
    village = page.locator("form.filters select[name=village]")
    group = page.locator("form.filters select[name=group]")
    village.select_option(label="点力村")
    expect(group.locator("option")).to_have_text(["---------", "三组"])
    village.select_option(label="学田地村")
    expect(group.locator("option")).to_have_text(["---------", "一组", "二组"])
    group.select_option(label="二组")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("form.filters select[name=group]")).to_have_value(
        str(town.xuetiandi.household.village.groups.get(name="二组").pk)
    )
