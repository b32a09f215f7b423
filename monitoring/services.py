"""Writes of monitoring: intake, the identification and elimination workflows.

A case moves through the states of ``CaseState`` by the steps of ``StepKind``
(:data:`TRANSITIONS`), each step by the role allowed to do it:

* the village (``monitoring.work_case``: the village cadre, and the town
  administrator): intake, home verification with the signed consent form,
  village democratic review and its public notice, announcement, the
  elimination proposal and its announcement;
* the town (``monitoring.review_at_town``): town review, entry into the
  national system;
* the county (``monitoring.approve_at_county``): data comparison and approval,
  by the county administrator (旗县管理员) only — never a town's role.

Each step locks the case's row, checks the version the user loaded
(optimistic locking: a second person acting on an old page is refused,
never silently overwriting the first), checks the state again under the
lock, records a :class:`CaseStep` (date, note, actor, evidence) and writes
one audit entry. Deadlines are counted in working days (``monitoring.workdays``)
from the province line's parameters; a year the working-day calendar does not
know is refused with its message, never guessed.

The fast track (绿色通道) is for disasters and accidents: the household is
helped from intake (``MonitoringCase.helped_from``) while the procedure runs
after, with the same steps and deadlines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from audit.services import audit_record
from households import concurrency
from households.models import Household
from households.scope import households_visible_to
from monitoring import selectors, workdays
from monitoring.choices import (
    CLOSED_STATES,
    FAST_TRACK_RISKS,
    CaseState,
    Category,
    Channel,
    Department,
    RiskType,
    SelfReportKind,
    StepKind,
)
from monitoring.models import CaseRisk, CaseStep, DepartmentWarning, MonitoringCase
from rectification.filetypes import check_evidence_file
from rectification.services import _clean_name, _read_upload

WORK = "monitoring.work_case"
TOWN = "monitoring.review_at_town"
COUNTY = "monitoring.approve_at_county"
ADD = "monitoring.add_monitoringcase"

ERROR_CONCURRENT = _(
    "该监测对象在您打开页面后已被他人办理。为避免覆盖对方的办理结果,本次操作未生效;"
    "请刷新页面查看最新状态后再办理。"
)
ERROR_FORBIDDEN = _("您没有办理“{step}”的权限")
ERROR_WRONG_STATE = _("“{step}”只能在“{expected}”时办理,该户当前为“{state}”")
ERROR_CLOSED = _("该监测记录已办结(“{state}”),不能再办理")
ERROR_FUTURE = _("办理日期不能晚于今天({today})")
ERROR_BEFORE_LAST = _("办理日期不能早于上一环节的日期({date})")
ERROR_EVIDENCE_REQUIRED = _("“{step}”须上传佐证材料({what})")
ERROR_NOTE_REQUIRED = _("请填写办理意见(原因)")
ERROR_NOTICE_TOO_SHORT = _("公示自{start}起须满{days}天,最早{earliest}方可审核")
ERROR_NOT_ELIGIBLE = _("不符合风险消除条件:{reasons}")
ERROR_STAYS_MONITORED = _("家中无劳动能力成员,不能标注风险消除,应继续监测帮扶")
ERROR_ALREADY_OPEN = _("该户已有正在办理或监测中的记录,不能重复受理")
ERROR_NO_LINE = _("未设置{province}{year}年度防返贫监测标准,无法计算办理期限;请先由管理员录入")
ERROR_RISKS_REQUIRED = _("请至少选择一项风险类型")
ERROR_UNKNOWN_RISK = _("未知的风险类型:{value}")
ERROR_SELF_REPORT_KIND = _("农户自主申报须选择申报方式(纸质、手机应用、12317热线或扫码)")
ERROR_DEPARTMENT = _("部门筛查预警须选择预警部门")
ERROR_FAST_TRACK = _("绿色通道只适用于因灾、因意外事故的紧急情况")
ERROR_CATEGORY = _("请选择监测对象类别")
ERROR_INTAKE_FUTURE = _("受理日期不能晚于今天({today})")
ERROR_NOT_FOUND = _("您负责的范围内没有身份证号为此号码的在册成员,请核对号码")
ERROR_STABLE_FUTURE = _("收入稳定起始日期不能晚于今天({today})")


class ConcurrentEditError(concurrency.ConcurrentEditError):
    """The case was acted on since the user loaded its page."""

    def __init__(self):
        super().__init__(ERROR_CONCURRENT)


@dataclass(frozen=True)
class Transition:
    source: tuple[CaseState, ...]
    target: CaseState | None  # None: back to where elimination started (MONITORED)
    permission: str
    evidence: str = ""  # what must be uploaded, if anything
    note_required: bool = False


#: Each step: the states it starts from, the state it leads to, who may do it.
TRANSITIONS: dict[StepKind, Transition] = {
    StepKind.HOME_CHECK: Transition(
        (CaseState.INTAKE,), CaseState.HOME_CHECKED, WORK, _("签字的承诺授权书和排查表")
    ),
    StepKind.DATA_COMPARISON: Transition((CaseState.HOME_CHECKED,), CaseState.COMPARED, COUNTY),
    StepKind.VILLAGE_REVIEW: Transition(
        (CaseState.COMPARED,), CaseState.NOTICE, WORK, _("评议记录或公示照片")
    ),
    StepKind.TOWN_REVIEW: Transition((CaseState.NOTICE,), CaseState.TOWN_REVIEWED, TOWN),
    StepKind.COUNTY_APPROVAL: Transition((CaseState.TOWN_REVIEWED,), CaseState.APPROVED, COUNTY),
    StepKind.ANNOUNCEMENT: Transition(
        (CaseState.APPROVED,), CaseState.ANNOUNCED, WORK, _("公告或其照片")
    ),
    StepKind.SYSTEM_ENTRY: Transition((CaseState.ANNOUNCED,), CaseState.MONITORED, TOWN),
    StepKind.ELIMINATION_REVIEW: Transition(
        (CaseState.MONITORED,), CaseState.ELIMINATION_NOTICE, WORK, _("评议记录或公示照片")
    ),
    StepKind.ELIMINATION_TOWN_REVIEW: Transition(
        (CaseState.ELIMINATION_NOTICE,), CaseState.ELIMINATION_TOWN_REVIEWED, TOWN
    ),
    StepKind.ELIMINATION_COUNTY_APPROVAL: Transition(
        (CaseState.ELIMINATION_TOWN_REVIEWED,), CaseState.ELIMINATION_APPROVED, COUNTY
    ),
    StepKind.ELIMINATION_ANNOUNCEMENT: Transition(
        (CaseState.ELIMINATION_APPROVED,), CaseState.ELIMINATED, WORK, _("公告或其照片")
    ),
}

#: Refusals: who may refuse a case in each state (the village before its review
#: is done, the town at its review, the county at its approval).
REJECTION_PERMISSIONS = {
    CaseState.INTAKE: WORK,
    CaseState.HOME_CHECKED: WORK,
    CaseState.COMPARED: WORK,
    CaseState.NOTICE: TOWN,
    CaseState.TOWN_REVIEWED: COUNTY,
}
#: An elimination refused at the town's review or the county's approval: monitoring goes on.
RETURN_PERMISSIONS = {
    CaseState.ELIMINATION_NOTICE: TOWN,
    CaseState.ELIMINATION_TOWN_REVIEWED: COUNTY,
    CaseState.ELIMINATION_APPROVED: COUNTY,
}


def step_permission(kind: StepKind, state: str) -> str | None:
    """The permission ``kind`` needs from a case in ``state`` (None: not possible there)."""
    kind = StepKind(kind)
    if kind == StepKind.REJECTION:
        return REJECTION_PERMISSIONS.get(state)
    if kind == StepKind.ELIMINATION_RETURN:
        return RETURN_PERMISSIONS.get(state)
    transition = TRANSITIONS[kind]
    return transition.permission if state in transition.source else None


def allowed_steps(*, case: MonitoringCase, user) -> list[StepKind]:
    """The steps ``user`` may take on ``case`` now (for the case's page)."""
    return [
        kind
        for kind in StepKind
        if (permission := step_permission(kind, case.state)) and user.has_perm(permission)
    ]


def _refresh(case: MonitoringCase, locked: MonitoringCase) -> None:
    """The caller's copy of the case takes the saved row's values (the new version too)."""
    case.__dict__.update(
        {f.attname: getattr(locked, f.attname) for f in MonitoringCase._meta.concrete_fields}
    )


def _in_scope(user, household: Household) -> None:
    """404 for a household the user may not see: its existence is not confirmed."""
    if not households_visible_to(user).filter(pk=household.pk).exists():
        raise Http404


# --------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------


def _clean_risks(risks: Iterable[str]) -> list[str]:
    risks = list(dict.fromkeys(risks))
    if not risks:
        raise ValidationError({"risks": ERROR_RISKS_REQUIRED})
    unknown = [r for r in risks if r not in RiskType.values]
    if unknown:
        raise ValidationError({"risks": ERROR_UNKNOWN_RISK.format(value="、".join(unknown))})
    return risks


def case_deadlines(*, household: Household, intake_on: date) -> tuple[date, date]:
    """``(home check due, procedure deadline)`` of a case taken in on ``intake_on``.

    From the working-day parameters of the household's province line of that
    year; ``ValidationError`` without a line or beyond the working-day calendar.
    """
    line = selectors.monitoring_line_for(household=household, year=intake_on.year)
    if line is None:
        raise ValidationError(
            ERROR_NO_LINE.format(province=selectors.province_of(household), year=intake_on.year),
            code="no_line",
        )
    try:
        return (
            workdays.add_working_days(intake_on, line.home_check_working_days),
            workdays.add_working_days(intake_on, line.procedure_working_days),
        )
    except workdays.WorkCalendarError as exc:
        raise ValidationError(str(exc), code="calendar") from None


def case_intake(
    *,
    household: Household,
    category: str,
    channel: str,
    intake_on: date,
    risks: Iterable[str],
    user,
    self_report_kind: str = "",
    department: str = "",
    warning: DepartmentWarning | None = None,
    fast_track: bool = False,
    situation: str = "",
    responsible=None,
    today: date | None = None,
) -> MonitoringCase:
    """Take in a household found at risk (state 待入户核实), with its deadlines."""
    if not user.has_perm(ADD) or not user.has_perm(WORK):
        raise PermissionDenied
    _in_scope(user, household)
    today = today or timezone.localdate()
    risks = _clean_risks(risks)
    errors = {}
    if category not in Category.values:
        errors["category"] = ERROR_CATEGORY
    if intake_on > today:
        errors["intake_on"] = ERROR_INTAKE_FUTURE.format(today=today)
    if channel == Channel.SELF_REPORT and self_report_kind not in SelfReportKind.values:
        errors["self_report_kind"] = ERROR_SELF_REPORT_KIND
    if channel == Channel.DEPARTMENT and department not in Department.values:
        errors["department"] = ERROR_DEPARTMENT
    if fast_track and not set(risks) & set(FAST_TRACK_RISKS):
        errors["fast_track"] = ERROR_FAST_TRACK
    if errors:
        raise ValidationError(errors)
    home_check_due, deadline = case_deadlines(household=household, intake_on=intake_on)
    case = MonitoringCase(
        household=household,
        category=category,
        channel=channel,
        self_report_kind=self_report_kind if channel == Channel.SELF_REPORT else "",
        department=department if channel == Channel.DEPARTMENT else "",
        warning=warning,
        intake_on=intake_on,
        fast_track=fast_track,
        home_check_due=home_check_due,
        deadline=deadline,
        situation=situation.strip(),
        responsible=responsible,
        reported_by=user,
    )
    try:
        with transaction.atomic():
            if (
                MonitoringCase.objects.select_for_update()
                .filter(household=household)
                .exclude(state__in=CLOSED_STATES)
                .exists()
            ):
                raise ValidationError(ERROR_ALREADY_OPEN, code="already_open")
            case.full_clean()
            case.save()
            CaseRisk.objects.bulk_create(CaseRisk(case=case, risk=risk) for risk in risks)
            audit_record(
                action=AuditAction.CREATE,
                user=user,
                obj=case,
                detail={
                    "step": "intake",
                    "channel": channel,
                    "category": category,
                    "risks": risks,
                    "fast_track": fast_track,
                    "intake_on": intake_on,
                },
            )
    except IntegrityError:
        # Two intakes at once: the one-open-case constraint let one in.
        raise ValidationError(ERROR_ALREADY_OPEN, code="already_open") from None
    return case


# --------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------


def _evidence(upload) -> tuple[bytes, str, object]:
    limit = settings.RECTIFICATION_EVIDENCE_MAX_BYTES
    data = _read_upload(upload, limit)
    original = _clean_name(upload.name or "")
    try:
        kind = check_evidence_file(data, name=original, max_bytes=limit)
    except ValidationError as exc:
        raise ValidationError({"evidence": exc}) from None
    return data, original, kind


def _check_date(locked: MonitoringCase, on: date, today: date) -> None:
    if on > today:
        raise ValidationError({"on": ERROR_FUTURE.format(today=today)})
    last = locked.steps.order_by("-on").values_list("on", flat=True).first() or locked.intake_on
    if on < last:
        raise ValidationError({"on": ERROR_BEFORE_LAST.format(date=last)})


def _notice_days(locked: MonitoringCase) -> int:
    line = selectors.monitoring_line_for(
        household=locked.household, year=locked.notice_started_on.year
    )
    if line is None:
        raise ValidationError(
            ERROR_NO_LINE.format(
                province=selectors.province_of(locked.household),
                year=locked.notice_started_on.year,
            ),
            code="no_line",
        )
    return line.notice_days


def case_step(
    *,
    case: MonitoringCase,
    kind: str,
    on: date,
    user,
    expected_version: int,
    note: str = "",
    upload=None,
    today: date | None = None,
) -> CaseStep:
    """Take one step of ``case``'s procedure (see :data:`TRANSITIONS`)."""
    kind = StepKind(kind)
    today = today or timezone.localdate()
    note = note.strip()
    _in_scope(user, case.household)
    permission = step_permission(kind, case.state)
    if permission is not None and not user.has_perm(permission):
        raise PermissionDenied(str(ERROR_FORBIDDEN.format(step=kind.label)))
    transition = TRANSITIONS.get(kind)
    evidence = None
    if upload is not None:
        evidence = _evidence(upload)
    stored_name = None
    try:
        with transaction.atomic():
            locked = MonitoringCase.objects.select_for_update().get(pk=case.pk)
            concurrency.check_version(locked, expected_version, ConcurrentEditError)
            if locked.state in CLOSED_STATES:
                raise ValidationError(
                    ERROR_CLOSED.format(state=CaseState(locked.state).label), code="closed"
                )
            # Under the lock, the state (and so the permission) is the current one.
            permission = step_permission(kind, locked.state)
            if permission is None:
                expected = (
                    "、".join(str(CaseState(s).label) for s in transition.source)
                    if transition
                    else "、".join(
                        str(CaseState(s).label)
                        for s in (
                            REJECTION_PERMISSIONS
                            if kind == StepKind.REJECTION
                            else RETURN_PERMISSIONS
                        )
                    )
                )
                raise ValidationError(
                    ERROR_WRONG_STATE.format(
                        step=kind.label, expected=expected, state=CaseState(locked.state).label
                    ),
                    code="state",
                )
            if not user.has_perm(permission):
                raise PermissionDenied(str(ERROR_FORBIDDEN.format(step=kind.label)))
            _check_date(locked, on, today)
            before = locked.state
            if transition is not None and transition.evidence and evidence is None:
                raise ValidationError(
                    {
                        "evidence": ERROR_EVIDENCE_REQUIRED.format(
                            step=kind.label, what=transition.evidence
                        )
                    }
                )
            if kind in (StepKind.REJECTION, StepKind.ELIMINATION_RETURN) and not note:
                raise ValidationError({"note": ERROR_NOTE_REQUIRED})
            _apply(locked, kind, on, note)
            step = CaseStep(
                case=locked,
                kind=kind,
                on=on,
                note=note,
                state_before=before,
                state_after=locked.state,
                actor=user,
            )
            if evidence is not None:
                data, original, file_kind = evidence
                step.evidence_name = original
                step.evidence_type = file_kind.content_type
                step.evidence_sha256 = hashlib.sha256(data).hexdigest()
                step.evidence.save(f"step.{file_kind.extension}", ContentFile(data), save=False)
                stored_name = step.evidence.name
            step.save()
            locked.version += 1
            locked.save()
            _refresh(case, locked)
            audit_record(
                action=AuditAction.UPDATE,
                user=user,
                obj=locked,
                detail={
                    "step": kind.value,
                    "step_label": str(kind.label),
                    "from": before,
                    "to": locked.state,
                    "on": on,
                    "note": note[:200],
                    "evidence": step.evidence_name,
                },
            )
    except BaseException:
        if stored_name:
            CaseStep._meta.get_field("evidence").storage.delete(stored_name)
        raise
    return step


def _apply(locked: MonitoringCase, kind: StepKind, on: date, note: str) -> None:
    """The case's fields a step changes (the state included)."""
    if kind == StepKind.REJECTION:
        locked.state = CaseState.REJECTED
        locked.closed_reason = note
        return
    if kind == StepKind.ELIMINATION_RETURN:
        locked.state = CaseState.MONITORED
        locked.notice_started_on = None
        return
    if kind in (StepKind.TOWN_REVIEW, StepKind.ELIMINATION_TOWN_REVIEW):
        days = _notice_days(locked)
        earliest = locked.notice_started_on + timedelta(days=days)
        if on < earliest:
            raise ValidationError(
                {
                    "on": ERROR_NOTICE_TOO_SHORT.format(
                        start=locked.notice_started_on, days=days, earliest=earliest
                    )
                }
            )
    if kind == StepKind.ELIMINATION_REVIEW:
        check = selectors.case_elimination_check(case=locked, on=on)
        if check.stays_monitored:
            raise ValidationError(ERROR_STAYS_MONITORED, code="stays_monitored")
        if not check.passed:
            reasons = ";".join(f"{c.label}:{c.reason}" for c in check.failures)
            raise ValidationError(ERROR_NOT_ELIGIBLE.format(reasons=reasons), code="not_eligible")
    if kind in (StepKind.VILLAGE_REVIEW, StepKind.ELIMINATION_REVIEW):
        locked.notice_started_on = on
    if kind == StepKind.SYSTEM_ENTRY:
        locked.identified_on = on
    if kind == StepKind.ELIMINATION_ANNOUNCEMENT:
        locked.eliminated_on = on
    locked.state = TRANSITIONS[kind].target


def case_follow_up(
    *,
    case: MonitoringCase,
    expected_version: int,
    income_stable_since: date | None,
    rigid_costs_settled: bool,
    user,
    today: date | None = None,
) -> MonitoringCase:
    """Record what a follow-up visit found (income stable since, rigid costs settled)."""
    _in_scope(user, case.household)
    if not user.has_perm(WORK):
        raise PermissionDenied
    today = today or timezone.localdate()
    if income_stable_since and income_stable_since > today:
        raise ValidationError({"income_stable_since": ERROR_STABLE_FUTURE.format(today=today)})
    with transaction.atomic():
        locked = MonitoringCase.objects.select_for_update().get(pk=case.pk)
        concurrency.check_version(locked, expected_version, ConcurrentEditError)
        if locked.state in CLOSED_STATES:
            raise ValidationError(
                ERROR_CLOSED.format(state=CaseState(locked.state).label), code="closed"
            )
        before = {
            "income_stable_since": locked.income_stable_since,
            "rigid_costs_settled": locked.rigid_costs_settled,
        }
        locked.income_stable_since = income_stable_since
        locked.rigid_costs_settled = rigid_costs_settled
        locked.version += 1
        locked.save()
        _refresh(case, locked)
        audit_record(
            action=AuditAction.UPDATE,
            user=user,
            obj=locked,
            detail={
                "step": "follow_up",
                "before": before,
                "after": {
                    "income_stable_since": income_stable_since,
                    "rigid_costs_settled": rigid_costs_settled,
                },
            },
        )
    return case
