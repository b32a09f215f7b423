"""What the system keeps about a login besides Django's user: when its
password was last set (the password's age)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordState(models.Model):
    """When ``user``'s password was last set.

    Written by :class:`accounts.validators.PasswordChangeRecorder` whenever a
    password is set; a user without a row counts from the day the account
    was created.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="password_state",
        verbose_name=_("用户"),
    )
    changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("密码状态")
        verbose_name_plural = _("密码状态")

    def __str__(self):
        return f"{self.user} {self.changed_at:%Y-%m-%d}"
