"""The registry pages: scoping, search, export, the check, edits, history, query counts."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households.models import Household, HouseholdIncome, IdNumberReveal, Member
from tests.factories import MemberFactory
from tests.households.conftest import make_household

pytestmark = pytest.mark.django_db


def detail(household):
    return reverse("households:detail", kwargs={"pk": household.pk})


def income_url(household, year=2020):
    return reverse("households:income", kwargs={"pk": household.pk, "year": year})


def income_post(household, *, wage, version):
    income = household.incomes.get(year=2020)
    data = dict.fromkeys(HouseholdIncome.MONEY_FIELDS, "0")
    data.update(assessed_on=income.assessed_on.isoformat(), wage_income=wage, version=version)
    return data


# -- home ---------------------------------------------------------------------


def test_cadre_lands_on_their_village(town, client_for):
    response = client_for("cadre").get("/")
    assert response.status_code == 302
    village = town["household"].village
    assert response["Location"] == f"{reverse('households:list')}?village={village.pk}"


def test_leader_lands_on_the_town_overview(town, client_for):
    response = client_for("leader").get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("households:overview")
    assert "全镇概况" in response.content.decode()


def test_login_page_speaks_chinese(client):
    content = client.get(reverse("login")).content.decode()
    assert "用户名" in content and "密码" in content and "登录" in content


# -- list, search, export -------------------------------------------------------


def test_cadre_list_shows_only_their_village(town, client_for):
    content = client_for("cadre").get(reverse("households:list")).content.decode()
    assert town["household"].number in content
    assert town["other_household"].number not in content


def test_search_by_id_number_with_spaces_and_full_width_digits(town, client_for):
    head = town["household"].members.get(relation="head")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in head.id_number)
    query = f" {fullwidth[:6]} {fullwidth[6:]} "
    content = client_for("cadre").get(reverse("households:list"), {"q": query}).content.decode()
    assert town["household"].number in content


def test_search_cannot_find_another_villages_household(town, client_for):
    other_head = town["other_household"].members.get(relation="head")
    for query in (other_head.name, other_head.id_number, town["other_household"].number):
        response = client_for("cadre").get(reverse("households:list"), {"q": query})
        table = response.content.decode().split("<tbody>")[1]
        assert town["other_household"].number not in table
        assert "没有符合条件的户" in table


def test_asking_for_another_village_in_the_list_or_export_is_not_found(town, client_for):
    other_village = town["other_household"].village_id
    client = client_for("cadre")
    assert client.get(reverse("households:list"), {"village": other_village}).status_code == 404
    assert client.get(reverse("households:export"), {"village": other_village}).status_code == 404


def test_removed_households_leave_the_default_list(town, client_for):
    from assessment.services import household_change_status

    household_change_status(
        household=town["household"], status="cleared", on=date(2020, 5, 1), reason="错评"
    )
    client = client_for("admin")
    assert town["household"].number not in client.get(reverse("households:list")).content.decode()
    cleared = client.get(reverse("households:list"), {"status": "cleared"}).content.decode()
    assert town["household"].number in cleared


def test_filter_by_check_result(town, client_for):
    client = client_for("admin")
    below = client.get(reverse("households:list"), {"check": "fails_income"}).content.decode()
    assert town["household"].number in below  # 3,500 per capita
    passes = client.get(reverse("households:list"), {"check": "passes"}).content.decode()
    assert town["household"].number not in passes


def test_filter_by_income_range(town, client_for):
    client = client_for("admin")
    content = client.get(reverse("households:list"), {"income_min": "3000", "income_max": "4000"})
    assert town["household"].number in content.content.decode()
    content = client.get(reverse("households:list"), {"income_min": "3600"})
    assert town["household"].number not in content.content.decode()


def test_export_is_masked_scoped_and_neutralises_formulas(town, client_for):
    head = town["household"].members.get(relation="head")
    Member.objects.filter(pk=head.pk).update(name='=HYPERLINK("http://x","y")')
    response = client_for("cadre").get(reverse("households:export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the cadre's one household
    text = " ".join(str(v) for row in rows for v in row)
    assert head.id_number not in text
    assert head.id_number[:6] + "********" + head.id_number[-4:] in text
    name_cell = rows[1][3]
    assert name_cell.startswith("'=")
    assert town["other_household"].number not in text


# -- household page -------------------------------------------------------------


def test_household_page_shows_the_check_with_reasons(town, client_for):
    content = client_for("cadre").get(detail(town["household"])).content.decode()
    assert 'data-criterion="income"' in content
    assert "人均纯收入3,500.00元,低于2020年贫困线4,000.00元(差500.00元)" in content
    assert "1项未达标" in content


def test_household_page_never_shows_full_id_numbers(town, client_for):
    household = town["household"]
    content = client_for("admin").get(detail(household)).content.decode()
    for member in household.members.all():
        assert member.id_number not in content
        assert member.masked_id_number in content


def test_revealing_an_id_number_is_recorded(town, client_for):
    head = town["household"].members.get(relation="head")
    url = reverse("households:reveal_id", kwargs={"pk": town["household"].pk, "member_pk": head.pk})
    response = client_for("cadre").post(url)
    assert head.id_number in response.content.decode()
    reveal = IdNumberReveal.objects.get()
    assert (reveal.user.username, reveal.member) == ("cadre", head)


def test_leader_cannot_reveal_and_nothing_is_recorded(town, client_for):
    head = town["household"].members.get(relation="head")
    url = reverse("households:reveal_id", kwargs={"pk": town["household"].pk, "member_pk": head.pk})
    assert client_for("leader").post(url).status_code == 403
    assert not IdNumberReveal.objects.exists()


# -- edits ----------------------------------------------------------------------


def test_editing_income_changes_the_check(town, client_for):
    household = town["household"]
    client = client_for("cadre")
    response = client.post(
        income_url(household), income_post(household, wage="9000", version=household.version)
    )
    assert response.status_code == 302
    content = client.get(detail(household)).content.decode()
    assert "全部达标" in content
    assert household.incomes.get(year=2020).wage_income == Decimal("9000")


def test_second_save_from_the_same_version_is_refused(town, client_for):
    household = town["household"]
    version = household.version
    first, second = client_for("cadre"), client_for("admin")
    assert first.post(income_url(household), income_post(household, wage="9000", version=version))
    response = second.post(
        income_url(household), income_post(household, wage="5000", version=version)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "已被他人修改" in content
    assert 'value="5000"' in content  # what the second editor typed is still there
    assert household.incomes.get(year=2020).wage_income == Decimal("9000")


def test_a_cadre_cannot_post_to_another_villages_household(town, client_for):
    other = town["other_household"]
    response = client_for("cadre").post(
        income_url(other), income_post(other, wage="99999", version=other.version)
    )
    assert response.status_code == 404
    assert other.incomes.get(year=2020).wage_income == Decimal("7000")


def test_adding_a_member_with_a_bad_id_number_saves_nothing(town, client_for):
    household = town["household"]
    url = reverse("households:member_add", kwargs={"pk": household.pk})
    response = client_for("cadre").post(
        url,
        {
            "name": "赵小宝",
            "id_number": "1.50927E+17",
            "relation": "child",
            "health": "healthy",
            "labour": "none",
            "school_status": "not_student",
            "medical_insurance": "resident",
            "joined_on": "2020-06-01",
            "join_reason": "birth",
            "version": household.version,
        },
    )
    assert response.status_code == 200
    assert "科学计数法" in response.content.decode()
    assert household.members.count() == 2


def test_member_leaves_with_date_and_reason_and_stays_in_history(town, client_for):
    household = town["household"]
    spouse = household.members.get(relation="spouse")
    url = reverse("households:member_leave", kwargs={"pk": household.pk, "member_pk": spouse.pk})
    response = client_for("cadre").post(
        url, {"left_on": "2020-06-15", "reason": "death", "version": household.version}
    )
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert (spouse.left_on, spouse.leave_reason, spouse.deceased_on) == (
        date(2020, 6, 15),
        "death",
        date(2020, 6, 15),
    )
    content = client_for("cadre").get(detail(household)).content.decode()
    assert "减员日期" in content and "学田地村村干部" in content  # history: who and what


def test_lifting_is_refused_on_the_page_with_the_failing_criteria(town, client_for):
    household = town["household"]
    url = reverse("households:status", kwargs={"pk": household.pk})
    response = client_for("cadre").post(
        url,
        {
            "status": "1",
            "valid_from": "2020-06-01",
            "reason": "申请脱贫",
            "version": household.version,
        },
    )
    assert response.status_code == 200
    assert "不符合脱贫标准" in response.content.decode()
    assert "收入未达标" in response.content.decode()
    assert household.status_periods.count() == 1


def test_history_shows_who_changed_what_with_masked_id_numbers(town, client_for):
    household = town["household"]
    head = household.members.get(relation="head")
    old = head.id_number
    new = MemberFactory.build().id_number
    url = reverse("households:member_edit", kwargs={"pk": household.pk, "member_pk": head.pk})
    data = {
        "name": head.name,
        "id_number": new,
        "relation": "head",
        "ethnicity": "汉族",
        "health": "healthy",
        "labour": "ordinary",
        "school_status": "not_student",
        "medical_insurance": "resident",
        "joined_on": head.joined_on.isoformat(),
        "join_reason": "identified",
        "version": household.version,
    }
    assert client_for("cadre").post(url, data).status_code == 302
    content = client_for("admin").get(detail(household)).content.decode()
    assert old not in content and new not in content
    assert f"{old[:6]}********{old[-4:]} → {new[:6]}********{new[-4:]}" in content
    assert "学田地村村干部" in content


def test_blank_id_number_on_edit_keeps_the_stored_one(town, client_for):
    household = town["household"]
    head = household.members.get(relation="head")
    url = reverse("households:member_edit", kwargs={"pk": household.pk, "member_pk": head.pk})
    form_page = client_for("cadre").get(url).content.decode()
    assert head.id_number not in form_page  # the full number is never sent to the browser
    data = {
        "name": "赵永福",
        "id_number": "",
        "relation": "head",
        "ethnicity": "汉族",
        "health": "chronic",
        "illness": "高血压",
        "labour": "weak",
        "school_status": "not_student",
        "medical_insurance": "resident",
        "joined_on": head.joined_on.isoformat(),
        "join_reason": "identified",
        "version": household.version,
    }
    assert client_for("cadre").post(url, data).status_code == 302
    head.refresh_from_db()
    assert head.health == "chronic"
    assert head.id_number == Member.objects.get(pk=head.pk).id_number


# -- query counts -----------------------------------------------------------------


def grow(village, n):
    for i in range(n):
        make_household(village, f"户主{i}")


def test_list_query_count_does_not_grow_with_rows(town, client_for, django_assert_num_queries):
    client = client_for("cadre")
    url = reverse("households:list")
    client.get(url)  # warm the session and permission caches
    # 11: the groups of the villages, for the group choice that follows the village.
    with django_assert_num_queries(11):
        client.get(url)
    grow(town["household"].village, 25)
    with django_assert_num_queries(11):
        response = client.get(url)
    assert response.content.decode().count('href="/households/') >= 2 * 26


#: The household page's queries: 20 with no monitoring case, 22 with cases (their
#: risks and their steps, however many cases and steps).
PAGE_QUERIES = 20
PAGE_QUERIES_WITH_CASES = PAGE_QUERIES + 2


def _case(household, state, intake_on, steps=()):
    from django.contrib.auth import get_user_model

    from monitoring.choices import Category, Channel, RiskType
    from monitoring.models import CaseRisk, CaseStep, MonitoringCase

    case = MonitoringCase.objects.create(
        household=household,
        category=Category.UNSTABLE,
        channel=Channel.VISIT,
        intake_on=intake_on,
        home_check_due=intake_on,
        deadline=intake_on,
        state=state,
    )
    CaseRisk.objects.create(case=case, risk=RiskType.ILLNESS)
    CaseRisk.objects.create(case=case, risk=RiskType.SCHOOLING)
    actor = get_user_model().objects.get(username="cadre")
    for kind, on, before, after in steps:
        CaseStep.objects.create(
            case=case, kind=kind, on=on, state_before=before, state_after=after, actor=actor
        )
    return case


def test_household_page_query_count_is_fixed(town, client_for, django_assert_num_queries):
    from monitoring.choices import CaseState, StepKind

    client = client_for("cadre")
    household = town["household"]
    client.get(detail(household))
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(detail(household))
    for i in range(5):
        MemberFactory(household=household, name=f"子女{i}", relation="child")
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(detail(household))
    _case(household, CaseState.INTAKE, date(2020, 5, 6))
    with django_assert_num_queries(PAGE_QUERIES_WITH_CASES):
        client.get(detail(household))
    for year in (2018, 2019):
        _case(
            household,
            CaseState.REJECTED,
            date(year, 3, 2),
            steps=[
                (StepKind.HOME_CHECK, date(year, 3, 5), CaseState.INTAKE, CaseState.HOME_CHECKED),
                (StepKind.REJECTION, date(year, 3, 9), CaseState.HOME_CHECKED, CaseState.REJECTED),
            ],
        )
    with django_assert_num_queries(PAGE_QUERIES_WITH_CASES):
        response = client.get(detail(household))
    assert len(response.context["cases"]) == 3


def test_overview_query_count_is_fixed(
    town, client_for, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = client_for("leader")
    url = reverse("households:overview")
    client.get(url)
    # Counted (?refresh=1), then kept for REPORTS_CACHE_SECONDS.
    with django_assert_num_queries(10):
        client.get(url + "?refresh=1")
    # Written as by a request: the village is counted into the summaries on commit.
    with django_capture_on_commit_callbacks(execute=True):
        grow(town["other_household"].village, 10)
    with django_assert_num_queries(10):
        client.get(url + "?refresh=1")
    with django_assert_num_queries(5):
        client.get(url)


def test_overview_figures_are_kept_then_recounted_on_refresh(town, client_for):
    client = client_for("leader")
    url = reverse("households:overview")
    first = client.get(url).content.decode()
    assert "统计时间" in first and "重新统计" in first
    assert "2户" in first
    grow(town["other_household"].village, 3)
    assert "2户" in client.get(url).content.decode()  # kept
    assert "5户" in client.get(url + "?refresh=1").content.decode()
    # A cadre's overview is their village's, never the town's entry.
    cadre = client_for("cadre").get(url).content.decode()
    assert "点力村" not in cadre


def test_households_of_other_villages_are_not_counted_on_a_cadres_overview(town, client_for):
    content = client_for("cadre").get(reverse("households:overview")).content.decode()
    assert "点力村" not in content
    assert Household.objects.count() == 2
