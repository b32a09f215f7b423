"""Writes to the household registry.

Each service is one transaction, keyword-only, and leaves the dated history
intact. A status change, which the lifting check guards, is
``assessment.services``'.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from audit.services import audit_record
from households import concurrency
from households.choices import (
    LeaveReason,
)
from households.models import (
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    IdNumberReveal,
    Member,
)

#: What simple_history keeps of a change reason (its default column).
HISTORY_REASON_LENGTH = 100


# --------------------------------------------------------------------------
# Edits, guarded against concurrent changes
# --------------------------------------------------------------------------

CONCURRENT_EDIT_ERROR = _(
    "该户在您打开编辑页面后已被他人修改并保存。为避免覆盖对方的修改,本次保存未生效;"
    "请刷新页面查看最新内容后再修改。"
)


class ConcurrentEditError(concurrency.ConcurrentEditError):
    """The household changed since the editor loaded it (``households.concurrency``)."""

    def __init__(self):
        super().__init__(CONCURRENT_EDIT_ERROR)


def household_version_bump(*, household_ids) -> int:
    """Move the version of these households on, whatever it is.

    For the write paths that do not start from a page's version (the Django
    admin, its imports): a page opened before such a write refuses to save
    over it, as it would after another page's save.
    """
    ids = {pk for pk in household_ids if pk is not None}
    if not ids:
        return 0
    return Household.objects.filter(pk__in=ids).update(version=F("version") + 1)


def household_update(*, household: Household, expected_version: int, data: dict, user=None):
    """Save changed household fields (already validated by a form)."""
    with transaction.atomic():
        concurrency.claim_version(household, expected_version, ConcurrentEditError)
        for name, value in data.items():
            setattr(household, name, value)
        household.full_clean()
        household.save()
    return household


def member_save(*, member: Member, expected_version: int, user=None) -> Member:
    """Add or change a member of a household."""
    with transaction.atomic():
        concurrency.claim_version(member.household, expected_version, ConcurrentEditError)
        member.full_clean()
        member.save()
    return member


MEMBER_ERROR_ALREADY_LEFT = _("该成员已于{date}减员")
MEMBER_ERROR_LEAVE_IN_FUTURE = _("减员日期({date})不能晚于今天({today}):减员在发生之后登记")
MEMBER_ERROR_JOIN_IN_FUTURE = _("入户日期({date})不能晚于今天({today})")


def _refuse_future(field: str, value: date | None, message) -> None:
    today = timezone.localdate()
    if value is not None and value > today:
        raise ValidationError({field: message.format(date=value, today=today)})


def member_leave(
    *, member: Member, left_on: date, reason: str, expected_version: int, user=None
) -> Member:
    """Record that a member left the household on ``left_on`` (never a deletion).

    A leave is recorded once it happened: a date after today is refused.
    """
    _refuse_future("left_on", left_on, MEMBER_ERROR_LEAVE_IN_FUTURE)
    with transaction.atomic():
        concurrency.claim_version(member.household, expected_version, ConcurrentEditError)
        if member.left_on:
            raise ValidationError(MEMBER_ERROR_ALREADY_LEFT.format(date=member.left_on))
        member.left_on = left_on
        member.leave_reason = reason
        if reason == LeaveReason.DEATH and not member.deceased_on:
            member.deceased_on = left_on
        member.full_clean()
        member.save()
    return member


CORRECTION_ERROR_NO_REASON = _("请填写更正原因(如:误录减员、日期录错),更正将记入修改记录")
CORRECTION_ERROR_UNCHANGED = _("入户和减员记录没有变化")
CORRECTION_ERROR_LEAVE_REASON = _("填写了减员日期,须选择减员原因")


def member_membership_correct(
    *,
    member: Member,
    joined_on: date,
    join_reason: str,
    left_on: date | None,
    leave_reason: str,
    correction_reason: str,
    expected_version: int,
    user=None,
) -> Member:
    """Correct a member's join or leave entered by mistake (the administrator's).

    ``left_on=None`` undoes a leave: the member is present again. The
    correction's reason goes into the change history (and so into the audit
    trail) beside the old and new values; the member's other fields and the
    household's other records are untouched. The same rules as for a new
    entry hold: dates not in the future, a leave not before the join, one
    present member per ID number.
    """
    correction_reason = correction_reason.strip()
    if not correction_reason:
        raise ValidationError({"correction_reason": CORRECTION_ERROR_NO_REASON})
    _refuse_future("joined_on", joined_on, MEMBER_ERROR_JOIN_IN_FUTURE)
    _refuse_future("left_on", left_on, MEMBER_ERROR_LEAVE_IN_FUTURE)
    if left_on is None:
        leave_reason = ""
    elif not leave_reason:
        raise ValidationError({"leave_reason": CORRECTION_ERROR_LEAVE_REASON})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        before = (member.joined_on, member.join_reason, member.left_on, member.leave_reason)
        if before == (joined_on, join_reason, left_on, leave_reason):
            raise ValidationError(CORRECTION_ERROR_UNCHANGED)
        concurrency.claim_version(member.household, expected_version, ConcurrentEditError)
        if (
            member.leave_reason == LeaveReason.DEATH
            and member.deceased_on == member.left_on
            and leave_reason != LeaveReason.DEATH
        ):
            # The death date came with the leave (member_leave): it goes with it.
            member.deceased_on = None
        member.joined_on, member.join_reason = joined_on, join_reason
        member.left_on, member.leave_reason = left_on, leave_reason
        if leave_reason == LeaveReason.DEATH and not member.deceased_on:
            member.deceased_on = left_on
        member.full_clean()
        member._change_reason = f"更正:{correction_reason}"[:HISTORY_REASON_LENGTH]
        if user is not None:
            member._history_user = user
        member.save()
    return member


def income_save(*, income: HouseholdIncome, expected_version: int, user=None) -> HouseholdIncome:
    with transaction.atomic():
        concurrency.claim_version(income.household, expected_version, ConcurrentEditError)
        income.full_clean()
        income.save()
    return income


def guarantee_record(
    *, assessment: GuaranteeAssessment, expected_version: int, user=None
) -> GuaranteeAssessment:
    with transaction.atomic():
        concurrency.claim_version(assessment.household, expected_version, ConcurrentEditError)
        assessment.full_clean()
        assessment.save()
    return assessment


def id_number_reveal(*, member: Member, user, ip_address: str | None = None) -> str:
    """Return the member's full ID number and record who saw it, and when."""
    IdNumberReveal.objects.create(member=member, user=user, ip_address=ip_address)
    audit_record(
        action=AuditAction.ID_REVEAL,
        user=user,
        obj=member,
        detail={"household": member.household.number},
    )
    return member.id_number
