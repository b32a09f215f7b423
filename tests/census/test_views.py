"""The census pages per role: progress, organisation, a village's list, the
worklist, the household's check with its workflow, the export; scoping (404),
read-only roles (403), pinned query counts."""

from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from census import rules
from census.models import CensusStaff, CheckStatus, GroupMember, HouseholdCheck, WorkingGroup
from census.rules import RuleCode
from census.services import CONCURRENT_CHECK_ERROR
from households.models import Member
from tests.census.conftest import make_household
from tests.factories import MemberFactory, id_number

pytestmark = pytest.mark.django_db


def household_url(household, name="census:household"):
    return reverse(name, kwargs={"pk": household.pk})


def checklist_post(version=0, **not_ok):
    data = {"version": version}
    for item in rules.CheckItem:
        data[f"{item.value}_ok"] = "no" if item.value in not_ok else "yes"
        data[f"{item.value}_note"] = not_ok.get(item.value, "")
    return data


def submitted(client, household, version=0, **not_ok):
    return client.post(household_url(household, "census:submit"), checklist_post(version, **not_ok))


def table(response, element_id):
    content = response.content.decode()
    start = content.index(f'id="{element_id}"')
    return content[start : content.index("</table>", start)]


# -- progress and organisation -------------------------------------------------


def test_enumerator_sees_the_progress_of_their_village_only(town, client_for):
    response = client_for("enumerator").get(reverse("census:progress"))
    rows = table(response, "villages")
    assert "学田地村" in rows and "点力村" not in rows


def test_reviewer_sees_every_village(town, client_for):
    rows = table(client_for("reviewer").get(reverse("census:progress")), "villages")
    assert "学田地村" in rows and "点力村" in rows


def test_progress_figures_follow_the_workflow(town, client_for):
    own = town["household"]
    village = own.village
    second, third = make_household(village, "孙有才"), make_household(village, "李满仓")
    enumerator, reviewer = client_for("enumerator"), client_for("reviewer")
    for household in (own, second, third):
        assert submitted(enumerator, household).status_code == 302
    reviewer.post(household_url(own, "census:review"), {"action": "approve", "version": 1})
    reviewer.post(
        household_url(second, "census:review"),
        {"action": "send_back", "note": "人口有误", "version": 1},
    )
    second.members.filter(relation="head").update(deceased_on=date(2020, 2, 1))

    response = client_for("leader").get(reverse("census:progress"))
    row = response.context["rows"][[r.village for r in response.context["rows"]].index(village)]
    assert (row.households, row.checked, row.approved, row.sent_back) == (3, 2, 1, 1)
    assert (row.awaiting_review, row.not_checked) == (1, 1)
    assert row.open_violations == 1 and row.violations_by_rule[RuleCode.DECEASED_REGISTERED] == 1
    total = response.context["total"]
    assert (total.households, total.checked, total.approved) == (4, 2, 1)


