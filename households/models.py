"""Geography, registered poor households, their members, incomes, guarantees
and the per-year policy parameters.

Facts that change over time are kept as dated rows, never overwritten, so
that every count can be taken *as of* a date:

* a household's poverty status is a sequence of periods
  (:class:`HouseholdStatusPeriod`, ``valid_from`` ≤ d < ``valid_to``);
* a member belongs to a household from ``joined_on`` until ``left_on``;
* guarantees are assessments with the date they were made.

Derived figures (per-capita income, the lifting check, incidence) are not
stored: ``households.rules`` computes them, ``households.selectors`` gathers
the facts for one household or for many with the same ``Q`` definitions, which
are written here once each, beside their Python twins on the models.
"""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households import rules
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    POOR_STATUSES,
    REGISTERED_STATUSES,
    DibaoClass,
    DisabilityGrade,
    DisabilityKind,
    EducationLevel,
    Health,
    HouseholdAttribute,
    HousingAlternative,
    HousingGrade,
    IdentificationKind,
    JoinReason,
    Labour,
    LeaveReason,
    MedicalInsurance,
    PoorVillageKind,
    PovertyCause,
    PovertyStatus,
    Relation,
    SchoolStatus,
    Sex,
    TekunKind,
)

ZERO = Decimal("0")
MONEY = {"max_digits": 14, "decimal_places": 2}

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
NON_NEGATIVE = MinValueValidator(ZERO, message=_("金额不能为负数"))
POVERTY_CAUSES = frozenset(PovertyCause.values)


