"""The identification and elimination workflows: each step by its role, in its
state, with its evidence, dates, notice period, optimistic locking and audit."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from audit.models import AuditEntry
from households.choices import Labour
from households.models import Household
from monitoring import services, workdays
from monitoring.choices import CaseState, Category, Channel, RiskType, SelfReportKind, StepKind
from monitoring.models import CaseStep, MonitoringCase
from tests.factories import IncomeFactory
from tests.monitoring.conftest import PROVINCE, make_line, set_province

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EVE = date(2024, 2, 9)  # 除夕 2024: the holiday runs 02-10…02-17
TODAY = date(2024, 12, 31)


def user(username):
    return get_user_model().objects.get(username=username)


def png(name="承诺授权书.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def setting(town):
    set_province(PROVINCE)
    make_line(PROVINCE, year=2024, line="7500")
    return town


@pytest.fixture
def household(setting):
    # 学田地村: ``cadre``'s village, not ``cadre2``'s; read again for its town's province.
    return Household.objects.get(pk=setting["household"].pk)


def intake(household, *, by="cadre", on=EVE, **kw):
    values = {
        "category": Category.EDGE,
        "channel": Channel.SELF_REPORT,
        "self_report_kind": SelfReportKind.HOTLINE,
        "risks": [RiskType.ILLNESS],
        "today": TODAY,
        **kw,
    }
    return services.case_intake(household=household, intake_on=on, user=user(by), **values)


def step(case, kind, on, *, by, upload=None, note="", version=None):
    case.refresh_from_db()
    return services.case_step(
        case=case,
        kind=kind,
        on=on,
        user=user(by),
        expected_version=case.version if version is None else version,
        note=note,
        upload=upload,
        today=TODAY,
    )


IDENTIFICATION = [
    (StepKind.HOME_CHECK, date(2024, 2, 19), "cadre", True),
    (StepKind.DATA_COMPARISON, date(2024, 2, 20), "countyadmin", False),
    (StepKind.VILLAGE_REVIEW, date(2024, 2, 21), "cadre", True),
    (StepKind.TOWN_REVIEW, date(2024, 2, 26), "admin", False),
    (StepKind.COUNTY_APPROVAL, date(2024, 2, 27), "countyadmin", False),
    (StepKind.ANNOUNCEMENT, date(2024, 2, 28), "cadre", True),
    (StepKind.SYSTEM_ENTRY, date(2024, 3, 1), "admin", False),
]


def identify(case):
    for kind, on, by, evidence in IDENTIFICATION:
        step(case, kind, on, by=by, upload=png() if evidence else None)
    case.refresh_from_db()
    return case


# --------------------------------------------------------------------------
# Intake and deadlines
# --------------------------------------------------------------------------


def test_a_case_opened_on_spring_festival_eve_gets_working_day_deadlines(household):
    case = intake(household)
    assert case.state == CaseState.INTAKE
    assert (case.home_check_due, case.deadline) == (date(2024, 2, 22), date(2024, 3, 14))
    assert case.current_due == date(2024, 2, 22)
    assert case.risk_values == [RiskType.ILLNESS]
    entry = AuditEntry.objects.get(object_type="monitoring.monitoringcase", object_id=case.pk)
    assert entry.detail["step"] == "intake" and entry.username == "cadre"


def test_the_deadlines_are_the_provinces_parameters(household):
    from monitoring.models import MonitoringLine

    MonitoringLine.objects.update(home_check_working_days=2, procedure_working_days=15)
    case = intake(household)
    assert (case.home_check_due, case.deadline) == (date(2024, 2, 19), date(2024, 3, 7))


def test_intake_beyond_the_working_day_calendar_is_refused_not_guessed(household):
    _first, last = workdays.supported_years()
    make_line(PROVINCE, year=last)
    with pytest.raises(ValidationError, match=f"工作日历不含{last + 1}年,无法计算期限"):
        intake(household, on=date(last, 12, 20), today=date(last, 12, 31))
    assert not MonitoringCase.objects.exists()


def test_intake_without_the_provinces_line_is_refused(household):
    with pytest.raises(ValidationError, match="未设置内蒙古自治区2023年度防返贫监测标准"):
        intake(household, on=date(2023, 5, 8))


def test_a_household_has_one_open_case_and_may_be_taken_in_again_once_closed(household):
    case = intake(household)
    with pytest.raises(ValidationError, match="不能重复受理"):
        intake(household, by="admin")
    step(case, StepKind.REJECTION, date(2024, 2, 19), by="cadre", note="入户核实收入高于监测标准")
    assert intake(household, on=date(2024, 3, 1)).state == CaseState.INTAKE


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"self_report_kind": ""}, "self_report_kind"),
        ({"channel": Channel.DEPARTMENT}, "department"),
        ({"risks": []}, "risks"),
        ({"risks": ["bogus"]}, "risks"),
        ({"fast_track": True}, "fast_track"),  # 因病 is no emergency
        ({"category": "bogus"}, "category"),
        ({"today": date(2024, 2, 8)}, "intake_on"),
    ],
)
def test_intake_refuses_an_incomplete_case(household, kw, field):
    with pytest.raises(ValidationError) as caught:
        intake(household, **kw)
    assert field in caught.value.message_dict


def test_the_fast_track_helps_from_intake_for_a_disaster(household):
    case = intake(
        household,
        category=Category.SUDDEN,
        channel=Channel.VISIT,
        risks=[RiskType.DISASTER, RiskType.HOUSING],
        fast_track=True,
    )
    assert case.fast_track and case.helped_from == EVE
    # The procedure still follows, with the same deadlines.
    assert case.state == CaseState.INTAKE
    assert case.deadline == date(2024, 3, 14)


@pytest.mark.parametrize("username", ["leader", "enumerator", "reviewer", "helper"])
def test_who_does_not_work_cases_cannot_take_one_in(household, username):
    with pytest.raises(PermissionDenied):
        intake(household, by=username)


def test_a_cadre_of_another_village_gets_not_found(household):
    with pytest.raises(Http404):
        intake(household, by="cadre2")


# --------------------------------------------------------------------------
# Identification
# --------------------------------------------------------------------------


def test_the_seven_identification_steps_by_their_roles(household):
    case = identify(intake(household))
    assert case.state == CaseState.MONITORED
    assert case.identified_on == date(2024, 3, 1)
    assert case.current_due is None
    steps = list(case.steps.values_list("kind", "state_after", "actor__username"))
    assert [s[0] for s in steps] == [kind for kind, *_ in IDENTIFICATION]
    assert steps[-1] == (StepKind.SYSTEM_ENTRY, CaseState.MONITORED, "admin")
    consent = case.steps.get(kind=StepKind.HOME_CHECK)
    assert consent.evidence_name == "承诺授权书.png" and consent.evidence_type == "image/png"
    assert case.version == 1 + len(IDENTIFICATION)
    entries = AuditEntry.objects.filter(object_type="monitoring.monitoringcase", object_id=case.pk)
    assert sorted(e.detail["step"] for e in entries) == sorted(
        ["intake", *(kind.value for kind, *_ in IDENTIFICATION)]
    )


def make_case(household, state, **fields):
    return MonitoringCase.objects.create(
        household=household,
        category=Category.EDGE,
        channel=Channel.VISIT,
        intake_on=date(2024, 1, 2),
        home_check_due=date(2024, 1, 9),
        deadline=date(2024, 1, 30),
        state=state,
        notice_started_on=date(2024, 1, 10),
        **fields,
    )


STATE_OF = {
    StepKind.HOME_CHECK: CaseState.INTAKE,
    StepKind.DATA_COMPARISON: CaseState.HOME_CHECKED,
    StepKind.VILLAGE_REVIEW: CaseState.COMPARED,
    StepKind.TOWN_REVIEW: CaseState.NOTICE,
    StepKind.COUNTY_APPROVAL: CaseState.TOWN_REVIEWED,
    StepKind.ANNOUNCEMENT: CaseState.APPROVED,
    StepKind.SYSTEM_ENTRY: CaseState.ANNOUNCED,
}
OK, FORBIDDEN, NOT_FOUND = "ok", 403, 404
#: Who may take each identification step on a case of 学田地村. The county's
#: steps (data comparison, approval) are the county administrator's only: the
#: town administrator reviews the town's cases, never approves them.
USERS = [
    "countyadmin",
    "countyleader",
    "admin",
    "cadre",
    "cadre2",
    "leader",
    "enumerator",
    "reviewer",
    "helper",
]
NO = FORBIDDEN
#        countyadmin countyleader admin cadre cadre2  leader enumerator reviewer helper
VILLAGE = [OK, NO, OK, OK, NOT_FOUND, NO, NO, NO, NO]
TOWN = [OK, NO, OK, NO, NOT_FOUND, NO, NO, NO, NO]
COUNTY = [OK, NO, NO, NO, NOT_FOUND, NO, NO, NO, NO]
STEP_MATRIX = {
    StepKind.HOME_CHECK: VILLAGE,
    StepKind.DATA_COMPARISON: COUNTY,
    StepKind.VILLAGE_REVIEW: VILLAGE,
    StepKind.TOWN_REVIEW: TOWN,
    StepKind.COUNTY_APPROVAL: COUNTY,
    StepKind.ANNOUNCEMENT: VILLAGE,
    StepKind.SYSTEM_ENTRY: TOWN,
}


@pytest.mark.parametrize(
    ("kind", "username", "expected"),
    [
        (kind, username, outcome)
        for kind, outcomes in STEP_MATRIX.items()
        for username, outcome in zip(USERS, outcomes, strict=True)
    ],
)
def test_each_step_by_the_role_allowed_to_do_it(household, kind, username, expected):
    case = make_case(household, STATE_OF[kind])
    upload = png() if services.TRANSITIONS[kind].evidence else None
    if expected == OK:
        step(case, kind, date(2024, 1, 16), by=username, upload=upload)
        case.refresh_from_db()
        assert case.state == services.TRANSITIONS[kind].target
        return
    error = PermissionDenied if expected == FORBIDDEN else Http404
    with pytest.raises(error):
        step(case, kind, date(2024, 1, 16), by=username, upload=upload)
    case.refresh_from_db()
    assert (case.state, case.version, case.steps.count()) == (STATE_OF[kind], 1, 0)


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        (StepKind.DATA_COMPARISON, CaseState.HOME_CHECKED),
        (StepKind.COUNTY_APPROVAL, CaseState.TOWN_REVIEWED),
        (StepKind.ELIMINATION_COUNTY_APPROVAL, CaseState.ELIMINATION_TOWN_REVIEWED),
    ],
)
def test_the_town_administrator_cannot_approve_at_county_the_county_administrator_can(
    household, kind, state
):
    case = make_case(household, state)
    assert not user("admin").has_perm(services.COUNTY)
    assert kind not in services.allowed_steps(case=case, user=user("admin"))
    with pytest.raises(PermissionDenied):
        step(case, kind, date(2024, 1, 16), by="admin")
    case.refresh_from_db()
    assert (case.state, case.steps.count()) == (state, 0)

    assert kind in services.allowed_steps(case=case, user=user("countyadmin"))
    step(case, kind, date(2024, 1, 16), by="countyadmin")
    case.refresh_from_db()
    assert case.state == services.TRANSITIONS[kind].target
    assert case.steps.get().actor.username == "countyadmin"


def test_the_county_refuses_at_its_approval_the_town_administrator_cannot(household):
    case = make_case(household, CaseState.TOWN_REVIEWED)
    with pytest.raises(PermissionDenied):
        step(case, StepKind.REJECTION, date(2024, 1, 16), by="admin", note="x")
    with pytest.raises(PermissionDenied):
        step(case, StepKind.REJECTION, date(2024, 1, 16), by="countyleader", note="x")
    step(case, StepKind.REJECTION, date(2024, 1, 16), by="countyadmin", note="县级比对:收入达标")
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED


def test_the_county_step_is_a_permission_not_the_town_administrators_role(household):
    from django.contrib.auth.models import Permission

    reviewer = user("reviewer")  # sees the whole town, reviews nothing of monitoring
    case = make_case(household, CaseState.TOWN_REVIEWED)
    with pytest.raises(PermissionDenied):
        step(case, StepKind.COUNTY_APPROVAL, date(2024, 1, 16), by="reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="approve_at_county"))
    step(case, StepKind.COUNTY_APPROVAL, date(2024, 1, 16), by="reviewer")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_a_stale_page_cannot_overwrite_what_another_did(household):
    case = intake(household)
    loaded = case.version
    step(case, StepKind.HOME_CHECK, date(2024, 2, 19), by="cadre", upload=png())
    with pytest.raises(ValidationError, match="已被他人办理"):
        step(case, StepKind.REJECTION, date(2024, 2, 19), by="cadre", note="重复", version=loaded)
    case.refresh_from_db()
    assert case.state == CaseState.HOME_CHECKED and case.steps.count() == 1


def test_a_step_twice_is_refused_by_the_state(household):
    case = intake(household)
    step(case, StepKind.HOME_CHECK, date(2024, 2, 19), by="cadre", upload=png())
    with pytest.raises(ValidationError, match="只能在“待入户核实”时办理"):
        step(case, StepKind.HOME_CHECK, date(2024, 2, 19), by="cadre", upload=png())


def test_the_home_check_needs_the_signed_consent_form(household):
    case = intake(household)
    with pytest.raises(ValidationError, match="签字的承诺授权书"):
        step(case, StepKind.HOME_CHECK, date(2024, 2, 19), by="cadre")
    renamed = SimpleUploadedFile("承诺书.png", b"MZ\x90\x00" + b"\x00" * 64)
    with pytest.raises(ValidationError) as caught:
        step(case, StepKind.HOME_CHECK, date(2024, 2, 19), by="cadre", upload=renamed)
    assert "evidence" in caught.value.message_dict
    assert not CaseStep.objects.exists()


def test_step_dates_are_neither_in_the_future_nor_before_the_last_step(household):
    case = intake(household)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        step(case, StepKind.HOME_CHECK, date(2025, 1, 2), by="cadre", upload=png())
    with pytest.raises(ValidationError, match="不能早于上一环节的日期"):
        step(case, StepKind.HOME_CHECK, date(2024, 2, 8), by="cadre", upload=png())


def test_the_town_reviews_only_after_the_full_notice_period(household):
    case = make_case(household, CaseState.COMPARED)
    step(case, StepKind.VILLAGE_REVIEW, date(2024, 2, 21), by="cadre", upload=png())
    with pytest.raises(ValidationError, match="公示自2024-02-21起须满5天,最早2024-02-26"):
        step(case, StepKind.TOWN_REVIEW, date(2024, 2, 25), by="admin")
    step(case, StepKind.TOWN_REVIEW, date(2024, 2, 26), by="admin")


def test_a_refusal_needs_its_reason_and_closes_the_case(household):
    case = make_case(household, CaseState.NOTICE)
    with pytest.raises(PermissionDenied):  # the notice is the town's to refuse
        step(case, StepKind.REJECTION, date(2024, 1, 16), by="cadre", note="评议未通过")
    with pytest.raises(ValidationError, match="请填写办理意见"):
        step(case, StepKind.REJECTION, date(2024, 1, 16), by="admin")
    step(case, StepKind.REJECTION, date(2024, 1, 16), by="admin", note="乡镇审核:收入达标")
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED and case.closed_reason == "乡镇审核:收入达标"
    with pytest.raises(ValidationError, match="已办结"):
        step(case, StepKind.TOWN_REVIEW, date(2024, 1, 17), by="admin")


def test_allowed_steps_follow_state_and_role(household):
    case = make_case(household, CaseState.NOTICE)
    assert services.allowed_steps(case=case, user=user("admin")) == [
        StepKind.TOWN_REVIEW,
        StepKind.REJECTION,
    ]
    assert services.allowed_steps(case=case, user=user("cadre")) == []


# --------------------------------------------------------------------------
# Elimination
# --------------------------------------------------------------------------


@pytest.fixture
def monitored(household):
    IncomeFactory(household=household, year=2024, assessed_on=date(2024, 5, 31), wage_income=20000)
    case = identify(intake(household))
    services.case_follow_up(
        case=case,
        expected_version=case.version,
        income_stable_since=date(2024, 6, 1),
        rigid_costs_settled=True,
        user=user("cadre"),
        today=TODAY,
    )
    return case


ELIMINATION = [
    (StepKind.ELIMINATION_REVIEW, date(2024, 12, 2), "cadre", True),
    (StepKind.ELIMINATION_TOWN_REVIEW, date(2024, 12, 9), "admin", False),
    (StepKind.ELIMINATION_COUNTY_APPROVAL, date(2024, 12, 10), "countyadmin", False),
    (StepKind.ELIMINATION_ANNOUNCEMENT, date(2024, 12, 11), "cadre", True),
]


def test_risk_elimination_six_months_after_income_rose_above_the_line(monitored):
    for kind, on, by, evidence in ELIMINATION:
        step(monitored, kind, on, by=by, upload=png() if evidence else None)
    monitored.refresh_from_db()
    assert monitored.state == CaseState.ELIMINATED
    assert monitored.eliminated_on == date(2024, 12, 11)
    assert monitored.steps.count() == len(IDENTIFICATION) + len(ELIMINATION)


def test_elimination_before_six_stable_months_is_refused_with_the_reason(monitored):
    with pytest.raises(ValidationError, match="不满6个月"):
        step(monitored, StepKind.ELIMINATION_REVIEW, date(2024, 11, 29), by="cadre", upload=png())


def test_elimination_with_unsettled_rigid_costs_is_refused(monitored):
    MonitoringCase.objects.filter(pk=monitored.pk).update(rigid_costs_settled=False)
    with pytest.raises(ValidationError, match="刚性支出问题尚未解决"):
        step(monitored, StepKind.ELIMINATION_REVIEW, date(2024, 12, 2), by="cadre", upload=png())


def test_a_household_without_labour_capacity_is_never_eliminated(monitored):
    monitored.household.members.update(labour=Labour.NONE)
    # An income far above the line changes nothing.
    monitored.household.incomes.filter(year=2024).update(wage_income=Decimal("90000"))
    with pytest.raises(ValidationError, match="无劳动能力成员,不能标注风险消除,应继续监测帮扶"):
        step(monitored, StepKind.ELIMINATION_REVIEW, date(2024, 12, 2), by="cadre", upload=png())
    monitored.refresh_from_db()
    assert monitored.state == CaseState.MONITORED


def test_a_refused_elimination_returns_to_monitoring(monitored):
    step(monitored, StepKind.ELIMINATION_REVIEW, date(2024, 12, 2), by="cadre", upload=png())
    with pytest.raises(PermissionDenied):
        step(monitored, StepKind.ELIMINATION_RETURN, date(2024, 12, 9), by="cadre", note="x")
    step(monitored, StepKind.ELIMINATION_RETURN, date(2024, 12, 9), by="admin", note="收入不稳定")
    monitored.refresh_from_db()
    assert monitored.state == CaseState.MONITORED and monitored.notice_started_on is None


def test_follow_up_keeps_optimistic_locking(monitored):
    with pytest.raises(ValidationError, match="已被他人办理"):
        services.case_follow_up(
            case=monitored,
            expected_version=monitored.version - 1,
            income_stable_since=None,
            rigid_costs_settled=False,
            user=user("cadre"),
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        services.case_follow_up(
            case=monitored,
            expected_version=monitored.version,
            income_stable_since=None,
            rigid_costs_settled=False,
            user=user("leader"),
            today=TODAY,
        )
