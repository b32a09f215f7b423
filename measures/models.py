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
from measures import rules
from measures.choices import (  # noqa: F401  (re-exported: the app's enumerations)
    LIVE_STATUSES,
    PENDING_STATUSES,
    ApplicationStatus,
    Category,
    Kind,
    Target,
    Unit,
)

ZERO = Decimal("0")


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
        # The 我的帮扶户 page is open to every account linked to a responsible
        # person; this permission puts it in the navigation.
        permissions = [("view_own_households", _("查看我的帮扶户"))]

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
    version = models.PositiveIntegerField(
        _("版本"), default=1, editable=False, help_text=_("每次修改加1,防止两人同时修改互相覆盖")
    )

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

    def clean(self):
        errors = rules.programme_errors(
            unit=self.unit, target=self.target, standard=self.standard_amount, days=self.days
        )
        if errors:
            raise ValidationError(errors)

    @property
    def standard_per_beneficiary(self) -> Decimal:
        """The amount one household or person receives under the standard
        (0 for a lump-sum programme, which has none)."""
        return self.standard_for(persons=1) or ZERO

    def standard_for(self, *, persons: int) -> Decimal | None:
        """The standard amount of an application covering ``persons`` persons
        (``rules.standard_amount``); ``None`` for a lump-sum programme."""
        return rules.standard_amount(
            unit=self.unit, standard=self.standard_amount, days=self.days, persons=persons
        )


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
    persons = models.PositiveSmallIntegerField(
        _("受益人数"),
        default=1,
        help_text=_("到人的措施为1;按人(按天)计算的到户措施为该户受益人数"),
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
    cancelled_on = models.DateField(_("取消日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        ResponsiblePerson,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("责任人"),
    )
    notes = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(
        _("版本"), default=1, editable=False, help_text=_("每次修改加1,防止两人同时修改互相覆盖")
    )

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
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.CANCELLED)
                | (Q(cancelled_on__isnull=False) & ~Q(cancel_reason="")),
                name="application_cancelled_has_date_and_reason",
                violation_error_message=_("取消的措施须填写取消日期和原因"),
            ),
            models.CheckConstraint(
                condition=Q(persons__gte=1),
                name="application_persons_positive",
                violation_error_message=_("受益人数至少为1"),
            ),
            # A programme is applied once to a person: applying it again to the
            # same set creates nothing; a cancelled one may be applied anew.
            # (Once per household is the services' rule, under the programme's
            # row lock: the database does not refuse a second one there.)
            models.UniqueConstraint(
                fields=["programme", "member"],
                condition=Q(member__isnull=False) & Q(status__in=LIVE_STATUSES),
                name="application_unique_live_per_member",
                violation_error_message=_("该成员已有这一项目的措施"),
            ),
        ]

    def __str__(self):
        return f"{self.programme.name} → {self.household}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._snapshot_pricing()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What the amount was priced on when loaded: ``clean`` checks the
        # amount against the standard only when one of these changes, so
        # that a programme's later change of standard does not block edits
        # of applications paid under the earlier one.
        instance._snapshot_pricing()
        return instance

    def _snapshot_pricing(self):
        self._priced_on = tuple(self.__dict__.get(f) for f in PRICING_FIELDS)

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._snapshot_pricing()

    def pricing_changed(self) -> bool:
        return self._state.adding or getattr(self, "_priced_on", None) != tuple(
            getattr(self, f) for f in PRICING_FIELDS
        )

    def clean(self):
        errors = {}
        if self.member_id and self.household_id and self.member.household_id != self.household_id:
            errors["member"] = _("受益成员不属于该户")
        if self.programme_id:
            programme = self.programme
            if programme.target == Target.PERSON and not self.member_id:
                errors["member"] = _("到人的项目须选择受益成员")
            if programme.target == Target.HOUSEHOLD and self.member_id:
                errors["member"] = _("到户的项目不选择受益成员")
            if programme.kind == Kind.RENOVATION and not self.renovation_kind:
                errors["renovation_kind"] = _("危房改造须选择改造方式")
            if self.pricing_changed() and self.persons:
                try:
                    rules.resolve_amount(
                        standard=programme.standard_for(persons=self.persons),
                        amount=self.amount,
                        override_reason=self.amount_override_reason,
                    )
                except rules.RuleViolation as exc:
                    errors.update(exc.errors)
        if self.status == ApplicationStatus.COMPLETED and not self.completed_on:
            errors["completed_on"] = _("已完成的措施须填写完成日期")
        if self.status == ApplicationStatus.CANCELLED:
            if not self.cancelled_on:
                errors["cancelled_on"] = rules.TRANSITION_ERROR_NO_DATE[ApplicationStatus.CANCELLED]
            if not self.cancel_reason.strip():
                errors["cancel_reason"] = rules.TRANSITION_ERROR_NO_REASON
        if errors:
            raise ValidationError(errors)


#: The fields an application's amount is priced on (see ``MeasureApplication.clean``).
PRICING_FIELDS = ("programme_id", "persons", "amount")


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
