"""The rules of the assistance measures, as pure functions over plain values.

* the amount of an application follows from its programme's standard
  (:func:`standard_amount`), unless overridden with a reason (:func:`resolve_amount`);
* a programme's standard is consistent with its unit and target (:func:`programme_errors`);
* an application moves planned → in progress → completed, never backwards;
  it may be cancelled from any state, with a reason (:func:`transition`).

Nothing here touches the database: services gather the values and call these
functions; the model's ``clean`` (the admin) calls the same ones. Rule
violations are :class:`RuleViolation` with the offending field named, so a
form can put each message next to its field. The message constants are
reused by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from measures.choices import ApplicationStatus, Target, Unit

ZERO = Decimal("0")


class RuleViolation(ValueError):
    """One or more rules broken: ``errors`` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


# --------------------------------------------------------------------------
# The amount of an application
# --------------------------------------------------------------------------

#: Units whose standard is multiplied by the persons concerned.
PER_PERSON_UNITS = (Unit.PER_PERSON, Unit.PER_DAY, Unit.PER_POST_YEAR)


def standard_amount(
    *, unit: str, standard: Decimal, days: int | None = None, persons: int = 1
) -> Decimal | None:
    """What one application receives under the programme's standard.

    Per household: the standard. Per person: the standard × the persons
    concerned (one for a person-targeted programme; the household's members
    for a household-targeted one). Per day: the standard × days × persons.
    Per post and year: the standard × the posts (persons) held. Lump sum
    (按实际金额): there is no standard, ``None``.
    """
    if not isinstance(standard, Decimal):
        raise TypeError("standard must be a Decimal")
    if persons < 0:
        raise ValueError("persons must not be negative")
    if unit == Unit.LUMP_SUM:
        return None
    if unit == Unit.PER_HOUSEHOLD:
        return standard
    if unit == Unit.PER_DAY:
        return standard * (days or 0) * persons
    if unit in PER_PERSON_UNITS:
        return standard * persons
    raise ValueError(f"unknown unit {unit!r}")


def persons_concerned(*, unit: str, target: str, household_size: int) -> int:
    """How many persons an application covers, for :func:`standard_amount`.

    A person-targeted application covers its one member; a household-targeted
    one paid per person (or per day) covers the household's members; one paid
    per household covers the household (counted as one).
    """
    if target == Target.PERSON:
        return 1
    if unit in (Unit.PER_PERSON, Unit.PER_DAY):
        return household_size
    return 1


AMOUNT_ERROR_REQUIRED = _("按实际金额的项目须填写金额")
AMOUNT_ERROR_NEGATIVE = _("金额不能为负数")
AMOUNT_ERROR_NO_REASON = _("金额与项目标准({standard}元)不同,请说明调整原因")


def resolve_amount(
    *, standard: Decimal | None, amount: Decimal | None, override_reason: str = ""
) -> Decimal:
    """The amount to record: the standard unless one is given.

    A given amount that differs from the standard needs a reason; a lump-sum
    programme (no standard) needs an amount.
    """
    if amount is None:
        if standard is None:
            raise RuleViolation({"amount": str(AMOUNT_ERROR_REQUIRED)})
        return standard
    if amount < 0:
        raise RuleViolation({"amount": str(AMOUNT_ERROR_NEGATIVE)})
    if standard is not None and amount != standard and not override_reason.strip():
        raise RuleViolation(
            {"amount_override_reason": str(AMOUNT_ERROR_NO_REASON).format(standard=standard)}
        )
    return amount


# --------------------------------------------------------------------------
# A programme's standard
# --------------------------------------------------------------------------

PROGRAMME_ERROR_DAYS_REQUIRED = _("按天计算的项目须填写天数")
PROGRAMME_ERROR_DAYS_UNUSED = _("只有按天计算的项目填写天数")
PROGRAMME_ERROR_POST_TARGET = _("按岗位计算的项目须到人")
PROGRAMME_ERROR_STANDARD_REQUIRED = _("请填写补助标准金额")
PROGRAMME_ERROR_LUMP_STANDARD = _("按实际金额的项目没有统一标准,标准金额填0")


