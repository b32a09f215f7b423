"""Optimistic locking: an edit is saved only on the version its editor loaded.

Every record people edit in pages (a household, a measure, a programme, a
rectification problem, a census check) carries a ``version``. The page sends
the version it showed; the service moves it on with one conditional UPDATE
(:func:`claim_version`), or compares it under a row lock, and refuses with
:class:`ConcurrentEditError` when someone saved in between — the caller's
transaction rolls back, so nothing of the second editor is half-saved, and
they are told to reload rather than silently overwriting the first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

RECORD_CHANGED = _(
    "该记录在您打开编辑页面后已被他人修改并保存。为避免覆盖对方的修改,本次保存未生效;"
    "请刷新页面查看最新内容后再修改。"
)


class ConcurrentEditError(ValidationError):
    """The record changed since the editor loaded it.

    Every app's refusal is one of these (``except ConcurrentEditError`` catches
    them all); an app names its record (该户, 该问题…) in a subclass that
    passes its own message, and a ``code`` if a caller tells them apart.
    """

    def __init__(self, message=RECORD_CHANGED, code: str = "concurrent_edit"):
        super().__init__(message, code=code)


def claim_version(obj, expected_version: int, error=ConcurrentEditError) -> None:
    """Bump ``obj``'s version if it is still ``expected_version``, else raise ``error()``.

    One conditional UPDATE: of two editors who loaded the same version,
    exactly one succeeds; the other gets the error and the caller's
    transaction rolls back. ``obj`` keeps the new version.
    """
    claimed = (
        type(obj)
        .objects.filter(pk=obj.pk, version=expected_version)
        .update(version=F("version") + 1)
    )
    if not claimed:
        raise error()
    obj.version = expected_version + 1


def check_version(locked, expected_version: int, error=ConcurrentEditError) -> None:
    """Raise ``error()`` unless the row read under ``select_for_update`` is still
    at ``expected_version`` (the caller then saves it with the next version)."""
    if locked.version != expected_version:
        raise error()
