"""Password rules beyond Django's own, and the record of when a password was set."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PASSWORD_ERROR_CLASSES = gettext_lazy("密码必须同时包含字母、数字和符号(缺少:{missing})")
CLASS_LABELS = {
    "letter": gettext_lazy("字母"),
    "digit": gettext_lazy("数字"),
    "symbol": gettext_lazy("符号"),
}


def missing_classes(password: str) -> list[str]:
    """The character classes (letter, digit, symbol) ``password`` lacks, in that order."""
    has = {
        # ASCII letters only: a password of Chinese characters cannot be typed
        # on every office keyboard the town uses.
        "letter": any(c.isascii() and c.isalpha() for c in password),
        "digit": any(c.isascii() and c.isdigit() for c in password),
        "symbol": any(not c.isalnum() and not c.isspace() for c in password),
    }
    return [name for name, present in has.items() if not present]


class CharacterClassesValidator:
    """A password must hold at least one letter, one digit and one symbol."""

    def validate(self, password: str, user=None) -> None:
        missing = missing_classes(password)
        if missing:
            raise ValidationError(
                PASSWORD_ERROR_CLASSES.format(
                    missing="、".join(str(CLASS_LABELS[m]) for m in missing)
                ),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _("密码必须同时包含字母、数字和符号。")


PASSWORD_ERROR_USERNAME = gettext_lazy("密码不能包含用户名")


class UsernameNotInPasswordValidator:
    """A password must not contain the account's user name, in any case.

    Django's similarity check compares the whole password with the name and
    lets ``cadre-2021!`` through for ``cadre``; a guesser tries exactly that.
    """

    def validate(self, password: str, user=None) -> None:
        username = (user.get_username() if user is not None else "") or ""
        if len(username) >= 3 and username.casefold() in password.casefold():
            raise ValidationError(PASSWORD_ERROR_USERNAME, code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")


class PasswordMaxAgeValidator:
    """A password lasts ``PASSWORD_MAX_AGE_DAYS``: says so, and records when
    a password was set. It refuses no password.

    Django calls ``password_changed`` on every configured validator after a
    password set with ``set_password`` is saved, whatever sets it (the
    password change page, the admin, ``createsuperuser``, code).
    """

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from accounts.services import password_record_change

        password_record_change(user=user, at=timezone.now())

    def get_help_text(self) -> str:
        from django.conf import settings

        return _("密码每%(days)s天必须更换一次。") % {"days": settings.PASSWORD_MAX_AGE_DAYS}
