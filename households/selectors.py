"""Reads of the household registry, as of a date.

Every count uses the one definition of ``households.models``, a ``Q``
object over the dated rows (status periods, member join/leave dates) with its
Python twin on the model (``member_present_q`` and ``Member.present_on``,
``period_covers_q`` and ``HouseholdStatusPeriod.covers``...). The household
page and the aggregate queries of dashboards and reports both use these
definitions, so a household counted as "not lifted" on a page is the same
household the town figure counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.utils import get_history_model_for_model

from households import formats, rules
from households.choices import (
    POOR_STATUSES,
    SchoolStatus,
)
from households.models import (
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    VillagePopulation,
    # The as-of definitions are the models' (each with its twin on the model).
    member_present_q,
    period_covers_q,
    poor_q,  # noqa: F401
    registered_q,
    status_in_q,  # noqa: F401
)

# The request's parameters, checked and clamped, are households.params'.
from households.params import as_of_from, default_as_of  # noqa: F401

# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    households: int = 0
    persons: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.households + other.households, self.persons + other.persons)


def status_tallies(*, on: date, village_ids=None) -> dict[tuple[int, str], Tally]:
    """Households and persons per (village id, status) on ``on``, in one query.

    Persons are the members present on ``on``; a household with a deceased
    member not yet removed still counts that member (the registry does too,
    until the next dynamic adjustment).
    """
    periods = HouseholdStatusPeriod.objects.filter(period_covers_q(on))
    if village_ids is not None:
        periods = periods.filter(household__village_id__in=village_ids)
    rows = periods.values("household__village_id", "status").annotate(
        households=Count("household_id", distinct=True),
        persons=Count(
            "household__members",
            filter=member_present_q(on, prefix="household__members__"),
        ),
    )
    return {
        (row["household__village_id"], row["status"]): Tally(row["households"], row["persons"])
        for row in rows
    }


def town_status_tallies(*, on: date, village_ids=None) -> dict[str, Tally]:
    """Households and persons per status on ``on``, summed over villages."""
    return sum_over_villages(status_tallies(on=on, village_ids=village_ids))


def sum_over_villages(tallies: dict[tuple[int, str], Tally]) -> dict[str, Tally]:
    """Per-status totals of :func:`status_tallies`' per-(village, status) figures."""
    totals: dict[str, Tally] = defaultdict(Tally)
    for (_village, status), tally in tallies.items():
        totals[status] = totals[status] + tally
    return dict(totals)


def sum_tallies(tallies: dict[str, Tally], statuses) -> Tally:
    return sum((tallies.get(status, Tally()) for status in statuses), Tally())


def population_for_year(*, year: int, village_ids=None) -> dict[int, VillagePopulation]:
    """Each village's population row for ``year`` (the latest year ≤ ``year``)."""
    return population_for_years(years=[year], village_ids=village_ids)[year]


def population_for_years(*, years, village_ids=None) -> dict[int, dict[int, VillagePopulation]]:
    """``population_for_year`` of each of ``years``, in one query."""
    years = sorted(set(years))
    latest: dict[int, dict[int, VillagePopulation]] = {year: {} for year in years}
    if not years:
        return latest
    rows = VillagePopulation.objects.filter(year__lte=years[-1]).order_by("village_id", "-year")
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    for row in rows:
        for year in years:
            if row.year <= year:
                latest[year].setdefault(row.village_id, row)
    return latest


@dataclass(frozen=True)
class Incidence:
    poor_persons: int
    population: int

    @property
    def percent(self) -> Decimal | None:
        return rules.poverty_incidence(self.poor_persons, self.population)

    @property
    def display(self) -> str:
        return rules.format_percent(self.percent)


def town_incidence(*, on: date, village_ids=None) -> Incidence:
    """Poor persons not yet lifted ÷ registered rural population, on ``on``."""
    return incidence_of(
        town_status_tallies(on=on, village_ids=village_ids),
        population_for_year(year=on.year, village_ids=village_ids),
    )


def incidence_of(
    tallies: dict[str, Tally], population: dict[int, VillagePopulation] | int | None
) -> Incidence:
    """The incidence of per-status totals: the persons of the poor statuses over
    the registered rural population, given as the villages' population rows
    (``{village id: VillagePopulation}``, summed) or as a number of persons
    (``None``: no population row, counted as 0). The one way an
    :class:`Incidence` is made."""
    if isinstance(population, dict):
        registered = sum(row.registered_persons for row in population.values())
    else:
        registered = population or 0
    return Incidence(sum_tallies(tallies, POOR_STATUSES).persons, registered)


def _in_villages(queryset, village_ids, field: str = "household__village_id"):
    return queryset if village_ids is None else queryset.filter(**{f"{field}__in": village_ids})


def dibao_members(*, on: date, village_ids=None):
    """Members of registered households on 低保 on ``on``: the one definition
    behind the town's and each village's 低保 figures."""
    members = Member.objects.filter(
        member_present_q(on),
        on_dibao=True,
        household__in=Household.objects.filter(registered_q(on)),
    )
    return _in_villages(members, village_ids)


def dibao_tally(*, on: date, village_ids=None) -> Tally:
    """Members of registered households on 低保, and their households, on ``on``."""
    members = dibao_members(on=on, village_ids=village_ids)
    row = members.aggregate(persons=Count("id"), households=Count("household_id", distinct=True))
    return Tally(row["households"], row["persons"])


def dibao_tallies_by_village(*, on: date, village_ids=None) -> dict[int, Tally]:
    """``dibao_tally`` per village id, in one query (villages without 低保 are absent)."""
    rows = (
        dibao_members(on=on, village_ids=village_ids)
        .order_by()
        .values("household__village_id")
        .annotate(persons=Count("id"), households=Count("household_id", distinct=True))
    )
    return {row["household__village_id"]: Tally(row["households"], row["persons"]) for row in rows}


def tekun_persons(*, on: date, village_ids=None) -> int:
    """Members of registered households supported as 特困供养 (五保) on ``on``."""
    members = Member.objects.filter(
        member_present_q(on),
        on_tekun=True,
        household__in=Household.objects.filter(registered_q(on)),
    )
    return _in_villages(members, village_ids).count()


def students_by_level(*, on: date, village_ids=None) -> dict[str, int]:
    """Students in school, by level, of households enjoying the policies on ``on``."""
    members = Member.objects.enjoying_policy_on(on).filter(school_status=SchoolStatus.IN_SCHOOL)
    rows = (
        _in_villages(members, village_ids)
        .order_by()
        .values("education_level")
        .annotate(n=Count("id"))
    )
    return {row["education_level"]: row["n"] for row in rows}


def household_size_on(household: Household, on: date) -> int:
    return household.members.present_on(on).count()


def status_on(household: Household, on: date) -> str | None:
    return household.status_periods.covering(on).values_list("status", flat=True).first()


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


def members_present_count(on: date):
    """A subquery expression: the number of the household's members present on ``on``."""
    members = (
        Member.objects.filter(member_present_q(on), household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


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
