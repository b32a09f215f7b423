"""Census preparation (普查准备): the leading group and its working groups,
census staff, and the check of every registered household."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household, Town, Village


class WorkingGroup(models.Model):
    """The leading group, its office, or one of its working groups."""

    class GroupKind(models.TextChoices):
        LEADING_GROUP = "leading", _("领导小组")
        OFFICE = "office", _("领导小组办公室")
        WORKING_GROUP = "working", _("工作组")

    town = models.ForeignKey(
        Town, models.PROTECT, related_name="census_groups", verbose_name=_("镇")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=GroupKind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    duties = models.TextField(_("工作职责"), blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("普查工作机构")
        verbose_name_plural = _("普查工作机构")
        ordering = ["town", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="census_group_unique_name"),
        ]

    def __str__(self):
        return self.name


class GroupMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")
        MEMBER = "member", _("成员")
        CONTACT = "contact", _("联络员")

    group = models.ForeignKey(
        WorkingGroup, models.CASCADE, related_name="members", verbose_name=_("普查工作机构")
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    role = models.CharField(_("组内职务"), max_length=8, choices=Role.choices)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("机构成员")
        verbose_name_plural = _("机构成员")
        ordering = ["group", "role", "name"]

    def __str__(self):
        return f"{self.group} {self.get_role_display()} {self.name}"


class CensusStaff(models.Model):
    class Role(models.TextChoices):
        ENUMERATOR = "enumerator", _("摸底清查人员")
        REVIEWER = "reviewer", _("数据审核人员")

    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="census_staff",
        verbose_name=_("负责村"),
        help_text=_("摸底清查人员负责的村;数据审核人员负责全镇,留空"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="census_staff",
        verbose_name=_("系统账号"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("普查人员")
        verbose_name_plural = _("普查人员")
        ordering = ["role", "village", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="enumerator") | Q(village__isnull=False),
                name="census_enumerator_has_village",
                violation_error_message=_("摸底清查人员须指定负责的村"),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("待核查")
    CHECKED = "checked", _("已核查待审核")
    APPROVED = "approved", _("审核通过")
    SENT_BACK = "sent_back", _("退回修改")


class HouseholdCheck(models.Model):
    """The census check of one household: the enumerator confirms every item of
    the checklist and submits; a reviewer approves or sends it back with a note.

    Writes go through ``census.services`` only, which bump ``version`` under a
    conditional UPDATE (optimistic locking): of two people acting on the same
    version, one succeeds and the other is told to reload.
    """

    household = models.OneToOneField(
        Household, models.CASCADE, related_name="census_check", verbose_name=_("建档立卡户")
    )
    status = models.CharField(
        _("核查状态"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    checklist = models.JSONField(
        _("核查清单"),
        default=dict,
        blank=True,
        help_text=_("每个核查项:是否符合(ok)和说明(note),不符合的须有说明"),
    )
    enumerator = models.ForeignKey(
        CensusStaff,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="checks_made",
        verbose_name=_("核查人"),
    )
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(
        _("提交时间"),
        null=True,
        blank=True,
        help_text=_("最近一次提交核查的时间:待审核队列按它先到先审"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交账号"),
        help_text=_("提交核查的系统账号"),
    )
    reviewer = models.ForeignKey(
        CensusStaff,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="checks_reviewed",
        verbose_name=_("审核人"),
    )
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核账号"),
        help_text=_("审核的系统账号"),
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("普查核查")
        verbose_name_plural = _("普查核查")
        ordering = ["household"]
        permissions = [
            ("check_household", _("核查户(摸底清查)")),
            ("review_household", _("审核核查结果")),
            ("export_census_table", _("导出普查基础表")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent_back") | ~Q(review_note=""),
                name="census_send_back_has_note",
                violation_error_message=_("退回修改须填写审核意见"),
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.get_status_display()}"

    def clean(self):
        errors = {}
        checked = (CheckStatus.CHECKED, CheckStatus.APPROVED, CheckStatus.SENT_BACK)
        if self.status in checked and not (
            (self.enumerator_id or self.submitted_by_id) and self.checked_on
        ):
            errors["enumerator"] = _("须先由摸底清查人员核查")
        reviewed = (CheckStatus.APPROVED, CheckStatus.SENT_BACK)
        if self.status in reviewed and not (
            (self.reviewer_id or self.reviewed_by_id) and self.reviewed_on
        ):
            errors["reviewer"] = _("须填写审核人和审核日期")
        if self.status == CheckStatus.SENT_BACK and not self.review_note:
            errors["review_note"] = _("退回修改须填写审核意见")
        if errors:
            raise ValidationError(errors)


class VillageProgressSnapshot(models.Model):
    """A village's census progress on one date, counted (``census.snapshots``).

    Derived from the registry and the checks, never edited: a write to the
    village deletes its snapshots, and the snapshot of the working date is
    counted again right after the write commits; the nightly rebuild counts
    every village's. No change history: the counted rows are its history.
    """

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="+", verbose_name=_("行政村"), db_index=False
    )
    on = models.DateField(_("统计日期"))
    households = models.PositiveIntegerField(_("建档立卡户数"), default=0)
    checked = models.PositiveIntegerField(_("已核查户数"), default=0)
    approved = models.PositiveIntegerField(_("已审核通过户数"), default=0)
    sent_back = models.PositiveIntegerField(_("退回修改户数"), default=0)
    open_violations = models.PositiveIntegerField(_("数据问题数"), default=0)
    households_with_violations = models.PositiveIntegerField(_("有数据问题户数"), default=0)
    violations_by_rule = models.JSONField(_("各规则问题数"), default=dict)
    lifting_failures = models.JSONField(_("各脱贫指标未达标户数"), default=dict)
    counted_at = models.DateTimeField(_("统计时间"), auto_now=True)

    class Meta:
        verbose_name = _("普查进度汇总")
        verbose_name_plural = _("普查进度汇总")
        constraints = [
            models.UniqueConstraint(fields=["village", "on"], name="census_snapshot_village_on")
        ]

    def __str__(self):
        return f"{self.village_id} {self.on}"
