"""Department warning lists: every row checked before anything is saved, the ID
numbers matched in bulk, matched / already monitored / not found per village."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEntry
from monitoring import selectors, warnings
from monitoring.choices import CaseState, Category, Channel
from monitoring.models import DepartmentWarning, MonitoringCase
from tests.factories import HouseholdFactory, MemberFactory, id_number

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 28)
HEADER = "部门,预警事项,事项日期,金额(元),身份证号,姓名\n"


def user(username):
    return get_user_model().objects.get(username=username)


def head_number(household):
    return household.members.get(relation="head").id_number


def csv_of(*lines: str, encoding="utf-8-sig") -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode(encoding)


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def check(data: bytes) -> warnings.Preview:
    rows, errors = warnings.parse_csv(data)
    assert errors == []
    return warnings.preview(rows=rows, today=TODAY, user=_admin())


def test_matched_already_monitored_and_not_found(town):
    own, other = town["household"], town["other_household"]
    MonitoringCase.objects.create(
        household=other,
        category=Category.SUDDEN,
        channel=Channel.VISIT,
        intake_on=date(2024, 3, 1),
        home_check_due=date(2024, 3, 8),
        deadline=date(2024, 3, 29),
        state=CaseState.MONITORED,
    )
    stranger = id_number(date(1990, 1, 1))
    data = csv_of(
        f'医保部门,大额医疗自付,2024-05-01,"32,000.50",{head_number(own)},赵永福',
        f"残疾人联合会,新增残疾,2024/05/03,,{head_number(other)},钱德旺",
        f"民政,临时救助,2024-05-04,800元,{stranger},路人",
    )
    result = check(data)
    assert [(r.line, r.result) for r in result.rows] == [
        (2, warnings.MATCHED),
        (3, warnings.ALREADY_MONITORED),
        (4, warnings.NOT_FOUND),
    ]
    assert [r.department for r in result.rows] == ["medical_insurance", "disabled", "civil_affairs"]
    assert str(result.rows[0].amount) == "32000.50"
    saved = warnings.warnings_import(data=result, user=user("admin"), received_on=TODAY)
    assert len(saved) == 3
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.count == 3 and entry.detail["not_found"] == 1
    by_village, not_found = selectors.warning_counts_by_village(DepartmentWarning.objects.all())
    assert by_village == {
        own.village_id: {"matched": 1, "monitored": 0},
        other.village_id: {"matched": 1, "monitored": 1},
    }
    assert not_found == 1
    # Stored whole, shown masked.
    warning = DepartmentWarning.objects.get(member__isnull=True)
    assert warning.masked_id_number == stranger[:6] + "********" + stranger[-4:]


def test_every_problem_is_named_by_line_and_column_and_nothing_is_saved(town):
    data = csv_of(
        "税务部门,欠费,2024-05-01,,150927199001011234,甲",
        ",,2024-13-01,-5,1.50927E+17,乙",
    )
    result = check(data)
    assert result.rows == []
    assert (2, "部门", "未知的部门“税务部门”") in result.errors
    line2 = {column for line, column, _m in result.errors if line == 2}
    assert line2 == {"部门", "身份证号"}  # the check digit of 15092719900101123 is not 4
    line3 = {column for line, column, _m in result.errors if line == 3}
    assert line3 == {"部门", "预警事项", "事项日期", "金额", "身份证号"}
    with pytest.raises(ValidationError, match="文件有"):
        warnings.warnings_import(data=result, user=user("admin"), received_on=TODAY)
    assert not DepartmentWarning.objects.exists()


def test_a_gb18030_file_from_excel_is_read(town):
    data = csv_of(
        f"教育部门,辍学,2024-05-01,,{head_number(town['household'])},赵永福", encoding="gb18030"
    )
    assert check(data).rows[0].result == warnings.MATCHED


def test_missing_columns_are_refused_before_any_row(town):
    rows, errors = warnings.parse_csv("部门,姓名\n医保部门,甲\n".encode())
    assert rows == [] and errors == [(1, "", "缺少列:预警事项、事项日期、身份证号")]


def test_matching_takes_two_queries_however_many_rows(town):
    village = town["household"].village

    def lines(n):
        out = []
        for i in range(n):
            household = HouseholdFactory(village=village)
            member = MemberFactory(household=household, id_number=id_number(date(1960 + i, 1, 1)))
            out.append(f"医保部门,大额医疗自付,2024-05-01,1000,{member.id_number},")
        return out

    few, many = csv_of(*lines(2)), csv_of(*lines(40))
    counts = []
    admin = _admin()
    admin.has_perm("households.view_household")  # the user's permissions, read once
    for data in (few, many):
        rows, _errors = warnings.parse_csv(data)
        with CaptureQueriesContext(connection) as ctx:
            result = warnings.preview(rows=rows, today=TODAY, user=admin)
        counts.append(len(ctx.captured_queries))
        assert all(r.result == warnings.MATCHED for r in result.rows)
    assert counts == [2, 2]


@pytest.mark.parametrize("username", ["cadre", "leader", "reviewer"])
def test_only_who_sees_the_whole_registry_and_may_add_warnings_imports(town, username):
    result = check(csv_of(f"医保部门,大额医疗自付,2024-05-01,,{head_number(town['household'])},"))
    with pytest.raises(PermissionDenied):
        warnings.warnings_import(data=result, user=user(username), received_on=TODAY)


def upload(client, data: bytes, name="预警名单.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("monitoring:warnings_upload"),
        {"file": SimpleUploadedFile(name, data), "received_on": "2024-06-28", **extra},
    )


def test_the_upload_previews_then_saves_exactly_what_was_shown(town, client_for):
    from django.urls import reverse

    client = client_for("admin")
    number = head_number(town["household"])
    response = upload(client, csv_of(f"医保部门,大额医疗自付,2024-05-01,12000,{number},赵永福"))
    content = response.content.decode()
    assert "已在册:1 条" in content and number not in content  # shown masked
    assert not DepartmentWarning.objects.exists()  # nothing before the confirmation
    token = response.context["token"]
    confirm = client.post(
        reverse("monitoring:warnings_upload"), {"token": token, "received_on": "2024-06-28"}
    )
    assert confirm.status_code == 302
    warning = DepartmentWarning.objects.get()
    assert (warning.id_number, warning.received_on) == (number, date(2024, 6, 28))
    # A token altered, or of another user, saves nothing.
    again = client.post(
        reverse("monitoring:warnings_upload"),
        {"token": token[:-2] + "xx", "received_on": "2024-06-28"},
        follow=True,
    )
    assert "预览已失效" in again.content.decode()
    assert DepartmentWarning.objects.count() == 1


def test_an_upload_with_problems_offers_no_confirmation(town, client_for):
    response = upload(client_for("admin"), csv_of("医保部门,,2024-05-01,,123,甲"))
    assert response.context["token"] == ""
    assert 'id="confirm-form"' not in response.content.decode()
    assert "未保存任何数据" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [("名单.xlsx", b"PK\x03\x04rest"), ("名单.csv", b"PK\x03\x04rest"), ("名单.csv", b"%PDF-1.4")],
)
def test_what_is_not_a_csv_is_refused_before_parsing(town, client_for, name, data):
    response = upload(client_for("admin"), data, name=name)
    assert "只接受CSV文件" in response.content.decode()
    assert "preview" not in response.context


def test_a_person_of_another_town_is_not_found(town):
    from django.contrib.auth.models import Group

    from households import roles
    from households.models import County, Town, UserProfile

    member = town["household"].members.first()
    county = County.objects.create(name="察哈尔右翼后旗", code="150928000000")
    town_b = Town.objects.create(county=county, name="乙镇", code="150928100000")
    admin_b = get_user_model().objects.create_user("admin_b", password="x-secret-1234")
    admin_b.groups.add(Group.objects.get(name=roles.TOWN_ADMIN))
    UserProfile.objects.create(user=admin_b).towns.add(town_b)
    rows, errors = warnings.parse_csv(
        csv_of(f"医保部门,大额医疗自付,2024-05-01,1000,{member.id_number},")
    )
    assert errors == []
    assert [r.result for r in warnings.preview(rows=rows, today=TODAY, user=admin_b).rows] == [
        warnings.NOT_FOUND
    ]
    assert [r.result for r in warnings.preview(rows=rows, today=TODAY, user=_admin()).rows] == [
        warnings.MATCHED
    ]
