"""The monitoring objects' roster (花名册): its contents read back, ID numbers masked
per role, hostile text neutralised, the user's scope (another village's and another
town's households absent), the audit entry, and who may export."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from households import roles
from households.models import Member, Town, UserProfile
from monitoring.choices import CaseState, Category, Channel, RiskType, StepKind
from monitoring.models import CaseRisk, CaseStep, MonitoringCase
from tests.households.conftest import PASSWORD, make_household
from tests.monitoring.conftest import make_line

pytestmark = pytest.mark.django_db

ON = date(2024, 6, 28)
URL = reverse("monitoring:roster_export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def monitored(household, *, identified_on=date(2024, 3, 20), risks=(RiskType.ILLNESS,), **kw):
    """A case entered into the national system on ``identified_on`` (its step dated then)."""
    values = {
        "category": Category.UNSTABLE,
        "channel": Channel.VISIT,
        "intake_on": date(2024, 3, 1),
        "home_check_due": date(2024, 3, 8),
        "deadline": date(2024, 3, 29),
        "state": CaseState.MONITORED,
        "identified_on": identified_on,
        **kw,
    }
    case = MonitoringCase.objects.create(household=household, **values)
    for risk in risks:
        CaseRisk.objects.create(case=case, risk=risk)
    CaseStep.objects.create(
        case=case,
        kind=StepKind.SYSTEM_ENTRY,
        on=identified_on,
        state_before=CaseState.ANNOUNCED,
        state_after=CaseState.MONITORED,
        actor=get_user_model().objects.get(username="admin"),
    )
    return case


def read(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def export(client, **params):
    return client.get(URL, {"on": ON.isoformat(), **params})


@pytest.fixture
def cases(town):
    make_line(year=2024, line="7500")
    own = monitored(town["household"], risks=(RiskType.ILLNESS, RiskType.LACK_LABOUR))
    other = monitored(town["other_household"], category=Category.SUDDEN)
    return {"own": own, "other": other}


def head_of(household):
    return Member.objects.get(household=household, relation="head")


def test_the_roster_lists_each_monitoring_object_with_the_countys_columns(town, cases, client_for):
    rows = read(export(client_for("admin")))
    assert [row["户主姓名"] for row in rows] == ["赵永福", "钱德旺"]
    row = rows[0]
    household = town["household"]
    assert row["序号"] == 1
    assert row["行政村"] == "学田地村"
    assert row["户编号"] == household.number
    assert row["户类型"] == "未脱贫"
    assert row["监测对象类别"] == "脱贫不稳定户"
    assert row["风险类型"] == "因病、缺劳动力"
    assert row["发现途径"] == "乡村干部走访排查"
    assert row["绿色通道"] == "否"
    assert row["纳入监测日期"].date() == date(2024, 3, 20)
    assert row["办理状态"] == "监测帮扶中"
    assert row["风险消除日期"] is None
    assert row["家庭人口"] == 2
    # The module town's household has the 2020 income only: none for 2024.
    assert row["2024年人均纯收入(元)"] is None
    assert rows[1]["监测对象类别"] == "突发严重困难户"


def test_the_income_of_the_dates_year_is_shown_per_head(town, cases, client_for):
    household = town["household"]
    household.incomes.create(year=2024, assessed_on=date(2024, 6, 1), wage_income=Decimal("9001"))
    (row, _other) = read(export(client_for("admin")))
    assert row["2024年人均纯收入(元)"] == 4500.5


def test_a_case_not_yet_entered_into_the_system_on_the_date_is_not_in_the_roster(
    town, cases, client_for
):
    rows = read(export(client_for("admin"), on="2024-03-19"))
    assert rows == []
    # Being identified (taken in, not entered): never on the roster.
    MonitoringCase.objects.filter(pk=cases["own"].pk).update(identified_on=None)
    assert [r["户主姓名"] for r in read(export(client_for("admin")))] == ["钱德旺"]


def test_an_eliminated_household_stays_on_the_roster_with_its_date(town, cases, client_for):
    case = cases["own"]
    CaseStep.objects.create(
        case=case,
        kind=StepKind.ELIMINATION_ANNOUNCEMENT,
        on=date(2024, 6, 3),
        state_before=CaseState.ELIMINATION_APPROVED,
        state_after=CaseState.ELIMINATED,
        actor=get_user_model().objects.get(username="admin"),
    )
    MonitoringCase.objects.filter(pk=case.pk).update(
        state=CaseState.ELIMINATED, eliminated_on=date(2024, 6, 3)
    )
    row = read(export(client_for("admin")))[0]
    assert row["办理状态"] == "已消除风险"
    assert row["风险消除日期"].date() == date(2024, 6, 3)
    # As of a day before the announcement it was still monitored.
    row = read(export(client_for("admin"), on="2024-06-02"))[0]
    assert (row["办理状态"], row["风险消除日期"]) == ("监测帮扶中", None)


def test_an_ordinary_household_is_named_so(town, cases, client_for):
    town["other_household"].status_periods.all().delete()
    rows = read(export(client_for("admin")))
    assert rows[1]["户类型"] == "非建档立卡户"


@pytest.mark.parametrize(
    ("username", "masked"), [("admin", True), ("cadre", True), ("leader", True)]
)
def test_id_numbers_are_masked_by_default(town, cases, client_for, username, masked):
    full = head_of(town["household"]).id_number
    row = read(export(client_for(username)))[0]
    assert row["户主身份证号"] != full
    assert row["户主身份证号"] == f"{full[:6]}********{full[-4:]}"


@pytest.mark.parametrize("username", ["admin", "cadre"])
def test_who_may_reveal_id_numbers_gets_them_whole_on_asking(town, cases, client_for, username):
    full = head_of(town["household"]).id_number
    row = read(export(client_for(username), ids="full"))[0]
    assert row["户主身份证号"] == full


def test_a_leader_may_not_ask_for_whole_id_numbers(town, cases, client_for):
    assert export(client_for("leader"), ids="full").status_code == 403


def test_a_hostile_name_is_written_as_text_never_as_a_formula(town, cases, client_for):
    head = head_of(town["household"])
    Member.objects.filter(pk=head.pk).update(name='=cmd|"/c calc"!A1')
    response = export(client_for("admin"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=5)
    assert cell.value == '\'=cmd|"/c calc"!A1'
    assert cell.data_type == "s"


def test_a_cadre_gets_their_own_village_only(town, cases, client_for):
    names = [r["户主姓名"] for r in read(export(client_for("cadre")))]
    assert names == ["赵永福"]
    names = [r["户主姓名"] for r in read(export(client_for("cadre2")))]
    assert names == ["钱德旺"]


def test_a_village_outside_the_scope_is_not_found(town, cases, client_for):
    other = town["other_household"].village
    assert export(client_for("cadre"), village=other.pk).status_code == 404
    assert export(client_for("cadre"), village="x").status_code == 404
    rows = read(export(client_for("admin"), village=other.pk))
    assert [r["户主姓名"] for r in rows] == ["钱德旺"]


def test_another_towns_households_are_not_in_the_roster(town, cases, client_for):
    from households.models import County

    county_b = County.objects.create(
        name="察哈尔右翼后旗", code="150928000000", city="乌兰察布市", province="内蒙古自治区"
    )
    town_b = Town.objects.create(county=county_b, name="乙镇", code="150928100000")
    village_b = town_b.villages.create(name="乙村", number=1)
    village_b.groups.create(name="一组", number=1)
    monitored(make_household(village_b, "孙乙户"))
    user = get_user_model().objects.create_user("admin_b", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.TOWN_ADMIN))
    UserProfile.objects.create(user=user).towns.add(town_b)
    client_b = Client()
    client_b.force_login(user)
    assert [r["户主姓名"] for r in read(export(client_b))] == ["孙乙户"]
    assert "孙乙户" not in [r["户主姓名"] for r in read(export(client_for("admin")))]
    assert "孙乙户" not in [r["户主姓名"] for r in read(export(client_for("leader")))]
    # Town A's village is not town B's to ask for.
    village_a = town["household"].village
    assert export(client_b, village=village_a.pk).status_code == 404


def test_every_export_is_audited(town, cases, client_for):
    export(client_for("cadre"), ids="full")
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert entry.username == "cadre"
    assert entry.object_type == "monitoring.monitoringcase"
    assert entry.object_label == "全部防返贫监测对象花名册"
    assert entry.count == 1
    assert entry.detail["full_ids"] is True
    assert entry.detail["on"] == ON.isoformat()
    assert entry.detail["view"] == "monitoring:roster_export"


@pytest.mark.parametrize(
    ("username", "status"),
    [
        (None, 302),
        ("admin", 200),
        ("cadre", 200),
        ("leader", 200),
        ("helper", 403),
        ("enumerator", 403),
        ("reviewer", 403),
        ("sysadmin", 403),
        ("secadmin", 403),
        ("auditor", 403),
    ],
)
def test_who_may_export(town, cases, client_for, username, status):
    assert export(client_for(username)).status_code == status


def test_a_refused_export_writes_no_audit_entry(town, cases, client_for):
    export(client_for("helper"))
    export(client_for("leader"), ids="full")
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_roster_takes_a_fixed_number_of_queries(town, cases, client_for):
    client = client_for("admin")
    export(client)  # session and permission caches warm

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert export(client).status_code == 200
        return len(queries)

    few = count()
    for i in range(3):
        monitored(make_household(town["household"].village, f"新户{i}"))
    assert count() == few


def test_the_worklist_links_to_the_roster_of_its_date_and_village(town, cases, client_for):
    village = town["household"].village
    response = client_for("admin").get(
        reverse("monitoring:worklist"), {"on": ON.isoformat(), "village": village.pk}
    )
    assert f'{URL}?on={ON.isoformat()}&amp;village={village.pk}"' in response.content.decode()
    response = client_for("helper").get(reverse("monitoring:worklist"), {"on": ON.isoformat()})
    assert URL not in response.content.decode()
