"""What the planner's steps share: the fields a ledger writes, how an empty
cell is treated, values as the preview shows them, chunked ``__in`` queries,
the households the file's rows make up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from households import rules
from households.ledger.types import LedgerRow
from households.models import (
    INCOME_MONEY_FIELDS,
    MEMBER_ATTRIBUTE_FIELDS,
    Household,
    HouseholdIncome,
    Member,
    VillagerGroup,
)

#: Parameters per ``__in`` query (SQLite allows 32,766 since 3.32).
CHUNK = 10_000
#: Stored in the preview at most (the counts are always complete).
MAX_PREVIEW_ERRORS = 5_000
MAX_PREVIEW_CHANGES = 2_000
MAX_PREVIEW_ABSENT = 2_000

# Fields a ledger writes (check columns and the village are never written).
HOUSEHOLD_FIELDS = (
    "group",
    "identified_year",
    "identification_kind",
    "attribute",
    "dibao_class",
    "tekun_kind",
    "main_cause",
    "other_causes",
    "phone",
)
MEMBER_FIELDS = ("name", *MEMBER_ATTRIBUTE_FIELDS, "joined_on")
INCOME_FIELDS = INCOME_MONEY_FIELDS


def _not_checked(model, checked: tuple[str, ...]) -> list[str]:
    """The fields ``full_clean`` need not check, one by one, on an imported instance.

    Every value an import sets comes from a cell the reader has already
    cleaned against the same choices and ranges as the model's (choices,
    years, dates, amounts, yes/no, ID numbers), from a model default, or is a
    foreign key resolved here in bulk (``full_clean`` would query the
    database once per instance and key). Only free text is checked field by
    field (its length); the model's ``clean()``, the rules across fields,
    always runs.
    """
    return [f.name for f in model._meta.concrete_fields if f.name not in checked]


HOUSEHOLD_NOT_CHECKED = _not_checked(Household, ("number", "phone"))
MEMBER_NOT_CHECKED = _not_checked(Member, ("name", "ethnicity", "illness"))
INCOME_NOT_CHECKED = _not_checked(HouseholdIncome, ())

CLEAR, KEEP, REQUIRED = "clear", "keep", "required"
ZERO = Decimal("0.00")


def _empty_policy(model_field) -> tuple[str, Any]:
    """What an empty cell means for a model field, and the blank value."""
    if isinstance(model_field, models.BooleanField):
        return KEEP, None
    if isinstance(model_field, models.JSONField) and model_field.blank:
        return CLEAR, []
    if model_field.null:
        return CLEAR, None
    if model_field.blank:
        return CLEAR, ""
    if model_field.has_default():
        return KEEP, None
    return REQUIRED, None


def _policies(model, names):
    return {name: _empty_policy(model._meta.get_field(name)) for name in names}


HOUSEHOLD_POLICY = _policies(Household, HOUSEHOLD_FIELDS)
MEMBER_POLICY = _policies(Member, MEMBER_FIELDS)


def _choices_of(model, name) -> dict:
    return {str(k): str(v) for k, v in model._meta.get_field(name).flatchoices}


def chunk_size() -> int:
    """Keys per query: one array parameter on PostgreSQL, ≤ 10,000 parameters elsewhere."""
    return 100_000 if connection.vendor == "postgresql" else CHUNK


def among(field: str, values: list) -> Q:
    """``field IN (values)``. On PostgreSQL the values travel as one array
    (Django's ``__in`` prepares and binds every value one by one, which for
    100,000 ID numbers costs seconds)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s)", (list(values),))})
    return Q(**{f"{field}__in": values})


def chunked(values: Iterable, size: int | None = None) -> Iterator[list]:
    size = size or chunk_size()
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def display(model, name: str, value) -> str:
    """A field value as the preview shows it (labels, 是/否, masked ID numbers)."""
    if value is None or value == "" or value == []:
        return ""
    if name == "id_number":
        return rules.mask_id_number(value)
    if name == "group":
        return value.name if isinstance(value, VillagerGroup) else str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if name == "other_causes":
        labels = _choices_of(Household, name)
        return "、".join(labels.get(str(v), str(v)) for v in value)
    model_field = model._meta.get_field(name)
    if model_field.flatchoices:
        return _choices_of(model, name).get(str(value), str(value))
    return str(value)


def field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@dataclass
class _Group:
    """The rows of the file that make up one household, and its values."""

    number: str | None
    line: int
    serial: str | None = None
    head_name: str | None = None  # the name on its 户主 row
    rows: list[LedgerRow] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)  # key → line the value came from
    broken: bool = False  # its number cell could not be read
    error: bool = False


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []
