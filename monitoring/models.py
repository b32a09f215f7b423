"""Monitoring against return to poverty (防止返贫动态监测和帮扶) on the same registry.

* :class:`MonitoringLine`: the monitoring income line of a province and year,
  with every parameter of the tests and procedures (rigid-expenditure shares,
  the sharp income drop, the stable period, the deadlines): data an
  administrator edits, never constants in code;
* :class:`RigidExpenditure`: a household's self-paid rigid costs of a year
  (medical, schooling, disaster and accident losses), the facts of the
  rigid-expenditure test;
* :class:`MonitoringCase`: a household found at risk, from intake through the
  seven identification steps to risk elimination, with its category, risk
  types (:class:`CaseRisk`), channel, deadlines in working days and version
  (optimistic locking);
* :class:`CaseStep`: each step done, with its date, note, actor and evidence;
* :class:`DepartmentWarning`: one line of a department's warning list.

A monitored household is a ``households.Household``. Whether it is a
registered poor household is what its status periods say
(``households.selectors.registered_q``): an ordinary rural household that was
never registered has no status period, and every registry count already
leaves it out.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households import rules as household_rules
from households.models import MONEY, NON_NEGATIVE, YEAR_VALIDATORS, Household, Member, money_field
from measures.models import ResponsiblePerson
from monitoring.choices import (
    CLOSED_STATES,
    CaseState,
    Category,
    Channel,
    Department,
    RiskType,
    SelfReportKind,
    StepKind,
)
from rectification.filetypes import ALLOWED_EXTENSIONS, check_evidence_file

PERCENT = {"max_digits": 5, "decimal_places": 2}
PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class MonitoringLine(models.Model):
    """A province's monitoring line and the parameters of its tests, for one year."""

    province_code = models.CharField(
        _("省级区划代码"), max_length=12, help_text=_("统计用区划代码,如内蒙古自治区 150000000000")
    )
    province_name = models.CharField(
        _("省级行政区"),
        max_length=50,
        help_text=_("与镇的“所属省区”一致,如“内蒙古自治区”;镇内各户按它取监测线"),
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    line = models.DecimalField(
        _("监测收入标准(元/人·年)"),
        validators=[NON_NEGATIVE],
        help_text=_("家庭人均纯收入低于此标准(不含等于)的,纳入监测范围"),
        **MONEY,
    )
    medical_cost_share = models.DecimalField(
        _("自付医疗费用占比标准(%)"),
        validators=PERCENT_VALIDATORS,
        help_text=_("年度自付医疗费用超过家庭年纯收入的此比例,视为刚性支出骤增"),
        **PERCENT,
    )
    rigid_cost_share = models.DecimalField(
        _("刚性支出合计占比标准(%)"),
        validators=PERCENT_VALIDATORS,
        help_text=_("医疗、教育、灾害、意外事故等自付刚性支出合计超过家庭年纯收入的此比例"),
        **PERCENT,
    )
    income_drop_share = models.DecimalField(
        _("收入大幅缩减标准(%)"),
        validators=PERCENT_VALIDATORS,
        help_text=_("家庭年纯收入比上年下降达到此比例(含等于),视为收入大幅缩减"),
        **PERCENT,
    )
    stable_months = models.PositiveSmallIntegerField(
        _("风险消除收入稳定月数"),
        default=6,
        validators=[MinValueValidator(1)],
        help_text=_("人均纯收入持续高于监测线达到此月数,方可标注风险消除"),
    )
    home_check_working_days = models.PositiveSmallIntegerField(
        _("入户核实时限(工作日)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("自受理之日起的工作日数"),
    )
    procedure_working_days = models.PositiveSmallIntegerField(
        _("识别程序总时限(工作日)"),
        default=20,
        validators=[MinValueValidator(1)],
        help_text=_("自受理至录入系统的工作日数"),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数(不少于)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("村级评议结果公示的最少天数(自然日)"),
    )
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("防返贫监测标准")
        verbose_name_plural = _("防返贫监测标准")
        ordering = ["province_name", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_name", "year"],
                name="monitoring_line_unique_province_year",
                violation_error_message=_("该省区该年度已有监测标准"),
            ),
            models.CheckConstraint(condition=Q(line__gte=0), name="monitoring_line_non_negative"),
            models.CheckConstraint(
                condition=Q(procedure_working_days__gte=F("home_check_working_days")),
                name="monitoring_line_procedure_after_home_check",
                violation_error_message=_("识别程序总时限不能短于入户核实时限"),
            ),
        ]

    def __str__(self):
        return f"{self.province_name}{self.year}年"

    def clean(self):
        if (
            self.procedure_working_days is not None
            and self.home_check_working_days is not None
            and self.procedure_working_days < self.home_check_working_days
        ):
            raise ValidationError(
                {"procedure_working_days": _("识别程序总时限不能短于入户核实时限")}
            )


class RigidExpenditure(models.Model):
    """A household's self-paid rigid expenditure of a year (after insurance and aid)."""

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="rigid_expenditures", verbose_name=_("户")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    assessed_on = models.DateField(_("核算日期"))
    medical = money_field(_("自付医疗费用"), _("报销、救助后个人负担的医疗费用"))
    schooling = money_field(_("教育支出"))
    disaster_loss = money_field(_("灾害损失"))
    accident_loss = money_field(_("意外事故支出"))
    other = money_field(_("其他刚性支出"))
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="rigid_expenditure_unique_year"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0}),
                    name=f"rigid_{name}_non_negative",
                    violation_error_message=_("金额不能为负数"),
                )
                for name in ("medical", "schooling", "disaster_loss", "accident_loss", "other")
            ),
        ]

    AMOUNT_FIELDS = ("medical", "schooling", "disaster_loss", "accident_loss", "other")

    def __str__(self):
        return f"{self.household} {self.year}"

    @property
    def total(self):
        return sum(getattr(self, name) for name in self.AMOUNT_FIELDS)


