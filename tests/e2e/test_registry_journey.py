"""A village cadre's and a leader's journeys through the registry, in a real browser.

The pages are driven as a user would: the login form by its labels, links
and buttons by their names, the lifting check by its ids and
``data-criterion``. Every wait is one of Playwright's auto-waiting
assertions.
"""

import re
from decimal import Decimal

from playwright.sync_api import expect

from households.models import Household, HouseholdIncome
from tests.e2e.conftest import login, submit_login

LOGIN_PATH = re.compile(r"/accounts/login/")


def income_of(case) -> HouseholdIncome:
    return HouseholdIncome.objects.get(household_id=case.pk, year=2020)


def test_cadre_finds_a_household_edits_its_income_and_sees_the_check_change(
    page, live_server, registry, tmp_path
):
    ours, theirs = registry.xuetiandi, registry.dianli

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(LOGIN_PATH)
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()
    submit_login(page, "cadre")

    # Home sends a cadre of one village to that village's list.
    expect(page).to_have_url(re.compile(r"/households/\?village=\d+$"))
    households = page.locator("#households")
    expect(households).to_contain_text(ours.head_name)
    expect(households).to_contain_text(ours.number)
    expect(households).not_to_contain_text(theirs.head_name)
    expect(households).not_to_contain_text(theirs.number)

    page.locator('input[name="q"]').fill(ours.head_name)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(households.locator("tbody tr")).to_have_count(1)

    households.get_by_role("link", name=ours.head_name).click()
    expect(page).to_have_url(re.compile(rf"/households/{ours.pk}/"))
    income = page.locator('li[data-criterion="income"]')
    expect(income).to_have_class(re.compile(r"\bfail\b"))
    expect(page.locator("#per-capita")).to_have_text("3,500.00")
    expect(page.locator("#verdict")).to_contain_text("未达标")

    page.locator("#edit-income").click()
    # The as-of date the cadre was looking at travels with the edit.
    expect(page).to_have_url(re.compile(rf"/households/{ours.pk}/income/2020/\?on=2020-05-31$"))
    page.get_by_label("工资性收入").fill("9000")
    page.get_by_role("button", name="保存").click()

    # Back on the household page: 9,000 for 2 persons is 4,500 >= 4,000.
    expect(page).to_have_url(re.compile(rf"/households/{ours.pk}/\?on=2020-05-31$"))
    expect(page.locator(".messages")).to_contain_text("2020年收入已保存")
    screenshot = tmp_path / "household-after-income-edit.png"
    page.screenshot(path=screenshot, full_page=True)
    seen = f"final page: {screenshot}"
    expect(income, seen).to_have_class(re.compile(r"\bpass\b"))
    expect(page.locator("#per-capita"), seen).to_have_text("4,500.00")
    expect(page.locator("#verdict"), seen).to_contain_text("全部达标")
    assert income_of(ours).wage_income == Decimal(9000), seen


def test_cadre_opening_another_villages_household_gets_not_found(page, live_server, registry):
    theirs = registry.dianli
    before = (income_of(theirs).wage_income, Household.objects.get(pk=theirs.pk).version)
    login(page, live_server, "cadre")

    for path in (
        f"/households/{theirs.pk}/",
        f"/households/{theirs.pk}/edit/",
        f"/households/{theirs.pk}/income/2020/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 404, path
        expect(page).to_have_title(re.compile("页面不存在"))
        expect(page.locator("main")).not_to_contain_text(theirs.head_name)

    # A forged save (valid session and CSRF token, the household's version)
    # is not found either, and changes nothing.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/households/{theirs.pk}/income/2020/",
        form={
            "csrfmiddlewaretoken": csrf,
            "version": str(before[1]),
            "assessed_on": "2020-05-31",
            "wage_income": "99999",
        },
    )
    assert response.status == 404
    after = (income_of(theirs).wage_income, Household.objects.get(pk=theirs.pk).version)
    assert after == before


def test_leader_reads_but_cannot_edit(page, live_server, registry):
    case = registry.xuetiandi
    login(page, live_server, "leader")
    expect(page).to_have_url(re.compile(r"/overview/$"))

    page.goto(f"{live_server.url}/households/{case.pk}/")
    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(case.head_name)
    expect(page.locator("#edit-income")).to_have_count(0)

    response = page.goto(f"{live_server.url}/households/{case.pk}/income/2020/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("没有权限")
    expect(page.locator("form.card")).to_have_count(0)


def test_second_editor_is_refused_and_first_save_is_kept(new_page, live_server, registry):
    case = registry.xuetiandi
    edit_url = f"{live_server.url}/households/{case.pk}/income/2020/"
    first, second = new_page(), new_page()
    for editor in (first, second):
        login(editor, live_server, "cadre")
        editor.goto(edit_url)
        expect(editor.get_by_label("工资性收入")).to_have_value("7000.00")

    first.get_by_label("工资性收入").fill("9000")
    first.get_by_role("button", name="保存").click()
    expect(first.locator(".messages")).to_contain_text("2020年收入已保存")

    second.get_by_label("工资性收入").fill("5000")
    second.get_by_role("button", name="保存").click()
    expect(second.get_by_role("alert")).to_contain_text("已被他人修改")
    expect(second).to_have_url(edit_url)
    # Nothing the second editor typed is lost: the form shows it again.
    expect(second.get_by_label("工资性收入")).to_have_value("5000")
    assert income_of(case).wage_income == Decimal(9000)


def test_logout_requires_post_and_ends_the_session(page, live_server, registry):
    login(page, live_server, "cadre")

    # A link (GET) cannot log anyone out. The 405 has no body, which
    # Chromium refuses to navigate to: ask with the page's cookies instead.
    response = page.request.get(f"{live_server.url}/accounts/logout/", max_redirects=0)
    assert response.status == 405
    page.goto(f"{live_server.url}/households/")
    expect(page.locator("#households")).to_contain_text(registry.xuetiandi.head_name)

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(LOGIN_PATH)
    expect(page.get_by_label("用户名")).to_be_visible()

    page.goto(f"{live_server.url}/households/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/households/$"))
