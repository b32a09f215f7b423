"""The change history of a household, its members, incomes and guarantees, as
the household page and the audit trail show it (ID numbers masked)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.utils import get_history_model_for_model

from households import formats, rules
from households.models import (
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
)
from households.presentation import choice_labels


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]]
    #: Why (a correction's reason, an import's name), when the writer said.
    reason: str = ""


MASKED_FIELDS = {"id_number"}
HIDDEN_HISTORY_FIELDS = {"birth_date", "sex", "version", "updated_at", "created_at"}


def _display(record, field: str) -> str:
    value = getattr(record, field)
    if field in MASKED_FIELDS:
        return rules.mask_id_number(value or "")
    labels = choice_labels(record.instance_type, field)
    if labels and value not in (None, ""):
        return str(labels.get(value, value))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return formats.amount(value)
    return str(value)


@cache
def history_model(model):
    """The historical model of ``model``. Looked up once: ``Model.history``
    builds a new manager class on every access."""
    return get_history_model_for_model(model)


def _history_fields(model) -> list[str]:
    """The fields of ``model`` a history entry compares."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in HIDDEN_HISTORY_FIELDS and f.attname != "id" and not f.is_relation
    ]


def household_history(*, household: Household, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what, when: the household and its members, incomes,
    guarantees and status periods, newest first, ID numbers masked.

    One query per kind of record; diffs are computed in memory.
    """
    sources = [
        (Household, {"id": household.pk}, pgettext("history of", "户信息"), lambda r: ""),
        (Member, {"household_id": household.pk}, pgettext("history of", "成员"), lambda r: r.name),
        (
            HouseholdIncome,
            {"household_id": household.pk},
            pgettext("history of", "收入"),
            lambda r: _("%(year)s年") % {"year": r.year},
        ),
        (
            GuaranteeAssessment,
            {"household_id": household.pk},
            pgettext("history of", "两不愁三保障"),
            lambda r: str(r.assessed_on),
        ),
        (
            HouseholdStatusPeriod,
            {"household_id": household.pk},
            pgettext("history of", "贫困状态"),
            lambda r: str(r.valid_from),
        ),
    ]
    actions = {
        "+": pgettext("history action", "新增"),
        "~": pgettext("history action", "修改"),
        "-": pgettext("history action", "删除"),
    }
    entries = []
    for model, lookup, label, name_of in sources:
        records = list(
            history_model(model)
            ._default_manager.filter(**lookup)
            .select_related("history_user")
            .order_by("id", "history_date")
        )
        fields = _history_fields(model)
        previous: dict = {}
        for record in records:
            before = previous.get(record.id)
            if before is None:
                changes = []
            else:
                changes = [
                    (
                        str(model._meta.get_field(f).verbose_name),
                        _display(before, f),
                        _display(record, f),
                    )
                    for f in fields
                    if getattr(before, f) != getattr(record, f)
                ]
            previous[record.id] = record
            if before is not None and record.history_type == "~" and not changes:
                continue
            user = record.history_user
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=(user.get_full_name() or user.username)
                    if user
                    else pgettext("history author", "系统"),
                    what=f"{label} {name_of(record)}".strip(),
                    action=actions.get(record.history_type, record.history_type),
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