def money_field(verbose_name, help_text="", **kwargs):
    """A non-negative amount of yuan (the database also refuses negatives)."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(
        verbose_name,
        help_text=help_text,
        validators=[NON_NEGATIVE],
        **MONEY,
        **kwargs,
    )


# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------


DIVISION_CODE = RegexValidator(
    r"^\d{12}$", _("区划代码应为12位数字(统计用区划代码)"), code="division_code"
)


def division_code_error(code: str, *, level: str, parent_code: str = "") -> str | None:
    """Why a 12-digit statistical division code (统计用区划代码) does not fit its level
    and parent, in Chinese; None when it fits (or is blank).

    A county's code ends in six zeros, a town's in three (its first six digits
    are its county's), a village's nine first digits are its town's.
    """
    if not code:
        return None
    if not re.fullmatch(r"\d{12}", code):
        return str(DIVISION_CODE.message)
    shapes = {
        "county": (code[6:] == "000000" and code[4:6] != "00", DIVISION_ERROR_COUNTY, 6),
        "town": (code[9:] == "000" and code[6:9] != "000", DIVISION_ERROR_TOWN, 6),
        "village": (code[9:] != "000", DIVISION_ERROR_VILLAGE, 9),
    }
    fits, error, prefix = shapes[level]
    if not fits:
        return str(error)
    if parent_code and code[:prefix] != parent_code[:prefix]:
        return str(DIVISION_ERROR_PARENT).format(prefix=parent_code[:prefix])
    return None


DIVISION_ERROR_COUNTY = _("旗县的区划代码应以6个0结尾,前6位是旗县代码(如150927000000)")
DIVISION_ERROR_TOWN = _("乡镇的区划代码应以3个0结尾,第7至9位是乡镇代码(如150927101000)")
DIVISION_ERROR_VILLAGE = _("村的区划代码后3位是村代码,不能是000")
DIVISION_ERROR_PARENT = _("区划代码应以上级的代码{prefix}开头")


class County(models.Model):
    """A county or banner (旗县): many towns on one system, one province's policy lines."""

    name = models.CharField(_("旗县名称"), max_length=50)
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        validators=[DIVISION_CODE],
        help_text=_("12位统计用区划代码,如察哈尔右翼中旗为150927000000"),
    )
    city = models.CharField(_("所属盟市"), max_length=50, blank=True)
    province = models.CharField(_("所属省区"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("旗县")
        verbose_name_plural = _("旗县")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="county_unique_name"),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="county_unique_code"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def province_code(self) -> str:
        """The province's two digits (policy lines are set per province and year)."""
        return self.code[:2]

    def clean(self):
        error = division_code_error(self.code, level="county")
        if error:
            raise ValidationError({"code": error})


class Town(models.Model):
    county = models.ForeignKey(
        County, models.PROTECT, related_name="towns", verbose_name=_("所属旗县")
    )
    name = models.CharField(_("镇名称"), max_length=50)
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        validators=[DIVISION_CODE],
        help_text=_("12位统计用区划代码,前6位是旗县代码,如150927101000"),
    )
    area_km2 = models.DecimalField(
        _("总面积(平方公里)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("镇")
        verbose_name_plural = _("镇")
        # No default ordering: villages order by ``town`` (its id), and an
        # ordering here would join the towns into every village-ordered list.
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="town_unique_name"),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="town_unique_code"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        county_code = self.county.code if self.county_id else ""
        error = division_code_error(self.code, level="town", parent_code=county_code)
        if error:
            raise ValidationError({"code": error})


#: Villages in the town's own order (``Village.number``): every list, filter,
#: dashboard, census page and export orders by it.
VILLAGE_ORDER = ("town", "number", "name")
#: The same order for rows of a village (households, problems...).
BY_VILLAGE_ORDER = tuple(f"village__{name}" for name in VILLAGE_ORDER)


class Village(models.Model):
    """An administrative village (行政村) and its poor-village status."""

    town = models.ForeignKey(
        Town, models.PROTECT, related_name="villages", verbose_name=_("所属镇")
    )
    name = models.CharField(_("村名"), max_length=50)
    number = models.PositiveSmallIntegerField(
        _("排列序号"),
        default=0,
        help_text=_("本村在本镇的排列顺序(镇里报表的顺序);所有列表、筛选、看板和导出都按它排列"),
    )
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        validators=[DIVISION_CODE],
        help_text=_("12位统计用区划代码,前9位是所属镇的代码"),
    )
    poor_village_kind = models.CharField(
        _("贫困村类型"),
        max_length=8,
        choices=PoorVillageKind.choices,
        default=PoorVillageKind.NOT_POOR,
    )
    exit_year = models.PositiveSmallIntegerField(
        _("退出年度"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("贫困村退出(摘帽)的年度;非贫困村留空"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政村")
        verbose_name_plural = _("行政村")
        # The town's own order (VILLAGE_ORDER), never the alphabet.
        ordering = ["town", "number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique_name"),
            models.CheckConstraint(
                condition=~Q(poor_village_kind=PoorVillageKind.NOT_POOR)
                | Q(exit_year__isnull=True),
                name="village_exit_year_only_for_poor",
                violation_error_message=_("非贫困村不能填写退出年度"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        town_code = self.town.code if self.town_id else ""
        error = division_code_error(self.code, level="village", parent_code=town_code)
        if error:
            raise ValidationError({"code": error})


class VillagerGroup(models.Model):
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="groups", verbose_name=_("行政村")
    )
    name = models.CharField(_("组名"), max_length=50)
    number = models.PositiveSmallIntegerField(_("组序号"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村民小组")
        verbose_name_plural = _("村民小组")
        ordering = ["village", "number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="group_unique_name"),
        ]

    def __str__(self):
        return f"{self.village.name}{self.name}"


class NaturalVillage(models.Model):
    """A place (自然村) inside an administrative village, e.g. 下沙盖."""

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="natural_villages", verbose_name=_("行政村")
    )
    name = models.CharField(_("自然村名"), max_length=50)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("自然村")
        verbose_name_plural = _("自然村")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="natural_village_unique"),
        ]

    def __str__(self):
        return self.name


class VillagePopulation(models.Model):
    """Population of a village in a year, on the registered and resident bases.

    The registered rural population is the denominator of the incidence.
    """

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="populations", verbose_name=_("行政村")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    registered_households = models.PositiveIntegerField(_("户籍户数"))
    registered_persons = models.PositiveIntegerField(_("户籍人口"))
    resident_households = models.PositiveIntegerField(_("常住户数"))
    resident_persons = models.PositiveIntegerField(_("常住人口"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村人口")
        verbose_name_plural = _("村人口")
        ordering = ["village", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="population_unique_year"),
        ]

    def __str__(self):
        return f"{self.village} {self.year}"


# --------------------------------------------------------------------------
# Policy parameters
# --------------------------------------------------------------------------


#: Where a household's province is: its county's 所属省区 (``County.province``).
#: Policy parameters (:class:`PolicyYear`) and monitoring lines are a province's:
#: every read of them takes a household's province from here.
PROVINCE_PATH = "village__town__county__province"


class PolicyYearQuerySet(models.QuerySet):
    def of_household(self, household) -> "PolicyYearQuerySet":
        """The rows of ``household``'s province (no query of its own: the
        province is a subquery on the household)."""
        province = Household.objects.filter(pk=household.pk).values(PROVINCE_PATH)[:1]
        return self.filter(province_name=models.Subquery(province))

    def of_outer(self, path: str = PROVINCE_PATH) -> "PolicyYearQuerySet":
        """The rows of the outer query's row's province, ``path`` being the
        lookup from that row to its province (a household's by default)."""
        return self.filter(province_name=models.OuterRef(path))


class PolicyYear(models.Model):
    """Thresholds that policy sets for a province and year: every household of
    the province's counties (and so of all their towns) is judged by its
    province's row. Data an administrator edits."""

    province_name = models.CharField(
        _("省级行政区"),
        max_length=50,
        help_text=_("与旗县的“所属省区”一致,如“内蒙古自治区”;旗县各镇的户按它取本年度参数"),
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    poverty_line = models.DecimalField(
        _("贫困线(元/人·年)"),
        validators=[NON_NEGATIVE],
        help_text=_("人均纯收入的脱贫标准"),
        **MONEY,
    )
    monitoring_line = models.DecimalField(
        _("防返贫监测线(元/人·年)"),
        null=True,
        blank=True,
        validators=[NON_NEGATIVE],
        help_text=_("防返贫动态监测的收入标准;2020年以前可留空"),
        **MONEY,
    )
    village_exit_threshold = models.DecimalField(
        _("贫困村退出贫困发生率标准(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[NON_NEGATIVE, MaxValueValidator(Decimal("100"))],
        help_text=_("贫困发生率低于此值方可退出;西部地区(含内蒙古)为3%,其他地区为2%"),
    )
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    objects = PolicyYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度政策参数")
        verbose_name_plural = _("年度政策参数")
        ordering = ["province_name", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_name", "year"],
                name="policy_year_unique_province_year",
                violation_error_message=_("该省区该年度已有政策参数"),
            ),
            models.CheckConstraint(
                condition=Q(poverty_line__gte=0), name="policy_year_line_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.province_name}{self.year}年"


# --------------------------------------------------------------------------
# As of a date: the definitions
# --------------------------------------------------------------------------
#
# Each as-of rule is written once as a ``Q`` (for querysets, annotations and
# conditional counts, ``prefix`` being the path to the rows) and once in
# Python on the model (for rows already loaded); tests/households/test_as_of.py
# proves the two agree on the demo town.


def period_covers_q(on, prefix: str = "") -> Q:
    """A status period in force on ``on`` (valid_from ≤ on < valid_to).

    Twin: :meth:`HouseholdStatusPeriod.covers`."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


def member_present_q(on, prefix: str = "") -> Q:
    """A member belonging to the household on ``on`` (joined_on ≤ on < left_on).

    Twin: :meth:`Member.present_on`."""
    return Q(**{f"{prefix}joined_on__lte": on}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": on})
    )


def head_on_q(on, prefix: str = "") -> Q:
    """The household's head (户主) on ``on``: a member present on ``on`` whose
    relation is 户主. Twin: :meth:`Member.is_head_on`."""
    return member_present_q(on, prefix) & Q(**{f"{prefix}relation": Relation.HEAD})


def status_in_q(on, statuses) -> Q:
    """Households whose status on ``on`` is one of ``statuses``.

    Twin: :meth:`Household.has_status_on`."""
    periods = HouseholdStatusPeriod.objects.filter(
        period_covers_q(on), household=models.OuterRef("pk"), status__in=list(statuses)
    )
    return Q(models.Exists(periods))


def registered_q(on) -> Q:
    """Registered poor households (建档立卡户) on ``on``: not removed, already identified."""
    return status_in_q(on, REGISTERED_STATUSES)


def poor_q(on) -> Q:
    """Households not lifted on ``on`` (未脱贫 or 返贫): they make the incidence."""
    return status_in_q(on, POOR_STATUSES)


def enjoying_policy_q(on) -> Q:
    """Households whose members still enjoy the assistance policies (享受政策) on
    ``on``: 未脱贫, 已脱贫(享受政策) and 返贫."""
    return status_in_q(on, ENJOYING_POLICY_STATUSES)


# --------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------


def head_subquery(field: str = "name", household: str = "pk"):
    """The ``field`` of the household's head, as a subquery on ``household``
    (the household's key in the outer query: ``"household"`` from a measure
    or a check). Two heads (one has left): the first by leaving date, then id.
    """
    heads = Member.objects.filter(
        household=models.OuterRef(household), relation=Relation.HEAD
    ).order_by("left_on", "pk")
    return models.Subquery(heads.values(field)[:1])


def towns_of_profile(user):
    """The ids of the towns ``user``'s profile names, directly or by their county
    (a subquery: no query of its own)."""
    return (
        Town.objects.filter(Q(user_profiles__user=user) | Q(county__user_profiles__user=user))
        .order_by()
        .values("pk")
    )


class HouseholdQuerySet(models.QuerySet):
    def with_head(self, *fields: str):
        """Annotate ``head_<field>`` with the head's ``fields`` (``head_name`` by default)."""
        return self.annotate(
            **{f"head_{field}": head_subquery(field) for field in fields or ("name",)}
        )

    def with_status_on(self, on: date):
        """Annotate ``status_on`` with the status in force on the given date."""
        period = HouseholdStatusPeriod.objects.covering(on).filter(household=models.OuterRef("pk"))
        return self.annotate(status_on=models.Subquery(period.values("status")[:1]))

    def with_status_in(self, on: date, statuses):
        """Households whose status on ``on`` is one of ``statuses`` (:func:`status_in_q`)."""
        return self.filter(status_in_q(on, statuses))

    def registered_on(self, on: date):
        """Registered poor households on ``on`` (:func:`registered_q`)."""
        return self.filter(registered_q(on))

    def poor_on(self, on: date):
        """Households not lifted on ``on`` (:func:`poor_q`)."""
        return self.filter(poor_q(on))

    def enjoying_policy_on(self, on: date):
        """Households enjoying the policies on ``on`` (:func:`enjoying_policy_q`)."""
        return self.filter(enjoying_policy_q(on))


class Household(models.Model):
    number = models.CharField(
        _("户编号"), max_length=30, unique=True, help_text=_("全国扶贫开发信息系统中的户编号")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="households", verbose_name=_("户籍所在行政村")
    )
    group = models.ForeignKey(
        VillagerGroup,
        models.PROTECT,
        related_name="households",
        verbose_name=_("村民小组"),
        null=True,
        blank=True,
    )
    natural_village = models.ForeignKey(
        NaturalVillage,
        models.PROTECT,
        related_name="households",
        verbose_name=_("户籍所在自然村"),
        null=True,
        blank=True,
    )
    residence_village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="resident_households",
        verbose_name=_("居住地行政村"),
        null=True,
        blank=True,
        help_text=_("实际居住地与户籍地不同时填写"),
    )
    residence_address = models.CharField(_("居住地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), validators=YEAR_VALIDATORS)
    identification_kind = models.CharField(
        _("识别类型"),
        max_length=8,
        choices=IdentificationKind.choices,
        default=IdentificationKind.KEPT,
        help_text=_("保留户:以前年度识别;新识别户:动态调整时新识别"),
    )
    attribute = models.CharField(
        _("贫困户属性"),
        max_length=12,
        choices=HouseholdAttribute.choices,
        default=HouseholdAttribute.GENERAL,
    )
    dibao_class = models.CharField(
        _("低保类别"), max_length=2, choices=DibaoClass.choices, blank=True
    )
    tekun_kind = models.CharField(
        _("特困供养方式"), max_length=12, choices=TekunKind.choices, blank=True
    )
    main_cause = models.CharField(_("主要致贫原因"), max_length=16, choices=PovertyCause.choices)
    other_causes = models.JSONField(
        _("其他致贫原因"),
        default=list,
        blank=True,
        help_text=_("致贫原因代码的列表"),
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Optimistic locking: a save based on an older version is refused, so a
    # second cadre editing the same household cannot overwrite the first.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = HouseholdQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("建档立卡户")
        verbose_name_plural = _("建档立卡户")
        ordering = ["village", "number"]
        indexes = [models.Index(fields=["village", "group"])]
        permissions = [
            ("view_all_households", _("查看全镇所有村的户")),
            ("reveal_id_number", _("查看完整身份证号(留痕)")),
            ("export_households", _("导出户信息")),
            (
                "correct_records",
                _("更正误录的成员增减员和贫困状态变更(须填写更正原因,留痕)"),
            ),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        errors = {}
        if self.group_id and self.village_id and self.group.village_id != self.village_id:
            errors["group"] = _("村民小组不属于所选行政村")
        if (
            self.natural_village_id
            and self.village_id
            and self.natural_village.village_id != self.village_id
        ):
            errors["natural_village"] = _("自然村不属于所选行政村")
        is_dibao = self.attribute in (HouseholdAttribute.DIBAO, HouseholdAttribute.DIBAO_TEKUN)
        is_tekun = self.attribute in (HouseholdAttribute.TEKUN, HouseholdAttribute.DIBAO_TEKUN)
        if self.dibao_class and not is_dibao:
            errors["dibao_class"] = _("只有低保户才能填写低保类别")
        if self.tekun_kind and not is_tekun:
            errors["tekun_kind"] = _("只有特困供养户才能填写供养方式")
        bad = [c for c in self.other_causes or [] if c not in POVERTY_CAUSES]
        if bad:
            errors["other_causes"] = _("未知的致贫原因:%(causes)s") % {"causes": "、".join(bad)}
        if errors:
            raise ValidationError(errors)

    def status_as_of(self, on: date) -> str | None:
        """The status of the period covering ``on`` (its status periods, prefetched or not)."""
        return next((p.status for p in self.status_periods.all() if p.covers(on)), None)

    def has_status_on(self, on: date, statuses) -> bool:
        """:func:`status_in_q` of this household."""
        return any(p.covers(on) and p.status in statuses for p in self.status_periods.all())

    def is_registered_on(self, on: date) -> bool:
        """:func:`registered_q` of this household."""
        return self.has_status_on(on, REGISTERED_STATUSES)

    def is_poor_on(self, on: date) -> bool:
        """:func:`poor_q` of this household."""
        return self.has_status_on(on, POOR_STATUSES)

    def enjoys_policy_on(self, on: date) -> bool:
        """:func:`enjoying_policy_q` of this household."""
        return self.has_status_on(on, ENJOYING_POLICY_STATUSES)


class HouseholdStatusPeriodQuerySet(models.QuerySet):
    def covering(self, on: date):
        """The periods in force on ``on`` (:func:`period_covers_q`)."""
        return self.filter(period_covers_q(on))


class HouseholdStatusPeriod(models.Model):
    """A period during which a household had one poverty status.

    Periods of a household do not overlap and the last one is open
    (``valid_to`` empty). A household is registered on date d when a period
    with a registered status covers d; removal (自然减少, 清退) is a period too,
    with its date and reason, so history is never lost.
    """

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="status_periods", verbose_name=_("建档立卡户")
    )
    status = models.CharField(_("贫困状态"), max_length=8, choices=PovertyStatus.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(
        _("截止日期"), null=True, blank=True, help_text=_("不含当日;留空表示至今有效")
    )
    reason = models.CharField(_("变更原因"), max_length=200, blank=True)
    decided_by = models.CharField(
        _("认定依据"), max_length=200, blank=True, help_text=_("如:2020年5月动态调整")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = HouseholdStatusPeriodQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("贫困状态记录")
        verbose_name_plural = _("贫困状态记录")
        ordering = ["household", "valid_from"]
        indexes = [
            models.Index(fields=["valid_from", "valid_to", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(valid_to__isnull=True),
                name="status_one_open_period",
                violation_error_message=_("一户只能有一个当前有效的贫困状态"),
            ),
            models.UniqueConstraint(fields=["household", "valid_from"], name="status_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="status_period_ends_after_start",
                violation_error_message=_("截止日期必须晚于起始日期"),
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.get_status_display()} {self.valid_from}"

    def covers(self, on: date) -> bool:
        """:func:`period_covers_q` of this period."""
        return self.valid_from <= on and (self.valid_to is None or self.valid_to > on)


#: A member's own attributes (not identity, dates or household): the fields
#: the edit form, the admin resource and the ledger import all carry.
MEMBER_ATTRIBUTE_FIELDS = (
    "relation",
    "ethnicity",
    "health",
    "illness",
    "disability_kind",
    "disability_grade",
    "labour",
    "education_level",
    "school_status",
    "medical_insurance",
    "on_dibao",
    "on_tekun",
)


class MemberQuerySet(models.QuerySet):
    def present_on(self, on: date):
        """Members belonging to their household on the given date (:func:`member_present_q`)."""
        return self.filter(member_present_q(on))

    def heads_on(self, on: date):
        """The households' heads on the given date (:func:`head_on_q`)."""
        return self.filter(head_on_q(on))

    def enjoying_policy_on(self, on: date):
        """The persons enjoying the policies (享受政策) on ``on``: the members present
        then of the households enjoying them (:func:`enjoying_policy_q`)."""
        return self.filter(
            member_present_q(on), household__in=Household.objects.enjoying_policy_on(on)
        )


class Member(models.Model):
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="members", verbose_name=_("建档立卡户")
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(
        _("身份证号"),
        max_length=18,
        help_text=_("18位公民身份号码,末位可为X"),
    )
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    health = models.CharField(
        _("健康状况"), max_length=10, choices=Health.choices, default=Health.HEALTHY
    )
    illness = models.CharField(
        _("所患疾病"), max_length=100, blank=True, help_text=_("敏感个人信息,仅授权人员可见")
    )
    disability_kind = models.CharField(
        _("残疾类别"), max_length=14, choices=DisabilityKind.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=DisabilityGrade.choices, null=True, blank=True
    )
    labour = models.CharField(
        _("劳动技能"), max_length=10, choices=Labour.choices, default=Labour.ORDINARY
    )
    education_level = models.CharField(
        _("文化程度/在读学段"), max_length=12, choices=EducationLevel.choices, blank=True
    )
    school_status = models.CharField(
        _("在校生状况"),
        max_length=18,
        choices=SchoolStatus.choices,
        default=SchoolStatus.NOT_STUDENT,
    )
    medical_insurance = models.CharField(
        _("医疗保险"),
        max_length=16,
        choices=MedicalInsurance.choices,
        default=MedicalInsurance.RESIDENT,
    )
    on_dibao = models.BooleanField(_("享受低保"), default=False)
    on_tekun = models.BooleanField(_("享受特困供养(五保)"), default=False)
    joined_on = models.DateField(_("入户日期"), help_text=_("识别建档、出生、婚入等的日期"))
    join_reason = models.CharField(
        _("入户原因"), max_length=12, choices=JoinReason.choices, default=JoinReason.IDENTIFIED
    )
    left_on = models.DateField(
        _("减员日期"),
        null=True,
        blank=True,
        help_text=_("从建档立卡户中减员(注销)的日期;死亡后在下次动态调整时减员"),
    )
    leave_reason = models.CharField(
        _("减员原因"), max_length=12, choices=LeaveReason.choices, blank=True
    )
    deceased_on = models.DateField(_("死亡日期"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household", "joined_on", "id"]
        indexes = [
            models.Index(fields=["household", "joined_on", "left_on"]),
            models.Index(fields=["id_number"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(left_on__isnull=True),
                name="member_unique_active_id_number",
                violation_error_message=_("该身份证号已登记在另一名在册成员名下"),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_leaves_after_joining",
                violation_error_message=_("减员日期不能早于入户日期"),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, leave_reason="")
                | (Q(left_on__isnull=False) & ~Q(leave_reason="")),
                name="member_leave_has_date_and_reason",
                violation_error_message=_("减员须同时填写日期和原因"),
            ),
            models.CheckConstraint(
                condition=Q(joined_on__gte=models.F("birth_date")),
                name="member_joins_after_birth",
                violation_error_message=_("入户日期不能早于出生日期"),
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True) | Q(health=Health.DISABLED),
                name="member_disability_grade_only_if_disabled",
                violation_error_message=_("只有残疾人才能填写残疾等级"),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Sex and birth date are never entered: they are read off the ID
        # number, so the two can never disagree.
        checked = getattr(self, "_id_number_checked", None)
        if not (checked and checked == (self.id_number, None) and self.birth_date and self.sex):
            info = rules.parse_id_number(self.id_number)
            self.id_number, self.sex, self.birth_date = info.number, info.sex, info.birth_date
        super().save(*args, **kwargs)

    def derive_from_id_number(self) -> None:
        """Normalise the ID number and read sex and birth date off it, if it is valid."""
        if getattr(self, "_id_number_checked", None) == (self.id_number, None):
            return  # parsed already (by the form or the ledger reader)
        try:
            info = rules.parse_id_number(self.id_number)
        except rules.IdNumberError as exc:
            self._id_number_checked = (self.id_number, str(exc))  # reported by clean()
            return
        except TypeError:
            return
        self.id_number, self.sex, self.birth_date = info.number, info.sex, info.birth_date
        self._id_number_checked = (self.id_number, None)

    def clean_fields(self, exclude=None):
        # Sex and birth date are derived, never entered: fill them before the
        # field checks, and never report them as missing (a wrong ID number
        # is reported once, on the ID number).
        self.derive_from_id_number()
        super().clean_fields(exclude={*(exclude or ()), "sex", "birth_date"})

    def clean(self):
        errors = {}
        if self.id_number:
            # clean_fields has usually checked this very number already.
            checked = getattr(self, "_id_number_checked", None)
            if checked is None or checked[0] != self.id_number:
                self.derive_from_id_number()
                checked = getattr(self, "_id_number_checked", (self.id_number, None))
            if checked[1]:
                errors["id_number"] = checked[1]
        if self.health == Health.DISABLED and not self.disability_grade:
            errors["disability_grade"] = _("残疾人须填写残疾等级")
        if self.health != Health.DISABLED and (self.disability_grade or self.disability_kind):
            errors["disability_grade"] = _("健康状况不是残疾,不能填写残疾类别或等级")
        if self.left_on and not self.leave_reason:
            errors["leave_reason"] = _("请填写减员原因")
        if self.leave_reason and not self.left_on:
            errors["left_on"] = _("请填写减员日期")
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            errors["left_on"] = _("减员日期不能早于入户日期")
        if self.joined_on and self.birth_date and self.joined_on < self.birth_date:
            errors["joined_on"] = _("入户日期不能早于出生日期")
        if self.deceased_on and self.birth_date and self.deceased_on < self.birth_date:
            errors["deceased_on"] = _("死亡日期不能早于出生日期")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return rules.mask_id_number(self.id_number)

    def present_on(self, on: date) -> bool:
        """:func:`member_present_q` of this member."""
        return self.joined_on <= on and (self.left_on is None or self.left_on > on)

    def is_head_on(self, on: date) -> bool:
        """:func:`head_on_q` of this member."""
        return self.relation == Relation.HEAD and self.present_on(on)

    def enjoys_policy_on(self, on: date) -> bool:
        """:meth:`MemberQuerySet.enjoying_policy_on` of this member."""
        return self.present_on(on) and self.household.enjoys_policy_on(on)


# --------------------------------------------------------------------------
# Income and guarantees
# --------------------------------------------------------------------------


INCOME_TRANSFER_FIELDS = (
    "transfer_dibao",
    "transfer_tekun",
    "transfer_pension",
    "transfer_eco",
    "transfer_subsidy",
    "transfer_relief",
    "transfer_other",
)
INCOME_MONEY_FIELDS = (
    "wage_income",
    "production_income",
    "production_cost",
    "property_income",
    *INCOME_TRANSFER_FIELDS,
)


class HouseholdIncome(models.Model):
    """A household's income in a year, by component (家庭年收入).

    Per-capita net income divides the net income by the number of members
    registered on ``assessed_on`` (the survey date).
    """

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="incomes", verbose_name=_("建档立卡户")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    assessed_on = models.DateField(
        _("核算日期"), help_text=_("收入核算(入户调查)的日期;人均以该日在册人数计算")
    )
    wage_income = money_field(_("工资性收入"))
    production_income = money_field(_("生产经营性收入"), _("种植、养殖等经营收入(毛收入)"))
    production_cost = money_field(_("生产经营性支出"))
    property_income = money_field(_("财产性收入"), _("土地流转、入股分红、资产收益等"))
    transfer_dibao = money_field(_("低保金"))
    transfer_tekun = money_field(_("特困供养金"))
    transfer_pension = money_field(_("养老金"))
    transfer_eco = money_field(_("生态补偿金"))
    transfer_subsidy = money_field(_("其他政策性补贴"), _("种粮补贴、计划生育金、残疾人补贴等"))
    transfer_relief = money_field(_("救助金"), _("民政临时救助等"))
    transfer_other = money_field(_("其他转移性收入"))
    declared_per_capita = models.DecimalField(
        _("台账填报的人均纯收入(未分项)"),
        null=True,
        blank=True,
        validators=[NON_NEGATIVE],
        help_text=_("台账只填了人均纯收入、没有收入分项时的收入数据;有分项时按分项计算,不用此值"),
        **MONEY,
    )
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    TRANSFER_FIELDS = INCOME_TRANSFER_FIELDS
    MONEY_FIELDS = INCOME_MONEY_FIELDS

    class Meta:
        verbose_name = _("家庭收入")
        verbose_name_plural = _("家庭收入")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_unique_year"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0}),
                    name=f"income_{name}_non_negative",
                    violation_error_message=_("金额不能为负数"),
                )
                for name in INCOME_MONEY_FIELDS
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.year}"

    @property
    def transfer_income(self) -> Decimal:
        return sum((getattr(self, name) for name in self.TRANSFER_FIELDS), ZERO)

    @property
    def components(self) -> rules.IncomeComponents:
        return rules.IncomeComponents(
            wage=self.wage_income,
            production_income=self.production_income,
            production_cost=self.production_cost,
            property_income=self.property_income,
            transfer_income=self.transfer_income,
        )

    @property
    def net_income(self) -> Decimal:
        return self.components.net_income

    def per_capita(self, size: int) -> Decimal | None:
        """Per-capita net income over ``size`` members (the declared figure
        when the record has no components)."""
        return rules.income_per_capita(self.net_income, size, self.declared_per_capita)

    @property
    def is_declared_only(self) -> bool:
        return self.declared_per_capita is not None and not self.net_income


class GuaranteeAssessment(models.Model):
    """An assessment of the household's food, clothing, housing and water.

    Compulsory education and basic medical care are judged from the members
    (school status, insurance) on the check date, not stored here, so the
    two can never disagree. A completed 危房改造 is the completion of the
    household's housing measure.
    """

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="guarantees", verbose_name=_("建档立卡户")
    )
    assessed_on = models.DateField(_("评估日期"))
    assessed_by = models.CharField(_("评估人"), max_length=50, blank=True)
    food_ok = models.BooleanField(_("不愁吃"), help_text=_("能吃饱,适当吃肉蛋奶或豆制品"))
    clothing_ok = models.BooleanField(_("不愁穿"), help_text=_("四季有换季衣服、有御寒被褥"))
    housing_grade = models.CharField(
        _("住房安全鉴定等级"), max_length=1, choices=HousingGrade.choices, blank=True
    )
    housing_appraised_on = models.DateField(_("住房鉴定日期"), null=True, blank=True)
    housing_alternative = models.CharField(
        _("其他住房保障方式"),
        max_length=12,
        choices=HousingAlternative.choices,
        default=HousingAlternative.NONE,
    )
    water_ok = models.BooleanField(
        _("饮水安全"), help_text=_("水量、水质、用水方便程度和供水保证率均达标")
    )
    water_source = models.CharField(_("饮水来源"), max_length=50, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("两不愁三保障评估")
        verbose_name_plural = _("两不愁三保障评估")
        ordering = ["household", "-assessed_on"]
        get_latest_by = "assessed_on"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "assessed_on"], name="guarantee_unique_date"
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.assessed_on}"


# --------------------------------------------------------------------------
# Access: who may see which villages
# --------------------------------------------------------------------------


class UserProfile(models.Model):
    """A user's village scope. What a user may *do* comes from their groups.

    A village cadre, census enumerator or census reviewer sees the villages
    listed here; users who see the whole registry (administrators, leaders:
    ``households.scope``) see the whole town; an assistance responsible person also sees
    the households assigned to them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="profile",
        verbose_name=_("用户"),
    )
    villages = models.ManyToManyField(
        Village, blank=True, related_name="user_profiles", verbose_name=_("负责的村")
    )
    towns = models.ManyToManyField(
        Town,
        blank=True,
        related_name="user_profiles",
        verbose_name=_("负责的镇"),
        help_text=_("镇扶贫办管理员、镇领导、数据审核员查看本镇所有村"),
    )
    counties = models.ManyToManyField(
        County,
        blank=True,
        related_name="user_profiles",
        verbose_name=_("负责的旗县"),
        help_text=_("旗县领导、旗县管理员查看本旗县所有镇"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    history = HistoricalRecords(m2m_fields=[villages, towns, counties])

    class Meta:
        verbose_name = _("用户村范围")
        verbose_name_plural = _("用户村范围")

    def __str__(self):
        return str(self.user)


class IdNumberReveal(models.Model):
    """A record of a user revealing a member's full ID number."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="id_number_reveals",
        verbose_name=_("查看人"),
    )
    member = models.ForeignKey(
        Member, models.CASCADE, related_name="id_number_reveals", verbose_name=_("家庭成员")
    )
    revealed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("身份证号查看记录")
        verbose_name_plural = _("身份证号查看记录")
        ordering = ["-revealed_at"]

    def __str__(self):
        return f"{self.user} {self.member} {self.revealed_at:%Y-%m-%d %H:%M}"


from households.ledger.models import LedgerImport  # noqa: E402,F401
