"""Rectification (问题整改): inspection rounds, the problems they found, and
the evidence of each problem's rectification."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household, Village

EVIDENCE_EXTENSIONS = ["jpg", "jpeg", "png", "pdf", "doc", "docx", "xls", "xlsx"]


class InspectionRound(models.Model):
    class RoundKind(models.TextChoices):
        CENTRAL_INSPECTION = "central", _("中央巡视(回头看)")
        NATIONAL_ASSESSMENT = "assessment", _("国家成效考核")
        SELF_SURVEY = "survey", _("全面摸底排查")
        DISCIPLINE = "discipline", _("纪委专项检查")
        OTHER = "other", _("其他")

    name = models.CharField(_("检查名称"), max_length=150, unique=True)
    kind = models.CharField(_("检查类型"), max_length=12, choices=RoundKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    feedback_on = models.DateField(_("反馈日期"), null=True, blank=True)
    summary = models.TextField(
        _("反馈概况"), blank=True, help_text=_("上级反馈的问题总体情况,如“5大类23个问题”")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查反馈")
        verbose_name_plural = _("检查反馈")
        ordering = ["-year", "name"]

    def __str__(self):
        return self.name


class ProblemCategory(models.TextChoices):
    HOUSING = "housing", _("住房安全保障")
    INDUSTRY_ADVISOR = "industry_advisor", _("产业指导员")
    WATER = "water", _("饮水安全")
    FINANCE = "finance", _("金融扶贫")
    EMPLOYMENT = "employment", _("就业扶贫")
    RECORDS = "records", _("表册")
    GUARANTEES = "guarantees", _("两不愁三保障")
    MEASURES = "measures", _("帮扶措施")
    OLD_HOUSE_NOT_DEMOLISHED = "old_house", _("建新未拆旧")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("正在整改")
    DONE = "done", _("已完成")


class ProblemQuerySet(models.QuerySet):
    def overdue_on(self, on: date):
        """Problems not done whose deadline has passed by the given date."""
        return self.exclude(status=ProblemStatus.DONE).filter(deadline__lt=on)


class Problem(models.Model):
    inspection_round = models.ForeignKey(
        InspectionRound, models.PROTECT, related_name="problems", verbose_name=_("检查反馈")
    )
    category = models.CharField(_("问题类别"), max_length=16, choices=ProblemCategory.choices)
    text = models.TextField(_("问题描述"))
    villages = models.ManyToManyField(
        Village, blank=True, related_name="problems", verbose_name=_("涉及村")
    )
    households = models.ManyToManyField(
        Household, blank=True, related_name="problems", verbose_name=_("涉及户")
    )
    responsible_name = models.CharField(_("整改责任人"), max_length=50)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_problems",
        verbose_name=_("责任人账号"),
    )
    found_on = models.DateField(_("发现日期"))
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(
        _("整改状态"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    measures_taken = models.TextField(_("整改措施"), blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    completion_note = models.TextField(_("完成情况说明"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="closed_problems",
        verbose_name=_("销号人"),
    )

    objects = ProblemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改问题")
        verbose_name_plural = _("整改问题")
        ordering = ["inspection_round", "category", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.DONE)
                | (Q(completed_on__isnull=False) & ~Q(completion_note="")),
                name="problem_done_has_date_and_note",
                violation_error_message=_("整改完成须填写完成日期和完成情况说明"),
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("found_on")),
                name="problem_deadline_after_found",
                violation_error_message=_("整改时限不能早于发现日期"),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}:{self.text[:30]}"

    def clean(self):
        errors = {}
        if self.status == ProblemStatus.DONE:
            if not self.completed_on:
                errors["completed_on"] = _("整改完成须填写完成日期")
            if not self.completion_note:
                errors["completion_note"] = _("整改完成须填写完成情况说明")
        if self.deadline and self.found_on and self.deadline < self.found_on:
            errors["deadline"] = _("整改时限不能早于发现日期")
        if errors:
            raise ValidationError(errors)


def evidence_path(instance, filename):
    # The file's own name is kept only in ``original_name``: stored names are
    # generated, so an upload can never choose where it lands.
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.problem_id or 'new'}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    problem = models.ForeignKey(
        Problem, models.CASCADE, related_name="evidence", verbose_name=_("整改问题")
    )
    file = models.FileField(
        _("佐证材料"),
        upload_to=evidence_path,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["problem", "uploaded_at"]

    def __str__(self):
        return self.original_name or self.file.name
