"""Corrections users need: a leave in the future is refused; the town
administrator corrects or undoes a wrong join, leave or status change, with a
reason kept in the change history and the audit trail."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from audit.models import AuditEntry
from households import services
from households.choices import LeaveReason, PovertyStatus
from households.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def spouse_of(household):
    return household.members.get(relation="spouse")


def left(member, on=date(2020, 3, 1), reason=LeaveReason.MOVE_OUT):
    household = member.household
    household.refresh_from_db()
    return services.member_leave(
        member=member, left_on=on, reason=reason, expected_version=household.version
    )


def correction(member, *, left_on="", leave_reason="", why="误录减员", joined_on=None):
    member.household.refresh_from_db()
    return {
        "version": member.household.version,
        "joined_on": (joined_on or member.joined_on).isoformat(),
        "join_reason": member.join_reason,
        "left_on": left_on,
        "leave_reason": leave_reason,
        "correction_reason": why,
    }


def correct_url(member):
    return reverse(
        "households:member_correct", kwargs={"pk": member.household_id, "member_pk": member.pk}
    )


def test_a_leave_date_in_the_future_is_refused(town, client_for):
    member = spouse_of(town["household"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    url = reverse(
        "households:member_leave", kwargs={"pk": member.household_id, "member_pk": member.pk}
    )
    response = client_for("cadre").post(
        url,
        {"version": town["household"].version, "left_on": tomorrow.isoformat(), "reason": "death"},
    )
    assert response.status_code == 200
    assert "不能晚于今天" in response.content.decode()
    member.refresh_from_db()
    assert member.left_on is None


def test_the_administrator_undoes_a_wrong_leave_with_a_reason(town, client_for):
    member = left(spouse_of(town["household"]))
    admin = client_for("admin")
    response = admin.post(correct_url(member), correction(member, why="误录减员,该成员仍在户"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.left_on, member.leave_reason) == (None, "")
    page = admin.get(reverse("households:detail", args=[member.household_id])).content.decode()
    assert "更正:误录减员,该成员仍在户" in page
    entry = AuditEntry.objects.filter(object_type="households.member", object_id=str(member.pk))
    assert entry.latest("pk").detail["reason"] == "更正:误录减员,该成员仍在户"
    assert "left_on" in entry.latest("pk").detail["fields"]


def test_the_administrator_corrects_a_leave_date(town, client_for):
    member = left(spouse_of(town["household"]), reason=LeaveReason.DEATH)
    assert member.deceased_on == date(2020, 3, 1)
    response = client_for("admin").post(
        correct_url(member),
        correction(member, left_on="2020-02-10", leave_reason="death", why="死亡日期录错"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_on == date(2020, 2, 10)
    assert member.leave_reason == LeaveReason.DEATH
    assert member.history.latest().history_change_reason == "更正:死亡日期录错"


def test_a_corrected_join_date_may_not_be_in_the_future(town, client_for):
    member = spouse_of(town["household"])
    data = correction(member, joined_on=timezone.localdate() + timedelta(days=3))
    response = client_for("admin").post(correct_url(member), data)
    assert response.status_code == 200
    assert "入户日期" in response.content.decode() and "不能晚于今天" in response.content.decode()


def test_a_correction_needs_a_reason(town, client_for):
    member = left(spouse_of(town["household"]))
    response = client_for("admin").post(correct_url(member), correction(member, why=" "))
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.left_on == date(2020, 3, 1)


def test_undoing_a_leave_keeps_one_present_member_per_id_number(town, client_for):
    member = left(spouse_of(town["household"]))
    MemberFactory(household=town["other_household"], relation="spouse", id_number=member.id_number)
    response = client_for("admin").post(correct_url(member), correction(member))
    assert response.status_code == 200
    assert "该身份证号已登记在另一名在册成员名下" in response.content.decode()
    member.refresh_from_db()
    assert member.left_on == date(2020, 3, 1)


def test_a_cadre_is_told_who_corrects(town, client_for):
    member = left(spouse_of(town["household"]))
    response = client_for("cadre").get(correct_url(member))
    assert response.status_code == 403
    assert "只有镇扶贫办管理员可以更正" in response.content.decode()


# -- a status change entered by mistake ------------------------------------------


def undo_url(household):
    return reverse("households:status_undo", kwargs={"pk": household.pk})


def test_the_administrator_undoes_a_status_change_entered_by_mistake(town, client_for):
    household = town["household"]
    household.incomes.update(wage_income=Decimal("9000"))
    assessment_services.household_change_status(
        household=household, status=PovertyStatus.LIFTED, on=date(2020, 5, 20), reason="误点"
    )
    household.refresh_from_db()
    admin = client_for("admin")
    response = admin.post(undo_url(household), {"version": household.version, "reason": "误录"})
    assert response.status_code == 302
    periods = list(household.status_periods.order_by("valid_from"))
    assert [(p.status, p.valid_to) for p in periods] == [(PovertyStatus.NOT_LIFTED, None)]
    page = admin.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "撤销误录的状态变更:误录" in page
    assert AuditEntry.objects.filter(
        object_type="households.householdstatusperiod", action="delete"
    ).exists()


def test_undoing_never_restores_a_lifted_status_the_household_does_not_meet(town, client_for):
    household = town["household"]  # 3,500 yuan a head: below the 4,000 line
    household.status_periods.update(status=PovertyStatus.LIFTED)
    assessment_services.household_change_status(
        household=household, status=PovertyStatus.RETURNED, on=date(2020, 5, 20), reason="返贫"
    )
    household.refresh_from_db()
    response = client_for("admin").post(
        undo_url(household), {"version": household.version, "reason": "误录"}
    )
    assert response.status_code == 200
    assert "不符合脱贫标准,不能恢复" in response.content.decode()
    current = household.status_periods.get(valid_to__isnull=True)
    assert current.status == PovertyStatus.RETURNED


def test_the_first_status_cannot_be_undone(town, client_for):
    household = town["household"]
    response = client_for("admin").post(
        undo_url(household), {"version": household.version, "reason": "误录"}
    )
    assert response.status_code == 200
    assert "没有可撤销的状态变更" in response.content.decode()
    assert Member.objects.filter(household=household).count() == 2
