"""Writes of the assistance measures.

Each service is one transaction, keyword-only, attributed to ``user`` in the
change history. Amounts follow the programme's standard (``measures.rules``)
unless overridden with a reason; statuses only move forward, or are cancelled
with a reason. Two people editing the same programme or application: the
second save is refused (``version``) and nothing the first saved is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.models import AuditAction
from audit.services import audit_record
from households.concurrency import ConcurrentEditError, claim_version  # noqa: F401 (re-exported)
from households.models import Household, Member
from households.selectors import household_size_on
from households.signals import send_villages_changed
from measures import rules
from measures.choices import ApplicationStatus, Kind, Target
from measures.models import Assignment, MeasureApplication, Programme, ResponsiblePerson
from measures.selectors import ApplyPlan, apply_plan, live_q

BATCH_SIZE = 1000

APPLY_ERROR_CHANGED = _(
    "预览之后数据已有变化(现在将新增{now}条,预览时为{expected}条),本次未保存;请核对新的预览后再确认。"
)
APPLY_ERROR_CHANGED_SET = _(
    "预览之后符合条件的户(人)已有变化,本次未保存;请核对新的预览和排除的户后再确认。"
)
APPLY_ERROR_CONCURRENT = _("有人同时在为这些户添加同一项目的措施,本次未保存;请重新预览后再确认。")
APPLY_ERROR_NOTHING = _("没有需要新增的措施:符合条件的户(人)都已有这一项目的措施。")
APPLY_ERROR_RENOVATION_KIND = _("危房改造须选择改造方式")
APPLY_ERROR_STATUS = _("新增的措施只能是“计划”或“已完成”")
APPLICATION_ERROR_DUPLICATE_MEMBER = _("该成员已有这一项目的措施(未取消),不能重复添加")
APPLICATION_ERROR_DUPLICATE_HOUSEHOLD = _("该户已有这一项目的措施(未取消),不能重复添加")
APPLICATION_ERROR_OTHER_VILLAGE = _("该项目只在{village}实施")
APPLICATION_ERROR_CANCELLED = _("已取消的措施不能修改")
APPLICATION_ERROR_NO_MEMBERS = _("该户在{date}没有在册成员,不能按人计算")


def _as_validation_error(exc: rules.RuleViolation) -> ValidationError:
    return ValidationError({field: [message] for field, message in exc.errors.items()})


def _attribute(obj, user, reason: str = ""):
    """Record ``user`` (and a reason) on the history entry ``obj.save()`` writes."""
    if user is not None:
        obj._history_user = user
    if reason:
        obj._change_reason = reason
    return obj


# --------------------------------------------------------------------------
# Programmes
# --------------------------------------------------------------------------


PROGRAMME_FIELDS = (
    "year",
    "name",
    "category",
    "kind",
    "target",
    "unit",
    "standard_amount",
    "days",
    "income_per_year",
    "partner",
    "village",
    "description",
)


def programme_create(*, data: dict, user=None) -> Programme:
    """Create a programme with its standard (validated by ``Programme.clean``)."""
    programme = Programme(**{name: data[name] for name in PROGRAMME_FIELDS if name in data})
    with transaction.atomic():
        programme.full_clean()
        _attribute(programme, user).save()
    return programme


@dataclass(frozen=True)
class ProgrammeUpdate:
    programme: Programme
    repriced: int


def programme_update(
    *, programme: Programme, expected_version: int, data: dict, user=None
) -> ProgrammeUpdate:
    """Change a programme; planned applications priced on the standard follow a new one.

    Applications in progress or completed keep their amounts (money may have
    been paid under the earlier standard), and so do planned ones whose
    amount was overridden with a reason. A programme's target or unit cannot
    change once it has live applications: their persons and amounts would no
    longer mean what they meant.
    """
    with transaction.atomic():
        claim_version(programme, expected_version)
        before = (programme.target, programme.unit)
        for name in PROGRAMME_FIELDS:
            if name in data:
                setattr(programme, name, data[name])
        programme.full_clean()
        live = programme.applications.filter(live_q())
        if (programme.target, programme.unit) != before and live.exists():
            raise ValidationError(
                {"unit": _("该项目已有措施,不能再修改帮扶对象或补助标准单位;请新建项目")}
            )
        _attribute(programme, user).save()
        planned = list(
            live.filter(status=ApplicationStatus.PLANNED, amount_override_reason="")
            .select_for_update()
            .order_by("pk")
        )
        changed = []
        for application in planned:
            amount = programme.standard_for(persons=application.persons)
            if amount is not None and amount != application.amount:
                application.amount = amount
                application.version += 1
                changed.append(application)
        if changed:
            bulk_update_with_history(
                changed,
                MeasureApplication,
                ["amount", "version"],
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=str(_("项目补助标准调整")),
            )
            send_villages_changed(
                Household.objects.filter(pk__in={a.household_id for a in changed})
                .values_list("village_id", flat=True)
                .distinct()
            )
            audit_record(
                action=AuditAction.UPDATE,
                user=user,
                object_type=MeasureApplication._meta.label_lower,
                object_label=str(programme),
                detail={"reason": "repriced", "programme": programme.pk},
                count=len(changed),
            )
    return ProgrammeUpdate(programme=programme, repriced=len(changed))


# --------------------------------------------------------------------------
# Applying a programme
# --------------------------------------------------------------------------


def _responsible_by_household(household_ids) -> dict[int, int]:
    """Each household's responsible person (the latest open assignment), one query."""
    rows = (
        Assignment.objects.filter(household_id__in=household_ids, ended_on__isnull=True)
        .order_by("household_id", "-started_on", "-pk")
        .values_list("household_id", "person_id")
    )
    result: dict[int, int] = {}
    for household_id, person_id in rows:
        result.setdefault(household_id, person_id)
    return result