def test_progress_query_count_does_not_grow_with_households(
    town, client_for, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for("reviewer")
    url = reverse("census:progress")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the first request moves the session's expiry (once a minute)
    few = count()
    village = town["household"].village
    # Written as by a request: the village's progress is counted again on commit.
    with django_capture_on_commit_callbacks(execute=True):
        for k in range(6):
            household = make_household(village, f"户{k}")
            HouseholdCheck.objects.create(household=household)
    assert count() == few


def test_organisation_shows_groups_duties_and_staff(town, client_for):
    village = town["household"].village
    leading = WorkingGroup.objects.create(
        town=village.town, name="普查领导小组", kind="leading", duties="统一领导普查"
    )
    GroupMember.objects.create(group=leading, name="高镇长", position="镇长", role="leader")
    WorkingGroup.objects.create(
        town=village.town, name="数据处理组", kind="working", parent=leading, duties="比对数据"
    )
    CensusStaff.objects.create(name="周清查", role="enumerator", village=village)
    CensusStaff.objects.create(name="吴审核", role="reviewer")

    content = client_for("enumerator").get(reverse("census:organisation")).content.decode()
    for text in (
        "普查领导小组",
        "统一领导普查",
        "高镇长",
        "数据处理组",
        "比对数据",
        "周清查",
        "吴审核",
    ):
        assert text in content
    assert reverse("admin:census_workinggroup_changelist") not in content
    admin_page = client_for("admin").get(reverse("census:organisation")).content.decode()
    assert reverse("admin:census_workinggroup_changelist") in admin_page


def test_nav_link_is_shown_to_census_roles_only(town, client_for):
    link = f'href="{reverse("census:progress")}"'
    assert link in client_for("enumerator").get(reverse("households:list")).content.decode()
    assert link not in client_for("cadre").get(reverse("households:list")).content.decode()


# -- scope -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["census:village", "census:worklist"])
def test_enumerator_cannot_open_another_village(town, client_for, name):
    other = town["other_household"].village
    response = client_for("enumerator").get(reverse(name, kwargs={"pk": other.pk}))
    assert response.status_code == 404


def test_enumerator_cannot_open_or_check_another_villages_household(town, client_for):
    client = client_for("enumerator")
    other = town["other_household"]
    assert client.get(household_url(other)).status_code == 404
    assert submitted(client, other).status_code == 404
    assert not HouseholdCheck.objects.exists()


def test_enumerator_cannot_check_a_household_they_help_elsewhere(town, client_for):
    # A household visible to the user as its responsible person is no census work of theirs.
    from measures.models import Assignment, ResponsiblePerson

    enumerator = get_user_model().objects.get(username="enumerator")
    person = ResponsiblePerson.objects.create(name="普查员兼帮扶", position="干部", user=enumerator)
    Assignment.objects.create(
        household=town["other_household"], person=person, started_on=date(2020, 1, 1)
    )
    client = client_for("enumerator")
    assert (
        client.get(reverse("households:detail", args=[town["other_household"].pk])).status_code
        == 200
    )
    assert client.get(household_url(town["other_household"])).status_code == 404


def test_a_village_outside_the_scope_is_not_exported(town, client_for):
    other = town["other_household"].village
    response = client_for("enumerator").get(reverse("census:export"), {"village": other.pk})
    assert response.status_code == 404


# -- the workflow on the pages -----------------------------------------------------


def test_enumerator_submits_and_reviewer_approves(town, client_for):
    household = town["household"]
    enumerator = client_for("enumerator")
    page = enumerator.get(household_url(household)).content.decode()
    assert 'id="checklist-form"' in page and "不愁吃" in page and "家庭成员信息" in page

    response = submitted(enumerator, household, housing="C级危房,修缮中")
    assert response.status_code == 302
    check = HouseholdCheck.objects.get()
    assert check.status == CheckStatus.CHECKED
    assert check.checklist["housing"] == {"ok": False, "note": "C级危房,修缮中"}

    reviewer = client_for("reviewer")
    assert 'id="review-form"' in reviewer.get(household_url(household)).content.decode()
    response = reviewer.post(
        household_url(household, "census:review"), {"action": "approve", "version": 1}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED
    page = enumerator.get(household_url(household)).content.decode()
    assert 'id="checklist-form"' not in page and "审核通过" in page


def test_an_item_not_ok_without_a_note_is_refused_on_its_field(town, client_for):
    data = checklist_post(water="x")
    data["water_note"] = ""
    del data["food_ok"]
    response = client_for("enumerator").post(
        household_url(town["household"], "census:submit"), data
    )
    assert response.status_code == 200
    form = response.context["checklist_form"]
    assert form.errors["water_note"] == [str(rules.CHECKLIST_ERROR_NOTE)]
    assert form.errors["food_ok"] == [str(rules.CHECKLIST_ERROR_MISSING)]
    assert "不符合的项目须填写说明" in response.content.decode()
    assert not HouseholdCheck.objects.exists()


def test_send_back_needs_a_note_then_the_enumerator_fixes_and_resubmits(town, client_for):
    household = town["household"]
    enumerator, reviewer = client_for("enumerator"), client_for("reviewer")
    submitted(enumerator, household)
    review = household_url(household, "census:review")

    response = reviewer.post(review, {"action": "send_back", "note": "", "version": 1})
    assert response.status_code == 200
    assert "退回修改须填写审核意见" in response.content.decode()
    assert HouseholdCheck.objects.get().status == CheckStatus.CHECKED

    reviewer.post(review, {"action": "send_back", "note": "家庭人口与户口簿不符", "version": 1})
    check = HouseholdCheck.objects.get()
    assert check.status == CheckStatus.SENT_BACK
    page = enumerator.get(household_url(household)).content.decode()
    assert "家庭人口与户口簿不符" in page and "修改后重新提交" in page

    assert submitted(enumerator, household, version=2).status_code == 302
    check.refresh_from_db()
    assert (check.status, check.review_note) == (CheckStatus.CHECKED, "")
    history = client_for("reviewer").get(household_url(household)).content.decode()
    assert "家庭人口与户口簿不符" in table_text(history, "check-history")


def table_text(content, element_id):
    start = content.index(f'id="{element_id}"')
    return content[start : content.index("</table>", start)]


def test_read_only_and_other_roles_cannot_act(town, client_for):
    household = town["household"]
    assert submitted(client_for("leader"), household).status_code == 403
    assert submitted(client_for("reviewer"), household).status_code == 403
    submitted(client_for("enumerator"), household)
    review = household_url(household, "census:review")
    for role in ("leader", "enumerator"):
        response = client_for(role).post(review, {"action": "approve", "version": 1})
        assert response.status_code == 403
    assert HouseholdCheck.objects.get().status == CheckStatus.CHECKED
    page = client_for("leader").get(household_url(household)).content.decode()
    assert "checklist-form" not in page and "review-form" not in page


def test_a_double_post_is_saved_once(town, client_for):
    client = client_for("enumerator")
    household = town["household"]
    assert submitted(client, household).status_code == 302
    assert submitted(client, household).status_code == 302
    check = HouseholdCheck.objects.get()
    assert (check.version, check.history.count()) == (1, 1)


def test_a_stale_page_is_refused_with_a_message(town, client_for):
    household = town["household"]
    submitted(client_for("enumerator"), household)
    submitted(client_for("admin"), household, version=1, food="缺粮")
    response = submitted(client_for("enumerator"), household, version=1, water="浑浊")
    assert response.status_code == 200
    assert str(CONCURRENT_CHECK_ERROR)[:20] in response.content.decode()
    assert HouseholdCheck.objects.get().checklist["water"]["ok"] is True


# -- findings and worklist ---------------------------------------------------------


def test_household_page_shows_findings_with_links_to_fix(town, client_for):
    household = town["household"]
    head = household.members.get(relation="head")
    Member.objects.filter(pk=head.pk).update(deceased_on=date(2020, 1, 16))
    household.incomes.all().delete()

    admin_page = client_for("admin").get(household_url(household)).content.decode()
    findings = admin_page[admin_page.index('id="findings"') :]
    assert "R08 已死亡成员仍在册" in findings and "R10 年度收入未录入" in findings
    assert reverse("households:member_leave", args=[household.pk, head.pk]) in findings
    assert reverse("households:income", args=[household.pk, 2020]) in findings

    # The enumerator edits nothing of the registry: they are sent to the household's page.
    page = client_for("enumerator").get(household_url(household)).content.decode()
    assert reverse("households:member_leave", args=[household.pk, head.pk]) not in page
    assert reverse("households:detail", args=[household.pk]) in page


def test_worklist_groups_households_by_rule(town, client_for):
    household = town["household"]
    household.members.filter(relation="head").update(deceased_on=date(2020, 1, 16))
    clean = make_household(household.village, "王清白")
    response = client_for("enumerator").get(reverse("census:worklist", args=[household.village_id]))
    content = response.content.decode()
    section = content[content.index('id="rule-R08"') :]
    assert household.number in section and clean.number not in content
    assert "请在动态调整时办理减员" in section


def test_worklist_without_problems(town, client_for):
    response = client_for("reviewer").get(
        reverse("census:worklist", args=[town["household"].village_id])
    )
    assert 'id="no-problems"' in response.content.decode()


def test_worklist_and_village_query_counts_do_not_grow(town, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    village = town["household"].village
    client = client_for("enumerator")
    urls = [
        reverse("census:worklist", args=[village.pk]),
        reverse("census:village", args=[village.pk]),
        reverse("census:village", args=[village.pk]) + "?rule=R05",
    ]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    counts()  # the first request moves the session's expiry (once a minute)
    few = counts()
    for k in range(6):
        household = make_household(village, f"户{k}")
        household.incomes.all().delete()
        household.members.filter(relation="head").update(deceased_on=date(2020, 1, 1))
        HouseholdCheck.objects.create(household=household)
    assert counts() == few


def test_village_list_filters_by_status_and_rule(town, client_for):
    household = town["household"]
    second = make_household(household.village, "孙有才")
    second.incomes.all().delete()
    client = client_for("enumerator")
    submitted(client, household)
    url = reverse("census:village", args=[household.village_id])

    def numbers(**params):
        return {h.number for h in client.get(url, params).context["page"]}

    assert numbers() == {household.number, second.number}
    assert numbers(status="checked") == {household.number}
    assert numbers(status="pending") == {second.number}
    assert numbers(rule="R10") == {second.number}
    assert numbers(rule="R99") == {household.number, second.number}  # unknown: not applied


def test_invalid_id_number_shows_in_the_list_and_its_filter(town, client_for):
    household = town["household"]
    spouse = household.members.get(relation="spouse")
    wrong = spouse.id_number[:17] + ("1" if spouse.id_number[17] != "1" else "2")
    Member.objects.filter(pk=spouse.pk).update(id_number=wrong)
    url = reverse("census:village", args=[household.village_id])
    response = client_for("enumerator").get(url, {"rule": "R05"})
    (row,) = response.context["page"]
    assert row.pk == household.pk and row.codes == [RuleCode.INVALID_ID]


# -- export --------------------------------------------------------------------


def rows_of(response):
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_has_one_row_per_member_with_masked_id_numbers(town, client_for):
    household = town["household"]
    MemberFactory(
        household=household,
        name='=HYPERLINK("http://x")',
        relation="child",
        id_number=id_number(date(2012, 1, 1)),
        joined_on=date(2012, 1, 1),
    )
    response = client_for("enumerator").get(reverse("census:export"))
    assert response.status_code == 200
    rows = rows_of(response)
    header = rows[0]
    name_col, id_col = header.index("姓名"), header.index("身份证号")
    data = rows[1:]
    assert {r[header.index("户编号")] for r in data} == {household.number}  # own village only
    assert len(data) == 3
    numbers = {m.name: m.id_number for m in household.members.all()}
    for row in data:
        number = numbers[row[name_col].removeprefix("'")]
        assert row[id_col] == number[:6] + "********" + number[-4:]
    assert data[0][header.index("与户主关系")] == "户主"
    assert '\'=HYPERLINK("http://x")' in [r[name_col] for r in data]
    assert data[0][header.index("核查状态")] == "待核查"


def test_full_id_numbers_need_the_reveal_permission(town, client_for):
    url = reverse("census:export") + "?ids=full"
    assert client_for("enumerator").get(url).status_code == 403
    response = client_for("admin").get(url)
    head = town["household"].members.get(relation="head")
    assert head.id_number in [
        row[rows_of(response)[0].index("身份证号")] for row in rows_of(response)
    ]


def test_export_shows_the_check_and_the_problems(town, client_for):
    household = town["household"]
    household.incomes.all().delete()
    submitted(client_for("enumerator"), household)
    rows = rows_of(
        client_for("reviewer").get(reverse("census:export"), {"village": household.village_id})
    )
    header, first = rows[0], rows[1]
    assert first[header.index("核查状态")] == "已核查待审核"
    assert first[header.index("数据质量问题")] == "R10 年度收入未录入"


def test_export_query_count_does_not_grow_with_rows(town, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("reviewer")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("census:export")).status_code == 200
        return len(queries)

    count()  # the first request moves the session's expiry (once a minute)
    few = count()
    for k in range(5):
        household = make_household(town["household"].village, f"户{k}")
        HouseholdCheck.objects.create(household=household)
    assert count() == few


def test_a_household_no_longer_registered_is_not_checked(town, client_for):
    household = town["household"]
    household.status_periods.update(valid_to=date(2020, 3, 1))
    household.status_periods.create(status="natural", valid_from=date(2020, 3, 1), reason="死亡")
    client = client_for("enumerator")
    page = client.get(household_url(household)).content.decode()
    assert "checklist-form" not in page and "不是在册建档立卡户" in page
    response = submitted(client, household)
    assert response.status_code == 200
    assert "该户在查询日不是在册建档立卡户,不需要核查" in response.content.decode()
    assert not HouseholdCheck.objects.exists()


def test_every_export_is_audited(town, client_for):
    from audit.models import AuditEntry

    client_for("reviewer").get(reverse("census:export"), {"village": town["household"].village_id})
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.user.username == "reviewer"
    assert entry.detail["view"] == "census:export" and entry.detail["full_ids"] is False
    assert entry.count == 2  # two members of the village's one household
