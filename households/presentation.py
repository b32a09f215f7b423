"""How the household page and lists show the registry's rows: choice labels,
links per row, amounts, and the rows of members and incomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from households import formats, rules
from households.models import (
    HouseholdIncome,
    Member,
)


@cache
def choice_labels(model, field: str) -> dict:
    """``{value: label}`` of a field's choices (the labels stay lazy, so they
    follow the request's language). Built once per process: Django's
    ``get_<field>_display()`` builds the mapping again, translating every
    label, on each call, which a page of rows pays dozens of times."""
    return dict(model._meta.get_field(field).flatchoices)


class Labels:
    """``get_<field>_display()`` of a model instance, for templates:
    ``{{ row.labels.relation }}`` shows what ``{{ member.get_relation_display }}``
    shows (the label of the value, else the value itself)."""

    __slots__ = ("_instance",)

    def __init__(self, instance):
        self._instance = instance

    def __getitem__(self, field: str):
        try:
            labels = choice_labels(type(self._instance), field)
        except FieldDoesNotExist:
            raise KeyError(field) from None
        value = getattr(self._instance, field)
        return labels.get(value, value)


def row_links(name: str, *args) -> Callable[[int], str]:
    """``pk → reverse(name, args=[*args, pk])`` at the cost of one ``reverse()``.

    ``reverse()`` is the costliest part of a table row's links, and the page
    has a few per member, income and measure: the path is reversed once with
    0 for the row's key, which each row then puts in its place. For URL
    patterns whose last argument is an ``<int:…>`` path segment.
    """
    head, zero, tail = reverse(name, args=[*args, 0]).rpartition("/0/")
    if not zero:
        raise ValueError(f"{name}: the last argument is not a path segment of its own")
    return lambda pk: f"{head}/{int(pk)}/{tail}"


def money_text(value: Decimal | None) -> str:
    """An amount in a table cell (``households.formats.amount``): two
    decimals rounded half up, thousands separated by commas, ``""`` for None."""
    return formats.amount(value)


@dataclass(frozen=True)
class MemberRow:
    member: Member
    age: int
    present: bool
    edit_url: str = ""
    leave_url: str = ""
    reveal_url: str = ""
    correct_url: str = ""

    @property
    def labels(self) -> Labels:
        return Labels(self.member)


@dataclass(frozen=True)
class IncomeRow:
    income: HouseholdIncome
    size: int
    per_capita: Decimal | None
    poverty_line: Decimal | None
    edit_url: str = ""

    @property
    def texts(self) -> dict[str, str]:
        """Every amount of the row, as the page shows it (:func:`money_text`)."""
        income = self.income
        return {
            "wage_income": money_text(income.wage_income),
            "production_net": money_text(income.components.production_net),
            "property_income": money_text(income.property_income),
            "transfer_income": money_text(income.transfer_income),
            "net_income": money_text(income.net_income),
            "per_capita": money_text(self.per_capita),
            "poverty_line": money_text(self.poverty_line),
            "margin": money_text(self.margin),
        }

    @property
    def margin(self) -> Decimal | None:
        if self.per_capita is None or self.poverty_line is None:
            return None
        return rules.income_margin(self.per_capita, self.poverty_line)