def programme_errors(*, unit: str, target: str, standard: Decimal, days: int | None) -> dict:
    """The field errors of a programme's standard (empty if it is consistent)."""
    errors = {}
    if unit == Unit.PER_DAY and not days:
        errors["days"] = str(PROGRAMME_ERROR_DAYS_REQUIRED)
    if unit != Unit.PER_DAY and days:
        errors["days"] = str(PROGRAMME_ERROR_DAYS_UNUSED)
    if unit == Unit.PER_POST_YEAR and target != Target.PERSON:
        errors["target"] = str(PROGRAMME_ERROR_POST_TARGET)
    if unit == Unit.LUMP_SUM and standard:
        errors["standard_amount"] = str(PROGRAMME_ERROR_LUMP_STANDARD)
    if unit != Unit.LUMP_SUM and not standard:
        errors["standard_amount"] = str(PROGRAMME_ERROR_STANDARD_REQUIRED)
    return errors


# --------------------------------------------------------------------------
# Status transitions
# --------------------------------------------------------------------------

S = ApplicationStatus

#: Which status may follow which: forward only; cancelling ends any state.
ALLOWED_TRANSITIONS = {
    S.PLANNED: (S.IN_PROGRESS, S.COMPLETED, S.CANCELLED),
    S.IN_PROGRESS: (S.COMPLETED, S.CANCELLED),
    S.COMPLETED: (S.CANCELLED,),
    S.CANCELLED: (),
}

TRANSITION_ERROR_UNCHANGED = _("状态没有变化")
TRANSITION_ERROR_CANCELLED = _("已取消的措施不能再变更状态;如需恢复,请重新添加")
TRANSITION_ERROR_BACKWARDS = _("不能从“{old}”改为“{new}”:措施只能向前推进,或注明原因后取消")
TRANSITION_ERROR_NO_DATE = {
    S.IN_PROGRESS: _("请填写开始日期"),
    S.COMPLETED: _("请填写完成日期"),
    S.CANCELLED: _("请填写取消日期"),
}
TRANSITION_ERROR_FUTURE = _("日期不能晚于今天({today})")
TRANSITION_ERROR_BEFORE_START = _("完成日期不能早于开始日期({start})")
TRANSITION_ERROR_NO_REASON = _("取消措施须说明原因")


@dataclass(frozen=True)
class Transition:
    """The fields an allowed status change sets."""

    status: str
    started_on: date | None
    completed_on: date | None
    cancelled_on: date | None
    cancel_reason: str


def transition(
    *,
    old: str,
    new: str,
    on: date | None,
    today: date,
    started_on: date | None = None,
    completed_on: date | None = None,
    reason: str = "",
) -> Transition:
    """Move an application from ``old`` to ``new`` on ``on``, or say why not.

    Starting needs a start date, completing a completion date (on or after the
    start; a measure completed at once starts and completes that day),
    cancelling a date and a reason. No date may be after ``today``. Going
    backwards (completed → in progress, anything → planned) is refused:
    a measure recorded by mistake is cancelled with its reason instead.
    """
    old, new = S(old), S(new)
    if new == old:
        raise RuleViolation({"status": str(TRANSITION_ERROR_UNCHANGED)})
    if old == S.CANCELLED:
        raise RuleViolation({"status": str(TRANSITION_ERROR_CANCELLED)})
    if new not in ALLOWED_TRANSITIONS[old]:
        raise RuleViolation(
            {"status": str(TRANSITION_ERROR_BACKWARDS).format(old=old.label, new=new.label)}
        )
    errors = {}
    if on is None:
        errors["on"] = str(TRANSITION_ERROR_NO_DATE[new])
    elif on > today:
        errors["on"] = str(TRANSITION_ERROR_FUTURE).format(today=today.isoformat())
    if new == S.COMPLETED and on is not None and started_on is not None and on < started_on:
        errors["on"] = str(TRANSITION_ERROR_BEFORE_START).format(start=started_on.isoformat())
    reason = reason.strip()
    if new == S.CANCELLED and not reason:
        errors["reason"] = str(TRANSITION_ERROR_NO_REASON)
    if errors:
        raise RuleViolation(errors)
    if new == S.IN_PROGRESS:
        return Transition(new, on, None, None, "")
    if new == S.COMPLETED:
        return Transition(new, started_on or on, on, None, "")
    return Transition(new, started_on, completed_on, on, reason)