def _new_application_dates(status: str, on: date) -> dict:
    """Dates of an application created as planned (on ``on``) or completed on ``on``."""
    if status == ApplicationStatus.PLANNED:
        return {"planned_on": on}
    if status == ApplicationStatus.COMPLETED:
        done = rules.transition(
            old=ApplicationStatus.PLANNED,
            new=ApplicationStatus.COMPLETED,
            on=on,
            today=timezone.localdate(),
        )
        return {"planned_on": on, "started_on": done.started_on, "completed_on": on}
    raise ValidationError({"status": APPLY_ERROR_STATUS})


@dataclass(frozen=True)
class ApplyResult:
    created: int
    households: int
    persons: int
    funds: Decimal
    skipped: int


def programme_apply(
    *,
    programme: Programme,
    households,
    on: date,
    user,
    members_q=None,
    amount: Decimal | None = None,
    renovation_kind: str = "",
    status: str = ApplicationStatus.PLANNED,
    expected: int | None = None,
    expected_fingerprint: str | None = None,
) -> ApplyResult:
    """Apply ``programme`` to the filtered ``households`` (or their members) on ``on``.

    The set is resolved again inside the transaction by the same selector
    as the preview (``measures.selectors.apply_plan``); households or
    persons that already have a live application of the programme are
    skipped, so applying twice creates nothing the second time. If the set
    changed since the preview (``expected`` applications), nothing is written
    and the caller shows the new preview. One transaction, bulk inserts, each
    row's history entry attributed to ``user``; each application's
    responsible person is its household's. ``expected_fingerprint`` (the
    preview's ``ApplyPlan.fingerprint``) refuses a set of others of the same size.
    """
    if programme.kind == Kind.RENOVATION and not renovation_kind:
        raise ValidationError({"renovation_kind": APPLY_ERROR_RENOVATION_KIND})
    if programme.standard_for(persons=1) is None:
        # A lump-sum programme has no standard: the form gives one amount for all.
        try:
            rules.resolve_amount(standard=None, amount=amount)
        except rules.RuleViolation as exc:
            raise _as_validation_error(exc) from None
    else:
        amount = None  # the standard prices every application
    dates = _new_application_dates(status, on)
    try:
        with transaction.atomic():
            # One apply of a programme at a time (PostgreSQL row lock): two
            # confirmations of the same preview cannot both insert.
            Programme.objects.select_for_update().filter(pk=programme.pk).first()
            plan: ApplyPlan = apply_plan(
                programme=programme,
                households=households,
                on=on,
                members_q=members_q,
                amount=amount,
            )
            # Nothing left to create first: a confirmation posted twice (a
            # double click, a second tab) is told that, not that data changed.
            if not plan.targets:
                raise ValidationError(APPLY_ERROR_NOTHING, code="nothing")
            if expected is not None and plan.to_create != expected:
                raise ValidationError(
                    APPLY_ERROR_CHANGED.format(now=plan.to_create, expected=expected),
                    code="changed",
                )
            if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
                # The same number of others: the preview's list is what was confirmed.
                raise ValidationError(APPLY_ERROR_CHANGED_SET, code="changed")
            responsible = _responsible_by_household({t.household_id for t in plan.targets})
            applications = [
                MeasureApplication(
                    programme=programme,
                    household_id=t.household_id,
                    member_id=t.member_id,
                    persons=t.persons,
                    status=status,
                    amount=t.amount,
                    added_income=programme.income_per_year,
                    renovation_kind=renovation_kind,
                    responsible_id=responsible.get(t.household_id),
                    **dates,
                )
                for t in plan.targets
            ]
            bulk_create_with_history(
                applications,
                MeasureApplication,
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=str(_("批量应用项目")),
            )
            send_villages_changed(
                Household.objects.filter(pk__in={a.household_id for a in applications})
                .values_list("village_id", flat=True)
                .distinct()
            )
            # One audit entry for the whole apply (the bulk insert writes no
            # entry per row); the rows' history names the user.
            audit_record(
                action=AuditAction.BULK_APPLY,
                user=user,
                obj=programme,
                detail={
                    "on": on,
                    "status": status,
                    "households": plan.households_to_create,
                    "persons": plan.persons_to_create,
                    "funds": str(plan.funds),
                    "skipped": plan.already,
                },
                count=plan.to_create,
            )
    except IntegrityError:
        # The partial unique indexes caught a concurrent apply the lock did not (SQLite).
        raise ValidationError(APPLY_ERROR_CONCURRENT, code="concurrent") from None
    return ApplyResult(
        created=plan.to_create,
        households=plan.households_to_create,
        persons=plan.persons_to_create,
        funds=plan.funds,
        skipped=plan.already,
    )


