"""Writes the lifting check guards: a household's poverty status.

Each service is one transaction, keyword-only, and leaves the dated history
intact: a status change closes the open period and opens a new one, it never
overwrites the past. Marking a household lifted, or undoing a change back to
a lifted status, is refused unless it meets the lifting standard on that date.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from assessment.selectors import lifting_check
from households import concurrency
from households.choices import (
    LIFTED_STATUSES,
    POOR_STATUSES,
    REGISTERED_STATUSES,
    PovertyStatus,
)
from households.models import Household, HouseholdStatusPeriod
from households.services import HISTORY_REASON_LENGTH, ConcurrentEditError

STATUS_ERROR_NO_REASON = _("请填写状态变更的原因")
STATUS_ERROR_UNCHANGED = _("贫困状态没有变化")
STATUS_ERROR_BEFORE_CURRENT = _("变更日期不能早于或等于当前状态的起始日期({start})")
STATUS_ERROR_REMOVED = _("该户已{status},不能再变更状态")
STATUS_ERROR_TRANSITION = _("不能从“{old}”直接变更为“{new}”")
STATUS_ERROR_NOT_REGISTERED = _("该户尚未建档,请先录入识别信息")
STATUS_ERROR_CHECK_FAILED = _("不符合脱贫标准,不能标记为脱贫:{failures}")

# Which status may follow which. Removal (自然减少/清退) may follow any
# registered status and ends the registration.
ALLOWED_TRANSITIONS = {
    PovertyStatus.NOT_LIFTED: {PovertyStatus.LIFTED},
    PovertyStatus.RETURNED: {PovertyStatus.LIFTED},
    PovertyStatus.LIFTED: {PovertyStatus.STABLE, PovertyStatus.RETURNED},
    PovertyStatus.STABLE: {PovertyStatus.RETURNED, PovertyStatus.LIFTED},
}
REMOVAL_STATUSES = (PovertyStatus.REMOVED_NATURAL, PovertyStatus.REMOVED_CLEARED)


def household_change_status(
    *,
    household: Household,
    status: str,
    on: date,
    reason: str,
    decided_by: str = "",
    user=None,
    expected_version: int | None = None,
) -> HouseholdStatusPeriod:
    """Change a household's poverty status from ``on``, keeping its history.

    Marking a household lifted is refused unless it meets the lifting
    standard on that date; the error lists every failing criterion.
    """
    if not reason.strip():
        raise ValidationError({"reason": STATUS_ERROR_NO_REASON})
    with transaction.atomic():
        # Lock the household: two concurrent changes must not both close
        # the same open period.
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if expected_version is not None:
            concurrency.claim_version(household, expected_version, ConcurrentEditError)
        current = household.status_periods.filter(valid_to__isnull=True).first()
        if current is None:
            raise ValidationError(STATUS_ERROR_NOT_REGISTERED)
        old = PovertyStatus(current.status)
        new = PovertyStatus(status)
        if old not in REGISTERED_STATUSES:
            raise ValidationError(STATUS_ERROR_REMOVED.format(status=old.label))
        if new == old:
            raise ValidationError({"status": STATUS_ERROR_UNCHANGED})
        if on <= current.valid_from:
            raise ValidationError(
                {"valid_from": STATUS_ERROR_BEFORE_CURRENT.format(start=current.valid_from)}
            )
        if new not in REMOVAL_STATUSES and new not in ALLOWED_TRANSITIONS.get(old, ()):
            raise ValidationError(
                {"status": STATUS_ERROR_TRANSITION.format(old=old.label, new=new.label)}
            )
        if new in LIFTED_STATUSES and old in POOR_STATUSES:
            result = lifting_check(household=household, on=on)
            if not result.check.passed:
                failures = ";".join(f"{f.failed_label}:{f.reason}" for f in result.check.failures)
                raise ValidationError(
                    {"status": STATUS_ERROR_CHECK_FAILED.format(failures=failures)}
                )
        current.valid_to = on
        current.save(update_fields=["valid_to"])
        return HouseholdStatusPeriod.objects.create(
            household=household,
            status=new,
            valid_from=on,
            reason=reason.strip(),
            decided_by=decided_by,
            recorded_by=user,
        )


STATUS_ERROR_NOTHING_TO_UNDO = _("该户只有识别建档时的状态,没有可撤销的状态变更")
STATUS_ERROR_UNDO_REASON = _("请填写撤销原因(如:误录、日期或状态选错),撤销将记入修改记录")
STATUS_ERROR_UNDO_CHECK_FAILED = _(
    "撤销后该户将恢复为“{status}”,但该户在{date}不符合脱贫标准,不能恢复:{failures}"
)


def household_status_undo(
    *, household: Household, reason: str, user=None, expected_version: int | None = None
) -> HouseholdStatusPeriod:
    """Undo the household's last status change, entered by mistake.

    The current period is removed and the one before it is open again; the
    removal and its reason stay in the change history and the audit trail.
    Going back to a lifted status passes the lifting check as a change to it
    would: undoing is never a way round the standard. Returns the period now
    current.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": STATUS_ERROR_UNDO_REASON})
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if expected_version is not None:
            concurrency.claim_version(household, expected_version, ConcurrentEditError)
        periods = list(household.status_periods.order_by("-valid_from")[:2])
        if len(periods) < 2 or periods[0].valid_to is not None:
            raise ValidationError(STATUS_ERROR_NOTHING_TO_UNDO)
        current, previous = periods
        restored = PovertyStatus(previous.status)
        if restored in LIFTED_STATUSES and PovertyStatus(current.status) in POOR_STATUSES:
            result = lifting_check(household=household, on=current.valid_from)
            if not result.check.passed:
                failures = ";".join(f"{f.label}:{f.reason}" for f in result.check.failures)
                raise ValidationError(
                    STATUS_ERROR_UNDO_CHECK_FAILED.format(
                        status=restored.label, date=current.valid_from, failures=failures
                    )
                )
        why = f"撤销误录的状态变更:{reason}"[:HISTORY_REASON_LENGTH]
        current._change_reason = why
        if user is not None:
            current._history_user = user
        current.delete()
        previous.valid_to = None
        previous._change_reason = why
        if user is not None:
            previous._history_user = user
        previous.save(update_fields=["valid_to"])
        return previous
