"""Assistance measures (帮扶措施): programmes, their application to households
and persons, assistance responsible persons, and village-level projects."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.choices import RenovationKind
from households.models import YEAR_VALIDATORS, Household, Member, Village, money_field

ZERO = Decimal("0")


class Category(models.TextChoices):
    HOUSING = "housing", _("住房安全")
    MEDICAL = "medical", _("基本医疗")
    EDUCATION = "education", _("教育")
    WATER = "water", _("饮水安全")
    INDUSTRY = "industry", _("产业")
    EMPLOYMENT = "employment", _("就业")
    FINANCE = "finance", _("金融")
    SOCIAL_SECURITY = "social_security", _("兜底保障")
    CIVIL_RELIEF = "civil_relief", _("民政救助")
    OTHER = "other", _("其他")


class Kind(models.TextChoices):
    """Finer kind of programme, where reports count them separately."""

    GENERAL = "general", _("一般")
    RENOVATION = "renovation", _("危房改造")
    RELOCATION = "relocation", _("易地扶贫搬迁")
    ENTERPRISE_LINKAGE = "enterprise_linkage", _("农企利益联结")
    MENU_SUBSIDY = "menu_subsidy", _("菜单式奖补")
    COLLECTIVE_DIVIDEND = "collective_dividend", _("集体经济分红")
    PHOTOVOLTAIC = "photovoltaic", _("光伏收益")
    PUBLIC_WELFARE_POST = "public_post", _("公益岗位")
    MICROCREDIT = "microcredit", _("扶贫小额信贷")
    INSURANCE_SUBSIDY = "insurance_subsidy", _("医疗保险补贴")
    COMMERCIAL_INSURANCE = "commercial_insurance", _("商业补充保险")
    MEDICINE_DELIVERY = "medicine_delivery", _("上门送药")
    DISABILITY_SUBSIDY = "disability_subsidy", _("残疾人补贴")
    STUDENT_SUBSIDY = "student_subsidy", _("学生生活补助")
    DIBAO_UPGRADE = "dibao_upgrade", _("低保提标")
    RELIEF = "relief", _("临时救助")


class Unit(models.TextChoices):
    PER_HOUSEHOLD = "household", _("每户")
    PER_PERSON = "person", _("每人")
    PER_DAY = "day", _("每人每天")
    PER_POST_YEAR = "post_year", _("每岗每年")
    LUMP_SUM = "lump", _("按实际金额")


class Target(models.TextChoices):
    HOUSEHOLD = "household", _("到户")
    PERSON = "person", _("到人")


class ResponsiblePerson(models.Model):
    """An assistance responsible person (帮扶责任人)."""

    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("工作单位"), max_length=100, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_person",
        verbose_name=_("系统账号"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}({self.organisation})" if self.organisation else self.name


class Assignment(models.Model):
    """A responsible person's assignment to a household, with its dates."""

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="assignments", verbose_name=_("建档立卡户")
    )
    person = models.ForeignKey(
        ResponsiblePerson,
        models.PROTECT,
        related_name="assignments",
        verbose_name=_("帮扶责任人"),
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶结对")
        verbose_name_plural = _("帮扶结对")
        ordering = ["household", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(ended_on__isnull=True),
                name="assignment_unique_open",
                violation_error_message=_("该责任人已在帮扶这一户"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="assignment_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self):
        return f"{self.person} → {self.household}"


class Programme(models.Model):
    """A policy or programme of a year, with its standard amount."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    name = models.CharField(_("项目名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    kind = models.CharField(_("细类"), max_length=22, choices=Kind.choices, default=Kind.GENERAL)
    target = models.CharField(
        _("帮扶对象"), max_length=10, choices=Target.choices, default=Target.HOUSEHOLD
    )
    unit = models.CharField(_("补助标准单位"), max_length=10, choices=Unit.choices)
    standard_amount = money_field(_("补助标准(元)"), _("按单位计的标准金额;按实际金额的填0"))
    days = models.PositiveSmallIntegerField(
        _("天数"), null=True, blank=True, help_text=_("按天计算的补助每年的天数,如270天")
    )
    income_per_year = money_field(
        _("每年带来的收入(元)"),
        _("每个受益户(人)每年因此增加的收入;不增加收入的填0"),
    )
    partner = models.CharField(
        _("合作主体"), max_length=100, blank=True, help_text=_("带动企业、合作社等")
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("所在村"),
        help_text=_("只在一个村实施的项目填写"),
    )
    description = models.TextField(_("说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")
        ordering = ["-year", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="programme_unique_name"),
            models.CheckConstraint(
                condition=~Q(unit=Unit.PER_DAY) | Q(days__gt=0),
                name="programme_per_day_has_days",
                violation_error_message=_("按天计算的项目须填写天数"),
            ),
            models.CheckConstraint(
                condition=Q(standard_amount__gte=0) & Q(income_per_year__gte=0),
                name="programme_amounts_non_negative",
                violation_error_message=_("金额不能为负数"),
            ),
        ]

    def __str__(self):
        return f"{self.year}年{self.name}"

    @property
    def standard_per_beneficiary(self) -> Decimal:
        """The amount one household or person receives under the standard."""
        if self.unit == Unit.PER_DAY:
            return self.standard_amount * (self.days or 0)
        return self.standard_amount


class ApplicationStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class MeasureApplication(models.Model):
    """A programme applied to one household, or to one person of it."""

    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="applications", verbose_name=_("帮扶项目")
    )
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="measures", verbose_name=_("建档立卡户")
    )
    member = models.ForeignKey(
        Member,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("受益成员"),
        help_text=_("到人的项目填写"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PLANNED,
    )
    amount = money_field(_("金额(元)"))
    amount_override_reason = models.CharField(
        _("金额调整原因"),
        max_length=200,
        blank=True,
        help_text=_("金额与项目标准不同时必须说明原因"),
    )
    added_income = money_field(_("每年增加收入(元)"), _("计入预期收入;措施落实后计入家庭收入"))
    renovation_kind = models.CharField(
        _("改造方式"), max_length=12, choices=RenovationKind.choices, blank=True
    )
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    responsible = models.ForeignKey(
        ResponsiblePerson,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("责任人"),
    )
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["household", "programme"]
        indexes = [models.Index(fields=["programme", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(added_income__gte=0),
                name="application_amounts_non_negative",
                violation_error_message=_("金额不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=F("started_on")),
                name="application_completes_after_start",
                violation_error_message=_("完成日期不能早于开始日期"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.COMPLETED) | Q(completed_on__isnull=False),
                name="application_completed_has_date",
                violation_error_message=_("已完成的措施须填写完成日期"),
            ),
        ]

    def __str__(self):
        return f"{self.programme.name} → {self.household}"

    def clean(self):
        errors = {}
        if self.member_id and self.household_id and self.member.household_id != self.household_id:
            errors["member"] = _("受益成员不属于该户")
        if self.programme_id:
            if self.programme.target == Target.PERSON and not self.member_id:
                errors["member"] = _("到人的项目须选择受益成员")
            if self.programme.kind == Kind.RENOVATION and not self.renovation_kind:
                errors["renovation_kind"] = _("危房改造须选择改造方式")
            if (
                self.programme.unit != Unit.LUMP_SUM
                and self.amount != self.programme.standard_per_beneficiary
                and not self.amount_override_reason
            ):
                errors["amount_override_reason"] = _("金额与项目标准(%(std)s元)不同,请说明原因") % {
                    "std": self.programme.standard_per_beneficiary
                }
        if self.status == ApplicationStatus.COMPLETED and not self.completed_on:
            errors["completed_on"] = _("已完成的措施须填写完成日期")
        if errors:
            raise ValidationError(errors)


class VillageProject(models.Model):
    """A village-level project: cold storage, cooperative, PV station, water…"""

    class ProjectKind(models.TextChoices):
        PHOTOVOLTAIC = "photovoltaic", _("光伏电站")
        COLD_STORAGE = "cold_storage", _("冷库/恒温库")
        COOPERATIVE = "cooperative", _("合作社")
        MACHINERY = "machinery", _("农机具")
        WATER_PURIFIER = "water_purifier", _("净水机")
        TAP_WATER = "tap_water", _("自来水入户")
        OTHER = "other", _("其他")

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="projects", verbose_name=_("行政村")
    )
    year = models.PositiveSmallIntegerField(_("建设年度"), validators=YEAR_VALIDATORS)
    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("项目类型"), max_length=16, choices=ProjectKind.choices)
    funds = money_field(_("资金(元)"))
    funding_source = models.CharField(_("资金来源"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(
        _("数量"), null=True, blank=True, help_text=_("如净水机台数")
    )
    capacity_kw = models.DecimalField(
        _("装机容量(千瓦)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    completed_on = models.DateField(_("建成日期"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村级项目")
        verbose_name_plural = _("村级项目")
        ordering = ["village", "-year", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(funds__gte=0), name="project_funds_non_negative"),
        ]

    def __str__(self):
        return f"{self.village}{self.name}"


class ProjectIncome(models.Model):
    project = models.ForeignKey(
        VillageProject, models.CASCADE, related_name="incomes", verbose_name=_("村级项目")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    income = money_field(_("年收益(元)"))
    is_estimate = models.BooleanField(_("预计数"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目年收益")
        verbose_name_plural = _("项目年收益")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="project_income_unique"),
            models.CheckConstraint(condition=Q(income__gte=0), name="project_income_non_negative"),
        ]

    def __str__(self):
        return f"{self.project} {self.year}"


class CollectiveIncome(models.Model):
    """A village's collective-economy income in a year (村集体经济收入)."""

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="collective_incomes", verbose_name=_("行政村")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    amount = money_field(_("收入(元)"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村集体经济收入")
        verbose_name_plural = _("村集体经济收入")
        ordering = ["village", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="collective_income_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="collective_income_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.village} {self.year}"
