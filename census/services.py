"""Writes of census preparation: the check of a household (submit, approve,
send back).

Each service is one transaction, keyword-only. A check carries a ``version``:
the page the user acted on sent the version it showed (``0`` when there was
no check yet), and the service bumps it with one conditional UPDATE, so of two
people acting on the same version exactly one succeeds; the other gets
:class:`ConcurrentCheckError` and nothing of theirs is saved. A *repeated*
post (a double click, a reload after the browser timed out) that asks for
exactly what is already stored, by the same user, succeeds without writing
again. The change history (simple_history) records every step with its user.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from census import rules
from census.models import CensusStaff, CheckStatus, HouseholdCheck
from households.concurrency import ConcurrentEditError, claim_version
from households.models import Household

CONCURRENT_CHECK_ERROR = _(
    "该户的核查在您打开页面后已被他人提交或审核。为避免覆盖对方的操作,本次提交未生效;"
    "请刷新页面查看最新状态后再操作。"
)


class ConcurrentCheckError(ConcurrentEditError):
    """The check changed since the user loaded the page (``households.concurrency``)."""

    def __init__(self):
        super().__init__(CONCURRENT_CHECK_ERROR, code="concurrent_check")


def _staff(user, role) -> CensusStaff | None:
    """The census staff record linked to ``user`` in ``role``, if any."""
    return CensusStaff.objects.filter(user=user, role=role).first() if user else None


def _locked_check(household: Household) -> HouseholdCheck | None:
    # The row lock makes a concurrent action on PostgreSQL wait for this one
    # and then see its version; the conditional UPDATE of claim_version is what
    # guarantees it on every backend.
    return HouseholdCheck.objects.select_for_update().filter(household=household).first()


def _workflow(status: str, action: str, note: str = "") -> str:
    try:
        return rules.next_status(status, action, note=note)
    except rules.WorkflowError as exc:
        raise ValidationError({exc.field: exc.message} if exc.field else exc.message) from None


def household_check_submit(
    *,
    household: Household,
    results: Mapping[str, rules.ItemResult],
    expected_version: int,
    user,
) -> HouseholdCheck:
    """The enumerator confirms every item of the checklist and submits the check.

    Allowed on a household without a check (``expected_version=0``), on a
    check sent back, and on a submitted check not yet reviewed (an amendment).
    Every item must be answered; an item that is not OK needs a note.
    """
    errors = rules.checklist_errors(results)
    if errors:
        raise ValidationError(errors)
    checklist = rules.checklist_to_json(results)
    today = timezone.localdate()
    with transaction.atomic():
        check = _locked_check(household)
        if check is None:
            if expected_version != 0:
                raise ConcurrentCheckError()
            check = HouseholdCheck(household=household, version=0)
        elif check.version != expected_version:
            if (
                check.version == expected_version + 1
                and check.status == CheckStatus.CHECKED
                and check.submitted_by_id == getattr(user, "pk", None)
                and check.checklist == checklist
            ):
                return check  # the same submission posted twice
            raise ConcurrentCheckError()
        check.status = _workflow(check.status, rules.CheckAction.SUBMIT)
        check.checklist = checklist
        check.checked_on = today
        check.submitted_at = timezone.now()
        check.submitted_by = user
        check.enumerator = _staff(user, CensusStaff.Role.ENUMERATOR)
        # A new submission waits for a new review.
        check.reviewer = check.reviewed_by = check.reviewed_on = None
        check.review_note = ""
        if check.pk is None:
            check.version = 1
            check.full_clean(validate_unique=False)
            try:
                with transaction.atomic():
                    check.save()
            except IntegrityError:
                # Another submission created the household's check first.
                raise ConcurrentCheckError() from None
        else:
            claim_version(check, expected_version, ConcurrentCheckError)
            check.full_clean()
            check.save()
    return check


REVIEW_ERROR_OWN_SUBMISSION = _(
    "不能审核本人提交的核查:核查与审核须由不同人员完成,请由其他审核人员审核"
)


def _review(*, household: Household, action, note: str, expected_version: int, user):
    note = note.strip()
    with transaction.atomic():
        current = _locked_check(household)
        if current is None:
            raise ValidationError(str(rules.WORKFLOW_ERROR_NOT_SUBMITTED))
        # Whatever roles one account holds (a town administrator has both),
        # the one who submitted a check does not decide on it.
        if current.submitted_by_id is not None and current.submitted_by_id == getattr(
            user, "pk", None
        ):
            raise ValidationError(REVIEW_ERROR_OWN_SUBMISSION, code="own_submission")
        target = {
            rules.CheckAction.APPROVE: CheckStatus.APPROVED,
            rules.CheckAction.SEND_BACK: CheckStatus.SENT_BACK,
        }[action]
        if current.version != expected_version:
            if (
                current.version == expected_version + 1
                and current.status == target
                and current.reviewed_by_id == getattr(user, "pk", None)
                and current.review_note == note
            ):
                return current  # the same decision posted twice
            raise ConcurrentCheckError()
        current.status = _workflow(current.status, action, note)
        current.review_note = note
        current.reviewed_on = timezone.localdate()
        current.reviewed_by = user
        current.reviewer = _staff(user, CensusStaff.Role.REVIEWER)
        claim_version(current, expected_version, ConcurrentCheckError)
        current.full_clean()
        current.save()
    return current


def household_check_approve(
    *, household: Household, expected_version: int, user, note: str = ""
) -> HouseholdCheck:
    """A reviewer approves the household's submitted check (an optional note is kept)."""
    return _review(
        household=household,
        action=rules.CheckAction.APPROVE,
        note=note,
        expected_version=expected_version,
        user=user,
    )


def household_check_send_back(
    *, household: Household, expected_version: int, user, note: str
) -> HouseholdCheck:
    """A reviewer sends the household's submitted check back to the enumerator;
    the note, saying what to fix, is required."""
    return _review(
        household=household,
        action=rules.CheckAction.SEND_BACK,
        note=note,
        expected_version=expected_version,
        user=user,
    )
