"""The audit trail: one append-only table of who did what, when, from where.

An entry is never changed nor deleted through the application: the model
refuses to save an existing entry or delete one, its queryset refuses
``update()`` and ``delete()``, the admin is read-only, and on PostgreSQL a
trigger rejects UPDATE and DELETE (migration 0002). The one way out is
``manage.py audit_purge`` for entries older than the retention period
(:func:`audit.services.audit_purge`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AUDIT_ERROR_IMMUTABLE = _("审计记录不能修改或删除")


class AuditImmutableError(Exception):
    """Someone tried to change or delete an audit entry."""

    def __init__(self):
        super().__init__(str(AUDIT_ERROR_IMMUTABLE))


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号被锁定")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    ID_REVEAL = "id_reveal", _("查看完整身份证号")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("批量导入")
    BULK_APPLY = "bulk_apply", _("批量落实帮扶措施")
    EXPORT = "export", _("导出")
    PERMISSION = "permission", _("权限变更")
    PURGE = "purge", _("清理过期审计记录")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError()

    def delete(self):
        raise AuditImmutableError()


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # No database constraint and nothing done on the user's deletion: the
    # entry outlives the account, and the username copy says who it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(
        _("对象类型"), max_length=100, blank=True, help_text=_("如 households.member")
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_label = models.CharField(_("对象"), max_length=255, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    count = models.PositiveIntegerField(_("涉及条数"), default=1)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError()
