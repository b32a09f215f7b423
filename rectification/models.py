"""Rectification (问题整改): inspection rounds, the problems they found, and
the evidence of each problem's rectification."""

import uuid
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households import scope
from households.models import Household, Village
from rectification.filetypes import ALLOWED_EXTENSIONS, check_evidence_file

EVIDENCE_EXTENSIONS = ALLOWED_EXTENSIONS


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


# --------------------------------------------------------------------------
# As of a date: the definitions
# --------------------------------------------------------------------------
#
# "As of" a date: a problem counts from the day it was found (``found_on``);
# whether it is done is its current status (see rectification.selectors).
# Each rule is a ``Q`` over ``Problem`` (``prefix`` = the path to the
# problems) with its twin on the model; tests/rectification/test_as_of.py
# proves the two agree.


def found_q(on: date, prefix: str = "") -> Q:
    """A problem already found on ``on``. Twin: :meth:`Problem.is_found_by`."""
    return Q(**{f"{prefix}found_on__lte": on})


def done_q(on: date, prefix: str = "") -> Q:
    """A problem found by ``on`` and rectified (销号). Twin: :meth:`Problem.is_done_on`."""
    return found_q(on, prefix) & Q(**{f"{prefix}status": ProblemStatus.DONE})


def open_q(on: date, prefix: str = "") -> Q:
    """A problem found by ``on`` and not yet rectified (待整改 or 正在整改).

    Twin: :meth:`Problem.is_open_on`."""
    return found_q(on, prefix) & ~Q(**{f"{prefix}status": ProblemStatus.DONE})


def overdue_q(on: date, prefix: str = "") -> Q:
    """An open problem whose deadline passed before ``on`` (the deadline day itself
    is in time). Twin: :meth:`Problem.is_overdue_on`."""
    return open_q(on, prefix) & Q(**{f"{prefix}deadline__lt": on})


class ProblemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The problems ``user`` may see: the one scoping rule of every page.

        The whole town for a user who sees the whole registry (administrator,
        leaders, reviewers: ``households.scope``); otherwise the problems
        concerning the villages of the user's profile, and the problems the
        user is responsible for.
        """
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if scope.sees_every_town(user):
            return self
        if scope.sees_whole_registry(user):
            concerning = Q(villages__town_id__in=scope.towns_of_profile(user))
        else:
            concerning = scope.in_profile_villages_q(user, via="villages")
        concerning |= Q(responsible_user=user)
        # An IN subquery keeps one row per problem however many paths lead to it.
        return self.filter(pk__in=Problem.objects.filter(concerning).values("pk"))

    def found_by(self, on: date):
        """Problems already found on the given date (:func:`found_q`)."""
        return self.filter(found_q(on))

    def done_on(self, on: date):
        """Problems found and rectified by the given date (:func:`done_q`)."""
        return self.filter(done_q(on))

    def open_on(self, on: date):
        """Problems found and not yet rectified on the given date (:func:`open_q`)."""
        return self.filter(open_q(on))

    def overdue_on(self, on: date):
        """Problems still open past their deadline on the given date (:func:`overdue_q`)."""
        return self.filter(overdue_q(on))


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
    reopen_reason = models.TextField(
        _("重新打开原因"), blank=True, help_text=_("已销号的问题被重新打开时填写的原因(最近一次)")
    )
    version = models.PositiveIntegerField(
        _("版本号"),
        default=1,
        editable=False,
        help_text=_("每次修改加一,防止两人同时修改时互相覆盖"),
    )

    objects = ProblemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改问题")
        verbose_name_plural = _("整改问题")
        ordering = ["inspection_round", "category", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]
        permissions = [
            ("rectify_problem", _("可整改问题(开始整改、上传佐证材料)")),
            ("close_problem", _("可核实销号")),
        ]
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

    def is_found_by(self, on: date) -> bool:
        """:func:`found_q` of this problem."""
        return self.found_on <= on

    def is_done_on(self, on: date) -> bool:
        """:func:`done_q` of this problem."""
        return self.is_found_by(on) and self.status == ProblemStatus.DONE

    def is_open_on(self, on: date) -> bool:
        """:func:`open_q` of this problem."""
        return self.is_found_by(on) and self.status != ProblemStatus.DONE

    def is_overdue_on(self, on: date) -> bool:
        """:func:`overdue_q` of this problem."""
        return self.is_open_on(on) and self.deadline < on


def evidence_path(instance, filename):
    # The file's own name is kept only in ``original_name``: stored names are
    # generated, so an upload can never choose where it lands.
    extension = PurePath(filename).suffix.lower().lstrip(".")
    suffix = f".{extension}" if extension in ALLOWED_EXTENSIONS else ""
    return f"evidence/{instance.problem_id or 'new'}/{uuid.uuid4().hex}{suffix}"


def validate_evidence_upload(value) -> None:
    """A newly uploaded evidence file must be an allowed kind by its content, within the limit.

    Also guards uploads through the Django admin; the pages go through
    ``services.evidence_add``, which applies the same check.
    """
    if getattr(value, "_committed", True):
        return  # the stored file, already checked when it was uploaded
    limit = settings.RECTIFICATION_EVIDENCE_MAX_BYTES
    upload = value.file
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    check_evidence_file(data, name=PurePath(value.name).name, max_bytes=limit)


class Evidence(models.Model):
    problem = models.ForeignKey(
        Problem, models.CASCADE, related_name="evidence", verbose_name=_("整改问题")
    )
    file = models.FileField(
        _("佐证材料"),
        upload_to=evidence_path,
        validators=[validate_evidence_upload],
    )
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(
        _("文件类型"), max_length=100, blank=True, help_text=_("按文件内容识别的类型")
    )
    size = models.PositiveIntegerField(_("文件大小(字节)"), null=True, blank=True)
    sha256 = models.CharField(
        _("文件摘要(SHA-256)"),
        max_length=64,
        blank=True,
        help_text=_("文件内容的摘要,防止同一文件重复上传"),
    )
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
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "sha256"],
                condition=~Q(sha256=""),
                name="evidence_unique_file_per_problem",
                violation_error_message=_("该问题已上传过同一文件"),
            ),
        ]

    def __str__(self):
        return self.original_name or self.file.name