class DepartmentWarning(models.Model):
    """One line of a department's warning list: an ID number and an event.

    The ID number is kept whole, as ``Member.id_number`` is, and shown masked
    (``masked_id_number``) wherever a full number is not asked for.
    """

    department = models.CharField(_("预警部门"), max_length=20, choices=Department.choices)
    kind = models.CharField(
        _("预警事项"), max_length=50, help_text=_("如:大额医疗自付、新增残疾、受灾、辍学、失业")
    )
    event_on = models.DateField(_("事项日期"))
    amount = models.DecimalField(
        _("涉及金额(元)"), null=True, blank=True, validators=[NON_NEGATIVE], **MONEY
    )
    id_number = models.CharField(_("身份证号"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="department_warnings",
        verbose_name=_("匹配的家庭成员"),
    )
    received_on = models.DateField(_("接收日期"))
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("部门预警信息")
        verbose_name_plural = _("部门预警信息")
        ordering = ["-received_on", "id"]
        indexes = [models.Index(fields=["id_number"])]

    def __str__(self):
        return f"{self.get_department_display()} {self.kind} {self.masked_id_number}"

    @property
    def masked_id_number(self):
        return household_rules.mask_id_number(self.id_number)


class MonitoringCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cases of the households ``user`` may see (``households.scope``)."""
        from households.scope import households_visible_to

        return self.filter(household__in=households_visible_to(user).values("pk"))

    def open(self):
        return self.exclude(state__in=CLOSED_STATES)


class MonitoringCase(models.Model):
    """A household at risk, from intake to identification and risk elimination."""

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="monitoring_cases", verbose_name=_("户")
    )
    category = models.CharField(_("监测对象类别"), max_length=10, choices=Category.choices)
    channel = models.CharField(_("发现途径"), max_length=12, choices=Channel.choices)
    self_report_kind = models.CharField(
        _("自主申报方式"), max_length=10, choices=SelfReportKind.choices, blank=True
    )
    department = models.CharField(
        _("预警部门"), max_length=20, choices=Department.choices, blank=True
    )
    warning = models.ForeignKey(
        DepartmentWarning,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("来源预警信息"),
    )
    intake_on = models.DateField(_("受理日期"))
    state = models.CharField(
        _("办理状态"), max_length=20, choices=CaseState.choices, default=CaseState.INTAKE
    )
    fast_track = models.BooleanField(
        _("绿色通道"),
        default=False,
        help_text=_("因灾、因意外事故的紧急情况:先帮扶、后履行识别程序"),
    )
    home_check_due = models.DateField(_("入户核实期限"), help_text=_("按工作日计算"))
    deadline = models.DateField(_("识别办结期限"), help_text=_("按工作日计算"))
    notice_started_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    identified_on = models.DateField(_("纳入监测日期"), null=True, blank=True)
    income_stable_since = models.DateField(
        _("收入稳定高于监测线起始日期"),
        null=True,
        blank=True,
        help_text=_("回访核实人均纯收入高于监测线、此后一直未低于监测线的起始日期"),
    )
    rigid_costs_settled = models.BooleanField(
        _("刚性支出问题已解决"), default=False, help_text=_("大额医疗、教育等支出已报销或救助到位")
    )
    eliminated_on = models.DateField(_("风险消除日期"), null=True, blank=True)
    closed_reason = models.TextField(_("不予纳入原因"), blank=True)
    responsible = models.ForeignKey(
        ResponsiblePerson,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_cases",
        verbose_name=_("帮扶责任人"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理人"),
    )
    situation = models.TextField(_("情况说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(
        _("版本号"),
        default=1,
        editable=False,
        help_text=_("每次办理加一,防止两人同时办理时互相覆盖"),
    )

    objects = MonitoringCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测对象")
        verbose_name_plural = _("监测对象")
        ordering = ["-intake_on", "-id"]
        indexes = [models.Index(fields=["state", "deadline"])]
        permissions = [
            ("work_case", _("办理本村监测对象(受理、入户核实、评议公示、公告)")),
            ("review_at_town", _("乡镇审核监测对象的识别和风险消除")),
            ("approve_at_county", _("县级比对和审批监测对象的识别和风险消除")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=~Q(state__in=CLOSED_STATES),
                name="monitoring_one_open_case_per_household",
                violation_error_message=_("该户已有正在办理或监测中的记录"),
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.SELF_REPORT) | ~Q(self_report_kind=""),
                name="monitoring_self_report_has_kind",
                violation_error_message=_("农户自主申报须填写申报方式"),
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.DEPARTMENT) | ~Q(department=""),
                name="monitoring_department_warning_has_department",
                violation_error_message=_("部门筛查预警须填写预警部门"),
            ),
            models.CheckConstraint(
                condition=Q(home_check_due__gte=F("intake_on")) & Q(deadline__gte=F("intake_on")),
                name="monitoring_deadlines_after_intake",
                violation_error_message=_("期限不能早于受理日期"),
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.get_category_display()}"

    @property
    def risk_values(self) -> list[str]:
        return [risk.risk for risk in self.risks.all()]

    @property
    def helped_from(self):
        """From when the household is helped: intake on the fast track, else identification."""
        return self.intake_on if self.fast_track else self.identified_on

    @property
    def current_due(self):
        """The deadline of the stage the case is in (None once identified or closed)."""
        from monitoring.rules import current_due

        return current_due(self.state, self.home_check_due, self.deadline)


class CaseRisk(models.Model):
    """One risk type of a case (a case has several)."""

    case = models.ForeignKey(
        MonitoringCase, models.CASCADE, related_name="risks", verbose_name=_("监测对象")
    )
    risk = models.CharField(_("风险类型"), max_length=20, choices=RiskType.choices)

    class Meta:
        verbose_name = _("风险类型")
        verbose_name_plural = _("风险类型")
        ordering = ["case", "risk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "risk"], name="case_risk_unique"),
        ]

    def __str__(self):
        return self.get_risk_display()


def step_evidence_path(instance, filename):
    # Stored under a generated name; the user's name is kept in original_name.
    extension = PurePath(filename).suffix.lower().lstrip(".")
    suffix = f".{extension}" if extension in ALLOWED_EXTENSIONS else ""
    return f"monitoring/{instance.case_id or 'new'}/{uuid.uuid4().hex}{suffix}"


def validate_step_evidence(value) -> None:
    """A new upload must be an allowed kind by its content (as rectification's evidence)."""
    if getattr(value, "_committed", True):
        return
    limit = settings.RECTIFICATION_EVIDENCE_MAX_BYTES
    upload = value.file
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    check_evidence_file(data, name=PurePath(value.name).name, max_bytes=limit)


class CaseStep(models.Model):
    """A step of a case's procedure, as done: never changed, never deleted."""

    case = models.ForeignKey(
        MonitoringCase, models.CASCADE, related_name="steps", verbose_name=_("监测对象")
    )
    kind = models.CharField(_("办理环节"), max_length=24, choices=StepKind.choices)
    on = models.DateField(_("办理日期"))
    note = models.TextField(_("办理意见"), blank=True)
    state_before = models.CharField(_("办理前状态"), max_length=20, choices=CaseState.choices)
    state_after = models.CharField(_("办理后状态"), max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("办理人"),
    )
    evidence = models.FileField(
        _("佐证材料"),
        upload_to=step_evidence_path,
        blank=True,
        validators=[validate_step_evidence],
        help_text=_("签字的承诺授权书、排查表、公示照片、公告等"),
    )
    evidence_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    evidence_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    evidence_sha256 = models.CharField(_("文件摘要(SHA-256)"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["case", "on", "id"]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()} {self.on}"