# --------------------------------------------------------------------------
# One application
# --------------------------------------------------------------------------


def application_create(
    *,
    programme: Programme,
    household: Household,
    on: date,
    user=None,
    member: Member | None = None,
    status: str = ApplicationStatus.PLANNED,
    amount: Decimal | None = None,
    amount_override_reason: str = "",
    added_income: Decimal | None = None,
    renovation_kind: str = "",
    progress_note: str = "",
    responsible: ResponsiblePerson | None = None,
    notes: str = "",
) -> MeasureApplication:
    """Apply ``programme`` to one household (or one member of it) on ``on``.

    The amount is the programme's standard for the persons concerned unless
    an amount is given with a reason; the added income defaults to the
    programme's. The responsible person defaults to the household's.
    """
    errors = {}
    if programme.village_id and household.village_id != programme.village_id:
        errors["programme"] = str(APPLICATION_ERROR_OTHER_VILLAGE).format(
            village=programme.village.name
        )
    size = household_size_on(household, on)
    persons = rules.persons_concerned(
        unit=programme.unit, target=programme.target, household_size=size
    )
    if persons < 1:
        errors["programme"] = str(APPLICATION_ERROR_NO_MEMBERS).format(date=on.isoformat())
    if errors:
        raise ValidationError(errors)
    try:
        amount = rules.resolve_amount(
            standard=programme.standard_for(persons=persons),
            amount=amount,
            override_reason=amount_override_reason,
        )
    except rules.RuleViolation as exc:
        raise _as_validation_error(exc) from None
    if responsible is None:
        person_id = _responsible_by_household([household.pk]).get(household.pk)
        responsible = ResponsiblePerson.objects.filter(pk=person_id).first() if person_id else None
    application = MeasureApplication(
        programme=programme,
        household=household,
        member=member if programme.target == Target.PERSON else None,
        persons=persons,
        status=status,
        amount=amount,
        amount_override_reason=amount_override_reason.strip() if amount_override_reason else "",
        added_income=programme.income_per_year if added_income is None else added_income,
        renovation_kind=renovation_kind,
        progress_note=progress_note,
        responsible=responsible,
        notes=notes,
        **_new_application_dates(status, on),
    )
    if programme.target == Target.PERSON and member is None:
        raise ValidationError({"member": _("到人的项目须选择受益成员")})
    with transaction.atomic():
        # Serialise with bulk applies of the same programme (see programme_apply).
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        duplicate = MeasureApplication.objects.filter(live_q(), programme=programme)
        if member is not None and duplicate.filter(member=member).exists():
            raise ValidationError({"member": APPLICATION_ERROR_DUPLICATE_MEMBER})
        if member is None and duplicate.filter(household=household, member=None).exists():
            raise ValidationError({"programme": APPLICATION_ERROR_DUPLICATE_HOUSEHOLD})
        application.full_clean()
        _attribute(application, user).save()
    return application


