"""Database constraints, and the same rules as validation messages in Chinese."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from households import rules
from households.choices import Health, HouseholdAttribute, PovertyStatus
from households.models import HouseholdStatusPeriod, Member
from households.selectors import member_present_q, status_in_q
from tests.factories import (
    GroupFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    StatusFactory,
    VillageFactory,
    id_number,
)

pytestmark = pytest.mark.django_db


def test_member_sex_and_birth_date_come_from_the_id_number():
    number = id_number(date(1990, 2, 3), male=False)
    member = MemberFactory(id_number=number.lower())
    member.refresh_from_db()
    assert member.birth_date == date(1990, 2, 3)
    assert member.sex == "F"
    assert member.id_number == number


def test_invalid_id_number_is_refused_with_the_check_digit_in_the_message():
    number = id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    member = MemberFactory.build(household=HouseholdFactory(), id_number=wrong)
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert f"应为{number[17]}" in str(excinfo.value.message_dict["id_number"])


def test_two_active_members_cannot_share_an_id_number():
    number = id_number()
    MemberFactory(id_number=number)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(id_number=number)


def test_a_member_who_left_frees_the_id_number():
    number = id_number()
    MemberFactory(id_number=number, left_on=date(2020, 1, 1), leave_reason="move_out")
    MemberFactory(id_number=number)  # moved to another household
    assert Member.objects.filter(id_number=number).count() == 2


def test_leave_date_before_join_date_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(joined_on=date(2020, 1, 1), left_on=date(2019, 1, 1), leave_reason="death")


def test_leave_date_before_join_date_has_a_chinese_message():
    member = MemberFactory.build(
        household=HouseholdFactory(),
        joined_on=date(2020, 1, 1),
        left_on=date(2019, 1, 1),
        leave_reason="death",
    )
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "减员日期不能早于入户日期" in excinfo.value.message_dict["left_on"]


def test_leaving_needs_a_reason():
    member = MemberFactory.build(household=HouseholdFactory(), left_on=date(2020, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "请填写减员原因" in excinfo.value.message_dict["leave_reason"]


def test_disability_grade_needs_a_disabled_member():
    member = MemberFactory.build(household=HouseholdFactory(), disability_grade=2)
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "disability_grade" in excinfo.value.message_dict
    disabled = MemberFactory.build(
        household=HouseholdFactory(), health=Health.DISABLED, disability_grade=2
    )
    disabled.full_clean()


def test_negative_income_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomeFactory(wage_income=Decimal("-1"))


def test_negative_income_has_a_chinese_message():
    income = IncomeFactory.build(household=HouseholdFactory(), wage_income=Decimal("-1"))
    with pytest.raises(ValidationError) as excinfo:
        income.full_clean()
    assert "wage_income" in excinfo.value.message_dict


def test_group_must_belong_to_the_households_village():
    household = HouseholdFactory.build(village=VillageFactory(), group=GroupFactory())
    with pytest.raises(ValidationError) as excinfo:
        household.full_clean()
    assert "村民小组不属于所选行政村" in excinfo.value.message_dict["group"]


def test_dibao_class_only_for_dibao_households():
    household = HouseholdFactory.build(village=VillageFactory(), dibao_class="A")
    with pytest.raises(ValidationError) as excinfo:
        household.full_clean()
    assert "dibao_class" in excinfo.value.message_dict
    household.attribute = HouseholdAttribute.DIBAO
    household.full_clean()


def test_a_household_has_one_open_status_period():
    household = HouseholdFactory()
    StatusFactory(household=household)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusFactory(household=household, valid_from=date(2020, 1, 1))


def test_status_period_must_end_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusFactory(valid_from=date(2020, 1, 1), valid_to=date(2019, 1, 1))


def test_status_and_membership_are_counted_as_of_a_date():
    household = HouseholdFactory()
    StatusFactory(household=household, valid_from=date(2019, 1, 1), valid_to=date(2020, 1, 1))
    StatusFactory(household=household, status=PovertyStatus.LIFTED, valid_from=date(2020, 1, 1))
    MemberFactory(household=household, joined_on=date(2019, 1, 1))
    MemberFactory(household=household, joined_on=date(2020, 6, 1), join_reason="birth")
    not_lifted = status_in_q(date(2019, 12, 31), [PovertyStatus.NOT_LIFTED])
    assert household.__class__.objects.filter(not_lifted).count() == 1
    assert not household.__class__.objects.filter(
        status_in_q(date(2020, 1, 1), [PovertyStatus.NOT_LIFTED])
    ).exists()
    assert household.members.filter(member_present_q(date(2020, 5, 31))).count() == 1
    assert household.members.filter(member_present_q(date(2020, 6, 1))).count() == 2
    assert HouseholdStatusPeriod.objects.filter(household=household).count() == 2


def test_masked_id_number_shows_first_six_and_last_four():
    member = MemberFactory()
    masked = member.masked_id_number
    assert masked == rules.mask_id_number(member.id_number)
    assert masked[:6] == member.id_number[:6] and masked[-4:] == member.id_number[-4:]
    assert member.id_number[6:14] not in masked


def test_changing_a_members_id_number_to_an_invalid_one_is_refused():
    member = MemberFactory()
    member.id_number = member.id_number[:17] + ("0" if member.id_number[17] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "校验位" in " ".join(excinfo.value.message_dict["id_number"])
