"""The audit page reads as sentences: Chinese model names and actions, the
changed fields old → new (ID numbers masked), pages and exports named in
Chinese; never a model path or a Python dict."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.presentation import present
from audit.services import audit_record
from households.models import HouseholdIncome, Member
from households.services import income_save
from tests.factories import id_number

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")


def latest(action, object_type):
    entry = AuditEntry.objects.filter(action=action, object_type=object_type).latest("id")
    return present([entry])[0]


def test_an_income_edit_shows_its_changes(town):
    household = town["household"]
    income = HouseholdIncome.objects.get(household=household, year=2020)
    income.wage_income = Decimal("8000")
    income_save(income=income, expected_version=household.version)

    shown = latest(AuditAction.UPDATE, "households.householdincome")
    assert shown.sentence.startswith("修改 家庭收入")
    assert ("工资性收入", "7,000.00", "8,000.00") in shown.changes
    assert not any("history_id" in line or "{" in line for line in shown.lines)


def test_an_id_number_change_is_masked(town):
    member = Member.objects.filter(household=town["household"]).first()
    old = member.id_number
    member.id_number = id_number(date(1970, 5, 2))
    member.save()

    shown = latest(AuditAction.UPDATE, "households.member")
    assert shown.sentence == f"修改 家庭成员 “{member}”" or shown.sentence.startswith(
        "修改 家庭成员"
    )
    [change] = [c for c in shown.changes if c[0] == "身份证号"]
    assert change == (
        "身份证号",
        old[:6] + "********" + old[-4:],
        member.id_number[:6] + "********" + member.id_number[-4:],
    )


def test_an_export_names_its_page_and_filters_in_chinese(town):
    audit_record(
        action=AuditAction.EXPORT,
        object_type="households.household",
        object_label="学田地村",
        detail={
            "view": "households:export",
            "filter": {"village": "3", "q": ""},
            "on": "2020-05-31",
        },
    )
    shown = latest(AuditAction.EXPORT, "households.household")
    assert shown.sentence == "导出 建档立卡户 “学田地村”"
    assert "页面:建档立卡户名单导出" in shown.lines
    assert "筛选条件:行政村:3" in shown.lines
    assert "查询日期:2020-05-31" in shown.lines


def test_a_role_change_reads_as_a_sentence(town):
    shown = present(
        [
            AuditEntry.objects.filter(
                action=AuditAction.PERMISSION, object_type="auth.user"
            ).latest("id")
        ]
    )[0]
    assert shown.sentence.startswith("权限变更 用户")
    assert any(line.startswith("添加角色(组):") for line in shown.lines)


def test_the_page_shows_sentences_not_codes(town, admin_client_for):
    household = town["household"]
    income = HouseholdIncome.objects.get(household=household, year=2020)
    income.wage_income = Decimal("8000")
    income_save(income=income, expected_version=household.version)
    page = admin_client_for("auditor").get(LIST).content.decode()
    assert "修改 家庭收入" in page and "工资性收入:7,000.00 → 8,000.00" in page
    assert ">households.householdincome<" not in page  # a code only as an option value
    assert "history_id" not in page and "{&#x27;" not in page
