"""The record of a ledger import (台账导入): who uploaded which file, what the
preview found, and what was written.

It is itself the audit log of the import, so it keeps no change history of
its own and nobody deletes it from the UI (the admin is read-only). The
uploaded file is stored under a generated name, never the user's.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households import scope


def ledger_upload_to(instance, filename: str) -> str:
    """``ledger/2020/05/<random>.xlsx``: the user's file name is kept in ``file_name`` only."""
    return f"ledger/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class LedgerImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    QUEUED = "queued", _("排队等待预览")
    PARSING = "parsing", _("正在解析")
    PREVIEWED = "previewed", _("已预览,待确认")
    APPLYING = "applying", _("正在导入")
    APPLIED = "applied", _("已导入")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


#: Statuses in which a job is running or waiting for the worker: the detail
#: page refreshes itself while the import is in one of them.
RUNNING_STATUSES = (
    LedgerImportStatus.UPLOADED,
    LedgerImportStatus.QUEUED,
    LedgerImportStatus.PARSING,
    LedgerImportStatus.APPLYING,
)


class LedgerImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Imports ``user`` may look at: their own; all of them for a town administrator."""
        if not (user and user.is_authenticated and user.has_perm("households.import_ledger")):
            return self.none()
        if scope.sees_every_town(user):
            return self
        if scope.sees_whole_registry(user):
            # The imports of their towns: of a village of them, or uploaded by
            # someone whose profile is of them (a file of several villages).
            towns = scope.towns_of_profile(user)
            of_towns = (
                Q(uploaded_by=user)
                | Q(village__town_id__in=towns)
                | Q(uploaded_by__profile__villages__town_id__in=towns)
                | Q(uploaded_by__profile__towns__in=towns)
                | Q(uploaded_by__profile__counties__towns__in=towns)
            )
            return self.filter(pk__in=LedgerImport.objects.filter(of_towns).values("pk"))
        return self.filter(uploaded_by=user)

    def running(self):
        return self.filter(status__in=RUNNING_STATUSES)


class LedgerImport(models.Model):
    Status = LedgerImportStatus

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="ledger_imports",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=255, help_text=_("用户上传时的文件名"))
    sha256 = models.CharField(_("文件SHA-256校验值"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("文件大小(字节)"))
    file = models.FileField(
        _("台账文件"),
        upload_to=ledger_upload_to,
        max_length=200,
        blank=True,
        help_text=_("被拒绝的文件(不是Excel、压缩炸弹、过大…)立即删除,只保留本记录"),
    )
    village = models.ForeignKey(
        "households.Village",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入的行政村"),
        help_text=_("上传时选择的村;文件中没有“行政村”列时各户属于该村"),
    )
    estimated_rows = models.PositiveIntegerField(
        _("估计行数"), default=0, help_text=_("上传时按工作表尺寸估计,决定是否后台处理")
    )
    scope_all = models.BooleanField(
        _("上传时可导入全镇"), default=False, help_text=_("上传人当时是否可导入全镇各村")
    )
    scope_villages = models.JSONField(
        _("上传时的管辖村"), default=list, blank=True, help_text=_("上传人当时负责的村名")
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=LedgerImportStatus.choices,
        default=LedgerImportStatus.UPLOADED,
    )
    phase = models.CharField(_("当前步骤"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("进度(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    heartbeat_at = models.DateTimeField(
        _("心跳时间"),
        null=True,
        blank=True,
        help_text=_("处理中的任务定时更新;长时间未更新说明处理进程已中断,任务可重新运行"),
    )
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    counts = models.JSONField(
        _("统计"),
        default=dict,
        blank=True,
        help_text=_("户和成员的新增/变更/未变/错误数,行数,跳过行数"),
    )
    preview = models.JSONField(
        _("预览"),
        default=dict,
        blank=True,
        help_text=_("错误(最多5000条)、变更(最多2000条)和文件中没有的成员;身份证号已脱敏"),
    )
    fingerprint = models.CharField(
        _("计划指纹"),
        max_length=64,
        blank=True,
        help_text=_("预览时计划写入内容的SHA-256;确认时重新计算,不同说明数据已变化"),
    )
    previewed_at = models.DateTimeField(_("预览时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认导入人"),
    )
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    error_message = models.TextField(_("错误信息"), blank=True)

    objects = LedgerImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-uploaded_at", "-id"]
        # A log: no role adds, changes or deletes records by hand.
        default_permissions = ("view",)
        permissions = [("import_ledger", _("导入台账"))]
        indexes = [models.Index(fields=["status", "uploaded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="ledger_import_progress_percent"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def error_count(self) -> int:
        return int(self.counts.get("errors", 0)) if self.counts else 0

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def can_confirm(self) -> bool:
        return (
            self.status == LedgerImportStatus.PREVIEWED
            and self.error_count == 0
            and not self.is_abandoned
        )

    @property
    def is_abandoned(self) -> bool:
        """A preview nobody confirmed within ``LEDGER_PREVIEW_HOURS``: shown as
        given up (confirming it would check against stale data anyway)."""
        if self.status != LedgerImportStatus.PREVIEWED or self.previewed_at is None:
            return False
        hours = int(getattr(settings, "LEDGER_PREVIEW_HOURS", 72))
        return timezone.now() - self.previewed_at > timedelta(hours=hours)

    @property
    def status_label(self) -> str:
        if self.is_abandoned:
            return str(_("已放弃(预览后未确认)"))
        return self.get_status_display()
