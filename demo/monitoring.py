"""The demo town after 2020: its monitoring against return to poverty, 2021–2025.

Every registered household was lifted by the end of 2020; from 2021 the
town's cadres find the households at risk of falling (back) into poverty,
identify them in seven steps, help them and close the risk. This part of the
builder writes that history on the same registry:

* the monitoring lines of the town's province, 2021–2025 (illustrative
  figures: the province sets them each year);
* ordinary rural households (普通农户, never registered: no status period,
  so no registry count of any date includes them), recorded in 2021–2025 when
  their risk was found, with their members, incomes and guarantees. Their
  members join on the day the household was recorded: on any date before it
  the household has no one present;
* :data:`CASES`: about three dozen cases in every category and every state of
  the workflow as of :data:`MONITORING_AS_OF`, including the fast track
  (绿色通道), cases past their deadline, and a household without labour
  capacity whose elimination was considered and refused (it stays monitored);
* the warning lists of two departments (medical insurance, civil affairs),
  imported through the warnings pipeline: matched, not found, already
  monitored; some of them became cases.

Cases go through ``monitoring.services`` (intake, each step with its
evidence, follow-up visits) as the demo logins who would do them, so each
step, deadline and audit entry is what the pages would have written.

The 2020 registry stays exactly as it was: cases of registered households add
no income, member, status or measure to those households (their page shows
every year's rows), only monitoring's own rows (cases, steps, rigid
expenditure, warnings). The cases that need later incomes (eliminations) are
those of the ordinary households recorded since 2021.

Draws come from a generator of its own (:data:`SEED`), so the rest of the
town is drawn exactly as before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.base import SURNAMES, BuilderBase
from demo.users import ensure_demo_users
from households import rules as household_rules
from households.choices import (
    EducationLevel,
    Health,
    HousingGrade,
    IdentificationKind,
    JoinReason,
    Labour,
    PovertyCause,
    PovertyStatus,
    Relation,
    SchoolStatus,
    Sex,
)
from households.models import GuaranteeAssessment, Household, HouseholdIncome, Member
from measures.models import ResponsiblePerson
from monitoring import rules as monitoring_rules
from monitoring import services, warnings, workdays
from monitoring.choices import (
    CaseState,
    Category,
    Channel,
    Department,
    RiskType,
    SelfReportKind,
    StepKind,
)
from monitoring.models import MonitoringCase, MonitoringLine, RigidExpenditure

D = Decimal
SEED = 20251128
#: The date the monitoring history is told up to: the states of :data:`CASES` are theirs on it.
MONITORING_AS_OF = date(2025, 11, 28)

#: The province's monitoring line and test parameters per year (illustrative figures).
LINES = {2021: "6000", 2022: "6500", 2023: "7000", 2024: "7300", 2025: "7600"}
PROVINCE_CODE = "150000000000"

#: The identification steps in order, with the working days after the previous step.
IDENTIFICATION = (
    (StepKind.HOME_CHECK, 2, CaseState.HOME_CHECKED),
    (StepKind.DATA_COMPARISON, 3, CaseState.COMPARED),
    (StepKind.VILLAGE_REVIEW, 2, CaseState.NOTICE),
    (StepKind.TOWN_REVIEW, 5, CaseState.TOWN_REVIEWED),  # after the ≥ 5-day notice
    (StepKind.COUNTY_APPROVAL, 2, CaseState.APPROVED),
    (StepKind.ANNOUNCEMENT, 1, CaseState.ANNOUNCED),
    (StepKind.SYSTEM_ENTRY, 1, CaseState.MONITORED),
)
ELIMINATION = (
    (StepKind.ELIMINATION_REVIEW, 0, CaseState.ELIMINATION_NOTICE),
    (StepKind.ELIMINATION_TOWN_REVIEW, 5, CaseState.ELIMINATION_TOWN_REVIEWED),
    (StepKind.ELIMINATION_COUNTY_APPROVAL, 2, CaseState.ELIMINATION_APPROVED),
    (StepKind.ELIMINATION_ANNOUNCEMENT, 1, CaseState.ELIMINATED),
)
#: Who does a step: the village's cadre, the town office or the county.
COUNTY_STEPS = {
    StepKind.DATA_COMPARISON,
    StepKind.COUNTY_APPROVAL,
    StepKind.ELIMINATION_COUNTY_APPROVAL,
}
TOWN_STEPS = {StepKind.TOWN_REVIEW, StepKind.SYSTEM_ENTRY, StepKind.ELIMINATION_TOWN_REVIEW}
VILLAGE_CADRES = {"学田地村": "cadre", "点力村": "cadre2"}
EVIDENCE = {
    StepKind.HOME_CHECK: "入户核实排查表及承诺授权书",
    StepKind.VILLAGE_REVIEW: "村级民主评议记录及公示照片",
    StepKind.ANNOUNCEMENT: "纳入监测对象公告",
    StepKind.ELIMINATION_REVIEW: "风险消除评议记录及公示照片",
    StepKind.ELIMINATION_ANNOUNCEMENT: "风险消除公告",
}
NOTES = {
    StepKind.HOME_CHECK: "入户核实情况属实,农户已签字承诺授权",
    StepKind.DATA_COMPARISON: "经医保、民政、人社、公安等部门数据比对,未发现不符情况",
    StepKind.VILLAGE_REVIEW: "村民代表会议评议通过,在村务公开栏公示",
    StepKind.TOWN_REVIEW: "公示无异议,乡镇审核同意",
    StepKind.COUNTY_APPROVAL: "同意纳入监测对象",
    StepKind.ANNOUNCEMENT: "在村务公开栏公告",
    StepKind.SYSTEM_ENTRY: "已录入全国防返贫监测信息系统,落实帮扶措施",
    StepKind.ELIMINATION_REVIEW: "收入持续稳定高于监测标准,两不愁三保障及饮水安全有保障,评议同意",
    StepKind.ELIMINATION_TOWN_REVIEW: "公示无异议,乡镇审核同意风险消除",
    StepKind.ELIMINATION_COUNTY_APPROVAL: "同意标注风险消除",
    StepKind.ELIMINATION_ANNOUNCEMENT: "已公告并在系统中标注风险消除,部分帮扶措施继续执行到期",
}


def back_working_days(day: date, n: int) -> date:
    """The n-th working day before ``day`` (``day`` itself not counted)."""
    while n > 0:
        day -= timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return day


def ago(n: int) -> date:
    """``n`` working days before :data:`MONITORING_AS_OF`."""
    return back_working_days(MONITORING_AS_OF, n)


@dataclass(frozen=True)
class CaseSpec:
    """One case of the story and where it stands on :data:`MONITORING_AS_OF`."""

    key: str
    village: str
    household: str  # "registered", "no_labour" (registered, without labour capacity) or "ordinary"
    category: str
    risks: tuple[str, ...]
    channel: str
    intake_on: date
    state: str
    self_report_kind: str = ""
    warning: str = ""  # the key of the warning the case came from
    fast_track: bool = False
    situation: str = ""
    #: Ordinary households: per-capita income of the intake year (below the line
    #: for the edge households) and of later years (above it once stable).
    income: str = "5200"
    income_after: str = "8600"
    rigid: tuple[str, str] | None = None  # (field, amount) of the intake year
    #: Eliminations: income stable above the line since, and the village's review.
    stable_since: date | None = None
    elimination_on: date | None = None
    #: A refusal at the home check or the data comparison, with its reason.
    rejection: str = ""


SR = Channel.SELF_REPORT
VISIT = Channel.VISIT
DEPT = Channel.DEPARTMENT
U, E, S = Category.UNSTABLE, Category.EDGE, Category.SUDDEN
R = RiskType

#: The cases, in the order they are written. Registered households' cases stay in
#: identification or monitoring (an elimination would need a new year's income on
#: the registered household, changing its 2020 page); eliminations are of
#: ordinary households.
CASES = (
    # -- monitored for years ------------------------------------------------
    CaseSpec(
        "u-illness",
        "学田地村",
        "registered",
        U,
        (R.ILLNESS,),
        VISIT,
        date(2021, 3, 15),
        CaseState.MONITORED,
        situation="户主患慢性病,医疗支出大,家庭收入不稳定",
    ),
    CaseSpec(
        "no-labour",
        "学田地村",
        "no_labour",
        U,
        (R.LACK_LABOUR, R.ILLNESS),
        SR,
        date(2021, 6, 7),
        CaseState.MONITORED,
        self_report_kind=SelfReportKind.PAPER,
        situation="老年户,家中无劳动能力成员,收入主要依靠养老金和光伏收益",
    ),
    CaseSpec(
        "u-job",
        "点力村",
        "registered",
        U,
        (R.UNSTABLE_JOB,),
        VISIT,
        date(2022, 4, 11),
        CaseState.MONITORED,
        situation="外出务工人员返乡,务工收入中断",
    ),
    CaseSpec(
        "u-disability",
        "九股泉村",
        "registered",
        U,
        (R.DISABILITY,),
        SR,
        date(2023, 5, 15),
        CaseState.MONITORED,
        self_report_kind=SelfReportKind.APP,
        situation="家庭成员新增残疾,劳动能力下降",
    ),
    CaseSpec(
        "u-school",
        "西圪塄村",
        "registered",
        U,
        (R.SCHOOLING,),
        SR,
        date(2023, 9, 4),
        CaseState.MONITORED,
        self_report_kind=SelfReportKind.QR,
        situation="两名子女就读高中、大学,教育支出大",
    ),
    CaseSpec(
        "u-old",
        "点力村",
        "registered",
        U,
        (R.ILLNESS, R.LACK_LABOUR),
        VISIT,
        date(2021, 9, 13),
        CaseState.MONITORED,
        situation="主要劳动力患病,收入下降",
    ),
    CaseSpec(
        "e-2024",
        "铁沙盖村",
        "ordinary",
        E,
        (R.INDUSTRY_FAILURE,),
        VISIT,
        date(2024, 4, 15),
        CaseState.MONITORED,
        income="6900",
        situation="非建档立卡户,养殖项目失败,人均纯收入低于监测标准",
    ),
    CaseSpec(
        "e-2025",
        "大西号村",
        "ordinary",
        E,
        (R.UNSTABLE_JOB,),
        SR,
        date(2025, 3, 10),
        CaseState.MONITORED,
        self_report_kind=SelfReportKind.HOTLINE,
        income="7100",
        situation="非建档立卡户,务工就业不稳,收入低于监测标准",
    ),
    CaseSpec(
        "fast-hail",
        "义发泉村",
        "ordinary",
        S,
        (R.DISASTER,),
        VISIT,
        date(2024, 7, 22),
        CaseState.MONITORED,
        fast_track=True,
        income="9800",
        rigid=("disaster_loss", "28000"),
        situation="冰雹灾害,农作物绝收、棚圈受损,走绿色通道先行帮扶、后履行程序",
    ),
    # -- eliminated ---------------------------------------------------------
    CaseSpec(
        "e-elim-2022",
        "学田地村",
        "ordinary",
        E,
        (R.LACK_LABOUR,),
        VISIT,
        date(2021, 4, 12),
        CaseState.ELIMINATED,
        income="5300",
        income_after="8100",
        stable_since=date(2022, 1, 1),
        elimination_on=date(2022, 9, 5),
        situation="非建档立卡户,家庭劳动力少,收入低于监测标准",
    ),
    CaseSpec(
        "e-elim-2023",
        "点力村",
        "ordinary",
        E,
        (R.UNSTABLE_JOB,),
        SR,
        date(2022, 3, 7),
        CaseState.ELIMINATED,
        self_report_kind=SelfReportKind.PAPER,
        income="5900",
        income_after="8800",
        stable_since=date(2023, 1, 1),
        elimination_on=date(2023, 8, 14),
        situation="非建档立卡户,务工收入不稳",
    ),
    CaseSpec(
        "s-elim-2024",
        "九股泉村",
        "ordinary",
        S,
        (R.ILLNESS,),
        VISIT,
        date(2023, 2, 20),
        CaseState.ELIMINATED,
        income="9200",
        income_after="9500",
        rigid=("medical", "35000"),
        stable_since=date(2023, 9, 1),
        elimination_on=date(2024, 4, 8),
        situation="家庭成员患重病住院,自付医疗费用骤增",
    ),
    CaseSpec(
        "e-elim-han",
        "韩家营村",
        "ordinary",
        E,
        (R.ILLNESS, R.UNSTABLE_JOB),
        VISIT,
        date(2021, 5, 17),
        CaseState.ELIMINATED,
        income="5600",
        income_after="8300",
        stable_since=date(2022, 3, 1),
        elimination_on=date(2022, 10, 17),
        situation="非建档立卡户,户主患病,务工不稳",
    ),
    # -- elimination in procedure on the date --------------------------------
    CaseSpec(
        "e-elim-notice",
        "学田地村",
        "ordinary",
        E,
        (R.UNSTABLE_JOB,),
        VISIT,
        date(2024, 3, 4),
        CaseState.ELIMINATION_NOTICE,
        income="6800",
        income_after="9400",
        stable_since=date(2025, 1, 1),
        elimination_on=ago(3),
        situation="非建档立卡户,务工收入不稳,收入低于监测标准",
    ),
    CaseSpec(
        "s-elim-town",
        "点力村",
        "ordinary",
        S,
        (R.ACCIDENT,),
        VISIT,
        date(2024, 5, 13),
        CaseState.ELIMINATION_TOWN_REVIEWED,
        income="9000",
        income_after="9600",
        rigid=("accident_loss", "31000"),
        stable_since=date(2025, 2, 1),
        elimination_on=ago(6),
        situation="户主交通事故受伤,医疗和误工支出大",
    ),
    CaseSpec(
        "e-elim-county",
        "西圪塄村",
        "ordinary",
        E,
        (R.INDUSTRY_FAILURE,),
        SR,
        date(2024, 6, 3),
        CaseState.ELIMINATION_APPROVED,
        self_report_kind=SelfReportKind.APP,
        income="6100",
        income_after="9100",
        stable_since=date(2025, 1, 1),
        elimination_on=ago(7),
        situation="非建档立卡户,种植项目受市场影响亏损",
    ),
    # -- being identified on the date ----------------------------------------
    CaseSpec(
        "u-intake",
        "学田地村",
        "registered",
        U,
        (R.ILLNESS,),
        SR,
        ago(1),
        CaseState.INTAKE,
        self_report_kind=SelfReportKind.HOTLINE,
        situation="农户通过12317热线申报:家人住院",
    ),
    CaseSpec(
        "u-checked",
        "点力村",
        "registered",
        U,
        (R.UNSTABLE_JOB,),
        VISIT,
        ago(3),
        CaseState.HOME_CHECKED,
        situation="走访发现务工收入中断",
    ),
    CaseSpec(
        "u-compared",
        "铁沙盖村",
        "registered",
        U,
        (R.INDUSTRY_FAILURE,),
        VISIT,
        ago(6),
        CaseState.COMPARED,
        situation="肉牛养殖亏损",
    ),
    CaseSpec(
        "u-town",
        "哈达图村",
        "registered",
        U,
        (R.HOUSING,),
        VISIT,
        ago(13),
        CaseState.TOWN_REVIEWED,
        situation="住房出现裂缝,经鉴定为C级危房",
    ),
    CaseSpec(
        "u-approved",
        "大西号村",
        "registered",
        U,
        (R.WATER, R.ILLNESS),
        VISIT,
        ago(14),
        CaseState.APPROVED,
        situation="水井干涸,饮水不便;户主患病",
    ),
    CaseSpec(
        "u-announced",
        "北营子村",
        "registered",
        U,
        (R.DISABILITY,),
        SR,
        ago(15),
        CaseState.ANNOUNCED,
        self_report_kind=SelfReportKind.QR,
        situation="子女新增残疾,需长期照料",
    ),
    CaseSpec(
        "e-checked",
        "北营子村",
        "ordinary",
        E,
        (R.LACK_LABOUR,),
        VISIT,
        ago(3),
        CaseState.HOME_CHECKED,
        income="6600",
        situation="非建档立卡户,家庭劳动力少",
    ),
    CaseSpec(
        "s-notice",
        "三号地村",
        "ordinary",
        S,
        (R.ILLNESS,),
        VISIT,
        ago(9),
        CaseState.NOTICE,
        income="9300",
        rigid=("medical", "46000"),
        situation="家庭成员确诊重病,自付医疗费用骤增",
    ),
    CaseSpec(
        "fast-accident",
        "点力村",
        "ordinary",
        S,
        (R.ACCIDENT,),
        VISIT,
        ago(6),
        CaseState.COMPARED,
        fast_track=True,
        income="10200",
        rigid=("accident_loss", "38000"),
        situation="户主意外受伤致残,走绿色通道先行帮扶、后履行程序",
    ),
    # -- past the deadline on the date ---------------------------------------
    CaseSpec(
        "overdue-compared",
        "三号地村",
        "registered",
        U,
        (R.ILLNESS,),
        VISIT,
        ago(24),
        CaseState.COMPARED,
        situation="户主患病,村级评议未按期组织",
    ),
    CaseSpec(
        "overdue-intake",
        "韩家营村",
        "registered",
        U,
        (R.UNSTABLE_JOB,),
        SR,
        ago(8),
        CaseState.INTAKE,
        self_report_kind=SelfReportKind.PAPER,
        situation="农户纸质申请,入户核实未按期完成",
    ),
    # -- not taken -------------------------------------------------------------
    CaseSpec(
        "u-rejected",
        "学田地村",
        "registered",
        U,
        (R.OTHER,),
        SR,
        date(2022, 5, 9),
        CaseState.REJECTED,
        self_report_kind=SelfReportKind.PAPER,
        rejection="经入户核实和部门数据比对,家庭人均纯收入明显高于监测标准,"
        "无刚性支出骤增,不符合纳入条件",
        situation="农户申请纳入监测",
    ),
    # -- from the department warning lists -------------------------------------
    CaseSpec(
        "s-medical",
        "义发泉村",
        "registered",
        S,
        (R.ILLNESS,),
        DEPT,
        date(2024, 3, 12),
        CaseState.MONITORED,
        warning="medical-registered",
        rigid=("medical", "42000"),
        situation="医保部门预警:年度自付医疗费用超过家庭年纯收入的一半",
    ),
    CaseSpec(
        "s-medical-ordinary",
        "东梁村",
        "ordinary",
        S,
        (R.ILLNESS,),
        DEPT,
        date(2024, 3, 12),
        CaseState.MONITORED,
        warning="medical-ordinary",
        income="9600",
        rigid=("medical", "39000"),
        situation="医保部门预警:大额医疗自付",
    ),
    CaseSpec(
        "u-civil-notice",
        "东梁村",
        "registered",
        U,
        (R.ILLNESS,),
        DEPT,
        ago(9),
        CaseState.NOTICE,
        warning="civil-registered",
        situation="民政部门预警:申请临时救助",
    ),
    CaseSpec(
        "e-civil-intake",
        "学田地村",
        "ordinary",
        E,
        (R.LACK_LABOUR,),
        DEPT,
        ago(1),
        CaseState.INTAKE,
        warning="civil-ordinary",
        income="6500",
        situation="民政部门预警:申请低保未获批准",
    ),
    CaseSpec(
        "e-civil-rejected",
        "哈达图村",
        "ordinary",
        E,
        (R.OTHER,),
        DEPT,
        ago(12),
        CaseState.REJECTED,
        warning="civil-rejected",
        income="8900",
        rejection="入户核实:子女在外务工收入稳定,家庭人均纯收入高于监测标准,不予纳入",
        situation="民政部门预警:申请临时救助",
    ),
)

#: The departments' lists: (key, department, kind, event date, amount, whose ID).
#: ``whose``: a case's key (its household's head), ``"monitored:<case>"`` (a member of
#: a household already monitored), ``"registered"`` (a registered household's member
#: with no case: matched, looked into, not taken), or ``"unknown"`` (not in the registry).
WARNING_LISTS = (
    (
        Department.MEDICAL_INSURANCE,
        date(2024, 3, 11),
        (
            ("medical-registered", "大额医疗自付", date(2024, 2, 6), "42000", "s-medical"),
            ("medical-ordinary", "大额医疗自付", date(2024, 1, 23), "39000", "s-medical-ordinary"),
            ("", "大额医疗自付", date(2024, 1, 9), "18500", "monitored:u-illness"),
            ("", "慢性病门诊费用高", date(2024, 2, 19), "12600", "monitored:u-old"),
            ("", "大额医疗自付", date(2024, 1, 30), "15800", "registered"),
            ("", "大额医疗自付", date(2024, 2, 2), "21300", "unknown"),
            ("", "住院费用高", date(2024, 2, 27), "26700", "unknown"),
        ),
    ),
    (
        Department.CIVIL_AFFAIRS,
        ago(16),
        (
            ("civil-registered", "申请临时救助", ago(20), "", "u-civil-notice"),
            ("civil-ordinary", "申请低保未获批准", ago(22), "", "e-civil-intake"),
            ("civil-rejected", "申请临时救助", ago(21), "", "e-civil-rejected"),
            ("", "申请临时救助", ago(25), "", "monitored:no-labour"),
            ("", "受灾救助", ago(30), "3000", "monitored:fast-hail"),
            ("", "申请低保", ago(19), "", "registered"),
            ("", "申请临时救助", ago(23), "", "unknown"),
            ("", "申请低保", ago(26), "", "unknown"),
        ),
    ),
)


class MonitoringBuilder(BuilderBase):
    """Monitoring lines, ordinary households, cases and warnings (after the 2020 town)."""

    def write_monitoring(self):
        self.mrng = random.Random(SEED)
        self.write_monitoring_lines()
        ensure_demo_users(password=None)  # the actors of the steps; logins get passwords later
        users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
        self.actors = users
        self.taken: set[int] = set()
        self.known_ids = set(Member.objects.values_list("id_number", flat=True))
        self.ordinary_count: dict[str, int] = {}
        self.cases: dict[str, MonitoringCase] = {}
        self.secretaries = {
            p.organisation.removeprefix("旗直单位(驻").removesuffix(")"): p
            for p in ResponsiblePerson.objects.filter(position="驻村第一书记").order_by("pk")
        }
        households = {spec.key: self.household_for(spec) for spec in CASES}
        self.warnings = {}
        for spec in CASES:
            if not spec.warning:
                self.write_case(spec, households[spec.key])
        for department, received_on, rows in WARNING_LISTS:
            self.import_warnings(department, received_on, rows, households)
        for spec in CASES:
            if spec.warning:
                self.write_case(spec, households[spec.key])

    # -- lines ----------------------------------------------------------------

    def write_monitoring_lines(self):
        province = self.data["county"]["province"]
        MonitoringLine.objects.bulk_create(
            MonitoringLine(
                province_code=PROVINCE_CODE,
                province_name=province,
                year=year,
                line=D(line),
                medical_cost_share=D("50"),
                rigid_cost_share=D("60"),
                income_drop_share=D("50"),
                stable_months=6,
                home_check_working_days=5,
                procedure_working_days=20,
                notice_days=5,
                notes="演示数据(示意数字,以省级当年公布的标准为准)",
            )
            for year, line in LINES.items()
        )

    # -- households -------------------------------------------------------------

    def household_for(self, spec: CaseSpec) -> Household:
        if spec.household == "ordinary":
            return self.write_ordinary_household(spec)
        no_labour = spec.household == "no_labour"
        candidates = [
            plan.row
            for plan in self.plans
            if plan.village == spec.village
            and plan.status == PovertyStatus.LIFTED
            and not plan.seed
            and plan.row.pk not in self.taken
            and self.fits(plan, no_labour=no_labour)
        ]
        candidates.sort(key=lambda h: h.number)
        household = self.mrng.choice(candidates)
        self.taken.add(household.pk)
        return household

    @staticmethod
    def fits(plan, *, no_labour: bool) -> bool:
        present = [m for m in plan.members if m.row.present_on(MONITORING_AS_OF)]
        labours = [m.labour for m in present]
        if not present:
            return False
        capacity = monitoring_rules.has_labour_capacity(labours)
        return not capacity if no_labour else capacity

    def new_id(self, birth: date, sex: str) -> str:
        while True:
            seq = self.mrng.randrange(0, 500) * 2 + (1 if sex == Sex.MALE else 0)
            body = f"{self.region}{birth:%Y%m%d}{seq:03d}"
            number = body + household_rules.id_check_digit(body)
            if number not in self.known_ids:
                self.known_ids.add(number)
                return number

    def person(self, surname: str, sex: str, age: int, on: date) -> tuple[str, date]:
        given = self.mrng.choice(
            ["永福", "德旺", "建国", "志强", "振华", "海军", "春生", "东升"]
            if sex == Sex.MALE
            else ["桂兰", "玉梅", "秀英", "凤英", "淑珍", "红梅", "春梅", "海燕"]
        )
        birth = on.replace(year=on.year - age) - timedelta(days=self.mrng.randrange(1, 360))
        return surname + given, birth

    def write_ordinary_household(self, spec: CaseSpec) -> Household:
        """An ordinary rural household recorded the working day before its intake."""
        rng = self.mrng
        village = self.villages[spec.village]
        index = [v["name"] for v in self.data["villages"]].index(spec.village) + 1
        self.ordinary_count[spec.village] = self.ordinary_count.get(spec.village, 0) + 1
        recorded = back_working_days(spec.intake_on, 1)
        main_cause = {
            R.ILLNESS: PovertyCause.ILLNESS,
            R.DISABILITY: PovertyCause.DISABILITY,
            R.SCHOOLING: PovertyCause.SCHOOLING,
            R.DISASTER: PovertyCause.DISASTER,
            R.LACK_LABOUR: PovertyCause.LACK_LABOUR,
        }.get(spec.risks[0], PovertyCause.OTHER)
        household = Household.objects.create(
            # 9 marks the town's ordinary households in the village's numbering.
            number=f"{self.region}{index:03d}9{self.ordinary_count[spec.village]:04d}",
            village=village,
            group=rng.choice(self.groups[spec.village]),
            phone=f"15{rng.randrange(10**8, 10**9)}",
            identified_year=spec.intake_on.year,
            identification_kind=IdentificationKind.NEW,
            main_cause=main_cause,
            notes=f"普通农户(非建档立卡户),{recorded:%Y年%-m月%-d日}因防返贫动态监测录入",
        )
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(38, 62)
        people = [(Relation.HEAD, Sex.MALE, head_age, Labour.ORDINARY)]
        people.append((Relation.SPOUSE, Sex.FEMALE, head_age - rng.randint(0, 4), Labour.ORDINARY))
        for _ in range(rng.randint(0, 2)):
            people.append(
                (
                    Relation.CHILD,
                    rng.choice([Sex.MALE, Sex.FEMALE]),
                    rng.randint(8, 14),
                    Labour.NONE,
                )
            )
        if spec.risks[0] == R.LACK_LABOUR or rng.random() < 0.3:
            people.append(
                (Relation.PARENT, Sex.FEMALE, head_age + rng.randint(24, 30), Labour.NONE)
            )
        for relation, sex, age, labour in people:
            name, birth = self.person(
                surname if relation in (Relation.HEAD, Relation.CHILD) else rng.choice(SURNAMES),
                sex,
                age,
                recorded,
            )
            student = relation == Relation.CHILD
            Member.objects.create(
                household=household,
                name=name,
                id_number=self.new_id(birth, sex),
                relation=relation,
                health=Health.SERIOUS
                if relation == Relation.HEAD and R.ILLNESS in spec.risks
                else Health.HEALTHY,
                labour=Labour.WEAK
                if relation == Relation.HEAD and R.LACK_LABOUR in spec.risks
                else labour,
                education_level=(EducationLevel.PRIMARY if age < 13 else EducationLevel.JUNIOR)
                if student
                else EducationLevel.JUNIOR,
                school_status=SchoolStatus.IN_SCHOOL if student else SchoolStatus.NOT_STUDENT,
                joined_on=recorded,
                join_reason=JoinReason.OTHER,
            )
        size = len(people)
        last_year = (spec.elimination_on or MONITORING_AS_OF).year
        for year in range(spec.intake_on.year, last_year + 1):
            per_capita = D(spec.income if year == spec.intake_on.year else spec.income_after)
            assessed = recorded if year == spec.intake_on.year else date(year, 6, 30)
            net = per_capita * size
            pension = D("2400") if size > 3 else D("0")
            HouseholdIncome.objects.create(
                household=household,
                year=year,
                assessed_on=assessed,
                wage_income=net - pension - D("1500"),
                production_income=D("2600"),
                production_cost=D("1100"),
                transfer_pension=pension,
                notes="防返贫监测核实收入",
            )
        GuaranteeAssessment.objects.create(
            household=household,
            assessed_on=recorded,
            assessed_by="村“两委”",
            food_ok=True,
            clothing_ok=True,
            housing_grade=rng.choice([HousingGrade.A, HousingGrade.B]),
            housing_appraised_on=recorded,
            water_ok=True,
            water_source="自来水入户",
        )
        return household

    # -- cases ------------------------------------------------------------------

    def actor_for(self, kind, village: str):
        if kind in COUNTY_STEPS:
            return self.actors["countyadmin"]
        if kind in TOWN_STEPS:
            return self.actors["admin"]
        return self.actors[VILLAGE_CADRES.get(village, "admin")]

    def evidence(self, kind, case: MonitoringCase, on: date):
        title = EVIDENCE[kind]
        body = f"%PDF-1.4\n% {title} {case.household.number} {on}\n%%EOF\n".encode()
        return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")

    def step(self, case, kind, on, note=""):
        assert on <= MONITORING_AS_OF, (case, kind, on)
        upload = self.evidence(kind, case, on) if kind in EVIDENCE else None
        services.case_step(
            case=case,
            kind=kind,
            on=on,
            user=self.actor_for(kind, case.household.village.name),
            expected_version=case.version,
            note=note or NOTES.get(kind, ""),
            upload=upload,
            today=MONITORING_AS_OF,
        )

    def responsible_for(self, household: Household):
        """The household's responsible person; for an ordinary household, the
        village's first secretary (驻村第一书记)."""
        assignment = household.assignments.order_by("-started_on", "pk").first()
        if assignment is not None:
            return assignment.person
        return self.secretaries.get(household.village.name)

    def write_case(self, spec: CaseSpec, household: Household) -> None:
        village = household.village.name
        if spec.rigid:
            field, amount = spec.rigid
            RigidExpenditure.objects.create(
                household=household,
                year=spec.intake_on.year,
                assessed_on=spec.intake_on,
                **{field: D(amount)},
                notes="入户核实自付刚性支出",
            )
        warning = self.warnings.get(spec.warning)
        case = services.case_intake(
            household=household,
            category=spec.category,
            channel=spec.channel,
            intake_on=spec.intake_on,
            risks=spec.risks,
            user=self.actor_for(None, village),
            self_report_kind=spec.self_report_kind,
            department=warning.department if warning else "",
            warning=warning,
            fast_track=spec.fast_track,
            situation=spec.situation,
            responsible=self.responsible_for(household),
            today=MONITORING_AS_OF,
        )
        self.cases[spec.key] = case
        on = spec.intake_on
        target = spec.state
        if target == CaseState.INTAKE:
            return
        if target == CaseState.REJECTED:
            on = workdays.add_working_days(on, 2)
            self.step(case, StepKind.HOME_CHECK, on)
            if spec.household != "ordinary":
                on = workdays.add_working_days(on, 3)
                self.step(case, StepKind.DATA_COMPARISON, on)
            self.step(case, StepKind.REJECTION, workdays.add_working_days(on, 1), spec.rejection)
            return
        for kind, days, state in IDENTIFICATION:
            on = workdays.add_working_days(on, days)
            self.step(case, kind, on)
            if state == target:
                break
        if spec.household == "no_labour":
            self.consider_elimination(case)
            return
        if case.state != CaseState.MONITORED:
            return
        if spec.elimination_on is None:
            return
        services.case_follow_up(
            case=case,
            expected_version=case.version,
            income_stable_since=spec.stable_since,
            rigid_costs_settled=True,
            user=self.actor_for(None, village),
            today=MONITORING_AS_OF,
        )
        on = spec.elimination_on
        for kind, days, state in ELIMINATION:
            on = workdays.add_working_days(on, days)
            self.step(case, kind, on)
            if state == target:
                return

    def consider_elimination(self, case: MonitoringCase) -> None:
        """The 2024 回头看: income stable, costs settled; elimination refused for want
        of labour capacity, so the household stays monitored."""
        on = date(2024, 6, 20)
        services.case_follow_up(
            case=case,
            expected_version=case.version,
            income_stable_since=date(2023, 10, 1),
            rigid_costs_settled=True,
            user=self.actor_for(None, case.household.village.name),
            today=MONITORING_AS_OF,
        )
        try:
            self.step(case, StepKind.ELIMINATION_REVIEW, on)
        except ValidationError as exc:
            assert exc.code == "stays_monitored", exc
        else:
            raise AssertionError("a household without labour capacity was eliminated")

    # -- warnings ---------------------------------------------------------------

    def warning_id(self, whose: str, households: dict[str, Household]) -> tuple[str, str]:
        """(ID number, name) a warning row names."""
        if whose == "unknown":
            # Someone of another county: valid, and in no household of the registry.
            sex = self.mrng.choice([Sex.MALE, Sex.FEMALE])
            birth = date(self.mrng.randint(1950, 1990), self.mrng.randint(1, 12), 15)
            seq = self.mrng.randrange(0, 500) * 2 + (1 if sex == Sex.MALE else 0)
            body = f"150981{birth:%Y%m%d}{seq:03d}"
            name = self.mrng.choice(SURNAMES) + ("志刚" if sex == Sex.MALE else "丽华")
            return body + household_rules.id_check_digit(body), name
        if whose == "registered":
            candidates = [
                plan.row
                for plan in self.plans
                if plan.status == PovertyStatus.LIFTED
                and not plan.seed
                and plan.row.pk not in self.taken
            ]
            candidates.sort(key=lambda h: h.number)
            household = self.mrng.choice(candidates)
            self.taken.add(household.pk)
        else:
            household = households[whose.removeprefix("monitored:")]
        head = (
            Member.objects.filter(household=household, left_on__isnull=True)
            .order_by("joined_on", "pk")
            .first()
        )
        return head.id_number, head.name

    def import_warnings(self, department, received_on, rows, households) -> None:
        lines = ["部门,预警事项,事项日期,金额,身份证号,姓名"]
        keys = []
        for key, kind, event_on, amount, whose in rows:
            number, name = self.warning_id(whose, households)
            lines.append(
                f"{Department(department).label},{kind},{event_on.isoformat()},{amount},"
                f"{number},{name}"
            )
            keys.append(key)
        data = ("\n".join(lines) + "\n").encode("utf-8")
        user = self.actors["admin"]
        parsed, errors = warnings.parse_csv(data)
        result = warnings.preview(rows=parsed, today=received_on, user=user)
        assert not errors and not result.errors, (errors, result.errors)
        saved = warnings.warnings_import(data=result, user=user, received_on=received_on)
        for key, warning in zip(keys, saved, strict=True):
            if key:
                self.warnings[key] = warning