APPLICATION_EDIT_FIELDS = (
    "amount",
    "amount_override_reason",
    "added_income",
    "renovation_kind",
    "progress_note",
    "responsible",
    "notes",
)


def application_update(
    *, application: MeasureApplication, expected_version: int, data: dict, user=None
) -> MeasureApplication:
    """Change an application's amount, income, renovation kind, progress or notes.

    An empty amount means the programme's standard. A changed amount that
    differs from the standard needs a reason (``MeasureApplication.clean``).
    """
    with transaction.atomic():
        claim_version(application, expected_version)
        if application.status == ApplicationStatus.CANCELLED:
            raise ValidationError(APPLICATION_ERROR_CANCELLED)
        data = dict(data)
        if "amount" in data and data["amount"] is None:
            standard = application.programme.standard_for(persons=application.persons)
            data["amount"] = standard if standard is not None else application.amount
        for name in APPLICATION_EDIT_FIELDS:
            if name in data:
                value = data[name]
                setattr(application, name, value.strip() if isinstance(value, str) else value)
        application.full_clean()
        _attribute(application, user).save()
    return application


def application_change_status(
    *,
    application: MeasureApplication,
    status: str,
    on: date | None,
    expected_version: int,
    reason: str = "",
    progress_note: str | None = None,
    user=None,
) -> MeasureApplication:
    """Move an application forward (planned → in progress → completed) or cancel it.

    ``rules.transition`` decides: completing needs a completion date on or
    after the start, cancelling a reason, no date after today, no going back.
    The row is locked and its version checked, so two people changing the
    same measure cannot both succeed.
    """
    with transaction.atomic():
        current = MeasureApplication.objects.select_for_update().get(pk=application.pk)
        claim_version(current, expected_version)
        try:
            change = rules.transition(
                old=current.status,
                new=status,
                on=on,
                today=timezone.localdate(),
                started_on=current.started_on,
                completed_on=current.completed_on,
                reason=reason,
            )
        except rules.RuleViolation as exc:
            raise _as_validation_error(exc) from None
        current.status = change.status
        current.started_on = change.started_on
        current.completed_on = change.completed_on
        current.cancelled_on = change.cancelled_on
        current.cancel_reason = change.cancel_reason
        if progress_note is not None:
            current.progress_note = progress_note.strip()
        current.full_clean()
        _attribute(current, user, reason.strip()).save()
    application.refresh_from_db()
    return application
