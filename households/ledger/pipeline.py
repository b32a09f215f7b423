"""Planning a ledger import: what the file would change, and everything wrong
with it, before anything is written (pretix's resolve → clean → assign).

:func:`ledger_plan` reads the registry and writes nothing. It takes the rows
the reader cleaned (:class:`~households.ledger.types.ParsedLedger`), groups
them into households, resolves villages, groups and existing records in a
few ``__in`` queries, validates every row and builds unsaved model instances
for what would be created or changed. The services write the plan in one
transaction, and only if it has no error.

Decisions (what a ledger cell means):

* **Households.** Rows group the ways village sheets do: a row with a 户编号
  starts (or continues) that household; else a 序号 that numbers households
  (blank on member rows) starts one; else a 户主 row starts one and the member
  rows under it belong to it; a member row whose 户主姓名 names another head
  belongs to that head's household. Ambiguity (a member row before any head,
  two heads in one household, a 户主姓名 matching two heads) is an error on
  that row's cell, never a guess. Rows repeating household columns are the
  same household as long as the values agree; a different value is an error
  on the later cell.
* **Matching.** A household is the registry's household of its 户编号 when the
  column is there; otherwise the household of its head's ID number, or of the
  members' ID numbers when all registered ones are in one household; else it
  is new, with a provisional number (``TZ…``, derived from the head's ID
  number) until the registry's number is entered. The file's ID numbers are
  looked up in one query per 100,000 (never a query per row).
* **Masked ID numbers** (``150927********0476``, as our exports write them)
  are the registered member of that household with those visible characters
  and that name, if exactly one; anything else masked is an error.
* **Scope.** The village is the one chosen on upload; a 行政村 column, when
  present, must agree with it (without a choice, villages are looked up by
  name in the uploader's town, exactly, after trimming spaces: no fuzzy
  matching). A title naming another village is a warning. A village outside the
  uploader's villages is an error; an existing household of another village,
  or one the uploader may not see, is an error that names nothing.
  Households are never moved between villages by an import.
* **Groups** are looked up by name in the village, else by number (一组, 1组,
  第一组 and 一社 are group 1, see :mod:`households.ledger.variants`). An unknown group is an
  error listing the village's groups: an import never creates groups (a typo
  would silently create "3组 " next to "3组").
* **Empty cells.** A column missing from the file leaves the field alone. An
  empty cell clears a field that may be blank (电话, 低保类别, 所患疾病…); a
  field that may not be blank is kept as it is on an existing record, takes
  the model default on a new one (贫困户属性 一般贫困户, 健康状况 健康…), or is an
  error on a new record when there is no default (主要致贫原因, 识别年度). An
  empty income cell is 0 yuan (the ledger adds it up as 0).
* **New households** get their first status period from the ledger's
  贫困状态 (已脱贫 or 稳定脱贫 only if the lifting check the status service
  applies passes; it needs assessed guarantees, so an import cannot mark a
  new household lifted), starting on the earliest 入户日期 of its members in the
  识别年度, else on 1 January of the 识别年度 (the ledger gives no better
  date). A member of a new household without 入户日期 joins on that date
  (reason 识别建档); one born later must have an 入户日期.
* **Existing households** keep their status: a different 贫困状态 in the
  ledger is an error (a status change needs a date, a reason and the
  lifting check: it is done in the system). A member added to an existing
  household needs an 入户日期; the reason is 出生 when it is the birth
  date, else 其他.
* **Members missing from the file** stay as they are: they are listed as
  "文件中没有" in the preview, not removed (a removal needs a date and a
  reason).
* **Check columns** (户主姓名, 家庭人口, 人均纯收入) are compared, never written:
  a 家庭人口 or 人均纯收入 that disagrees with the members and the income
  components is a *warning* on its cell, and the computed figure stands.
  Only where the file has no income components does 人均纯收入 become the
  household's income figure (``HouseholdIncome.declared_per_capita``); the
  preview says which. The income year is the 收入年度 column, else a year in
  the title ("2019年").
* **Invalid cells** are errors and nothing else: an unreadable amount is never
  also a change to 0.00, a row with a bad ID number is not also a member
  "missing from the file".

Each entity's steps are a module of :mod:`households.ledger.plan`, which
:class:`_Planner` composes; the error messages are constants in
:mod:`households.ledger.plan.messages` (Chinese, through gettext), tests reuse them.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from households import scope
from households.choices import Relation
from households.ledger.clean import MaskedIdNumber
from households.ledger.plan.common import (
    MAX_PREVIEW_CHANGES,
    MAX_PREVIEW_ERRORS,
    _Group,
    _text,
    among,
    chunked,
    field_label,
)
from households.ledger.plan.households import HouseholdSteps
from households.ledger.plan.incomes import IncomeSteps
from households.ledger.plan.members import MemberSteps
from households.ledger.plan.messages import (
    ERROR_MASKED_ID,
    ERROR_MATCH_SEVERAL,
    NOTE_INCOME_COMPUTED,
    NOTE_INCOME_DECLARED,
    NOTE_INCOME_YEAR_TITLE,
    NOTE_PROVISIONAL,
    WARNING_TITLE_VILLAGE,
)
from households.ledger.plan.rows import RowSteps
from households.ledger.plan.statuses import StatusSteps
from households.ledger.types import CellError, LedgerRow, ParsedLedger
from households.ledger.variants import group_number
from households.models import (
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    Village,
    VillagerGroup,
)
from households.selectors import period_covers_q

# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import would write, and what is wrong with the file."""

    on: date
    sheet_name: str = ""
    first_column: str = "A"  # letter of the first data column (row-level errors)
    errors: list[CellError] = field(default_factory=list)
    # Problems that do not stop the import (a check column that disagrees…).
    warnings: list[CellError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the preview says it did
    counts: dict = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # at most MAX_PREVIEW_CHANGES
    changes_total: int = 0
    absent: list[dict] = field(default_factory=list)  # at most MAX_PREVIEW_ABSENT
    absent_total: int = 0
    numbers: list[str] = field(default_factory=list)  # household numbers of the file
    households_new: list[Household] = field(default_factory=list)
    households_changed: list[Household] = field(default_factory=list)
    household_fields: set[str] = field(default_factory=set)
    # Existing households with any write (their fields, members or income):
    # their version is bumped so a concurrent editor is told on save.
    households_touched: list[Household] = field(default_factory=list)
    periods_new: list[HouseholdStatusPeriod] = field(default_factory=list)
    members_new: list[Member] = field(default_factory=list)
    members_changed: list[Member] = field(default_factory=list)
    member_fields: set[str] = field(default_factory=set)
    incomes_new: list[HouseholdIncome] = field(default_factory=list)
    incomes_changed: list[HouseholdIncome] = field(default_factory=list)
    income_fields: set[str] = field(default_factory=set)
    unknown_columns: list[str] = field(default_factory=list)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    _hash: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def has_writes(self) -> bool:
        return bool(
            self.households_new
            or self.households_changed
            or self.households_touched
            or self.members_new
            or self.members_changed
            or self.incomes_new
            or self.incomes_changed
        )

    def trace(self, *item) -> None:
        """Fold one planned write (with the values it replaces) into the fingerprint."""
        self._hash.update(repr(item).encode())
        self._hash.update(b"\n")

    def fingerprint(self) -> str:
        """SHA-256 of the planned writes, the values they replace, the members
        missing from the file and the errors: equal for two plans exactly when
        confirming one would write what the other previewed."""
        final = self._hash.copy()
        for error in self.errors:
            final.update(repr(("E", error.row, error.column, error.message)).encode())
        return final.hexdigest()

    def preview(self) -> dict:
        """The JSON stored on the import record (ID numbers already masked)."""
        return {
            "sheet": self.sheet_name,
            "first_column": self.first_column,
            "errors": [_cell(e) for e in self.errors[:MAX_PREVIEW_ERRORS]],
            "errors_total": len(self.errors),
            "error_groups": problem_groups(self.errors),
            "warnings": [_cell(e) for e in self.warnings[:MAX_PREVIEW_ERRORS]],
            "warnings_total": len(self.warnings),
            "warning_groups": problem_groups(self.warnings),
            "notes": list(self.notes),
            "changes": self.changes,
            "changes_total": self.changes_total,
            "absent": self.absent,
            "absent_total": self.absent_total,
            "unknown_columns": list(self.unknown_columns),
            "skipped_rows": [[line, str(why)] for line, why in self.skipped_rows[:200]],
        }


def _cell(e: CellError) -> dict:
    return {
        "row": e.row,
        "column": e.column,
        "key": e.key,
        "title": e.title,
        "message": str(e.message),
    }


_VARYING = re.compile(r"“[^”]*”|[0-9][0-9.,*X]*")
#: Rows shown per kind of problem on the preview (all are in the error workbook).
GROUP_ROWS_SHOWN = 5


def problem_kind(error: CellError) -> str:
    """What two problems of the same kind share: the column and the message
    without the values in it ("第12行", "“张三”", amounts)."""
    return f"{error.title}|{_VARYING.sub('…', str(error.message))}"


def problem_groups(problems: list[CellError]) -> list[dict]:
    """Problems by kind, most frequent first: count, column, a sample message
    and the first rows (row, column) of the kind."""
    groups: dict[str, dict] = {}
    for e in problems:
        kind = problem_kind(e)
        group = groups.get(kind)
        if group is None:
            group = groups[kind] = {
                "title": e.title,
                "message": str(e.message),
                "count": 0,
                "cells": [],
            }
        group["count"] += 1
        if len(group["cells"]) < GROUP_ROWS_SHOWN:
            group["cells"].append([e.row, e.column])
    return sorted(groups.values(), key=lambda g: (-g["count"], g["cells"][0]))


def _column_order(letter: str) -> int:
    index = 0
    for char in letter:
        index = index * 26 + ord(char) - 64
    return index


def in_row_order(problems: list[CellError]) -> list[CellError]:
    """By row, then column (a whole-row problem sits on the row's first cell)."""
    return sorted(problems, key=lambda e: (e.row, _column_order(e.column or "A")))


class _Planner(RowSteps, HouseholdSteps, MemberSteps, IncomeSteps, StatusSteps):
    """Loads what the file's rows name from the registry, keeps the errors and
    runs the steps; the steps of each entity are its mixin's
    (:mod:`households.ledger.plan`)."""

    def __init__(self, parsed: ParsedLedger, user, on: date, progress, village=None):
        self.parsed = parsed
        self.user = user
        self.on = on
        self.progress = progress
        self.village = village  # chosen on upload; None: the file's 行政村 column
        self.columns = parsed.columns
        first = min(parsed.columns.values(), key=lambda c: c.index, default=None)
        self.plan = ImportPlan(
            on=on,
            sheet_name=parsed.sheet_name,
            first_column=first.letter if first else "A",
            unknown_columns=list(parsed.unknown_columns),
            skipped_rows=list(parsed.skipped_rows),
        )
        self.errors = self.plan.errors
        self.warnings = self.plan.warnings
        self.warnings.extend(parsed.header_warnings)
        self.income_basis = {"components": 0, "declared": 0}
        self.provisional = 0
        self.title_year = _title_year(parsed.title)
        self.error_keys: set[tuple[int, str]] = set()  # (line, key) with an error
        self.error_lines: set[int] = set()
        self.member_error_lines: set[int] = set()
        self.counts = {
            "rows": len(parsed.rows),
            "skipped": len(parsed.skipped_rows),
            "households": {"new": 0, "changed": 0, "unchanged": 0, "error": 0},
            "members": {"new": 0, "changed": 0, "unchanged": 0, "left": 0, "error": 0},
            "incomes": {"new": 0, "changed": 0, "unchanged": 0},
        }

    # -- errors ---------------------------------------------------------------

    def error(self, line: int, key: str, message, *, member: bool = False) -> None:
        """An error on the cell of ``key`` in row ``line`` (the row if the column is absent)."""
        column = self.columns.get(key) if key else None
        self.error_keys.add((line, key if column is not None else ""))
        if column is None:
            self.errors.append(CellError(line, self.plan.first_column, "", "", str(message)))
        else:
            self.errors.append(CellError(line, column.letter, key, column.title, str(message)))
        self.error_lines.add(line)
        if member:
            self.member_error_lines.add(line)

    def warning(self, line: int, key: str, message) -> None:
        """A warning on the cell of ``key`` in row ``line``: shown, never blocking."""
        column = self.columns.get(key) if key else None
        if column is None:
            self.warnings.append(CellError(line, self.plan.first_column, "", "", str(message)))
        else:
            self.warnings.append(CellError(line, column.letter, key, column.title, str(message)))

    def row_error(self, row: LedgerRow, key: str, message) -> None:
        """An error found by the planner on a member row, kept with the row too."""
        self.error(row.line, key, message, member=True)
        row.errors.append(self.errors[-1])

    def model_errors(self, exc: ValidationError, line: int, model, *, member: bool) -> None:
        """Map a model's ValidationError back to the cells of row ``line``.

        A cell already reported (by the reader or a check above) is not
        reported twice; an error on a field whose column is not in the file
        goes on the row, with the field's name.
        """
        for name, messages in exc.message_dict.items():
            key = "id_number" if name in ("sex", "birth_date") else name
            if (line, key) in self.error_keys:
                continue
            if key != NON_FIELD_ERRORS and key not in self.columns:
                if (line, "") in self.error_keys:
                    continue  # e.g. "新增户须填写…,文件中没有这一列"
                label = field_label(model, name)
                messages = [f"{label}:{message}" for message in messages]
                key = ""
            elif key == NON_FIELD_ERRORS:
                key = ""
            for message in messages:
                self.error(line, key, message, member=member)

    def change(self, number, member, action, label="", old="", new="") -> None:
        self.plan.changes_total += 1
        if len(self.plan.changes) < MAX_PREVIEW_CHANGES:
            self.plan.changes.append(
                {
                    "number": number,
                    "member": member,
                    "action": action,
                    "field": label,
                    "old": old,
                    "new": new,
                }
            )

    # -- steps ----------------------------------------------------------------

    def run(self) -> ImportPlan:
        groups = self.group_rows()
        self.report(10)
        self.load_scope()
        self.load_households(groups)
        self.resolve_masked(groups)
        self.check_duplicate_ids(groups)
        self.load(groups)
        self.check_title()
        self.report(30)
        total = len(groups) or 1
        for i, group in enumerate(groups, start=1):
            self.plan_household(group)
            if i % 2000 == 0:
                self.report(30 + 70 * i // total)
        self.plan.errors[:] = in_row_order(self.errors)
        self.plan.warnings[:] = in_row_order(self.warnings)
        self.write_notes()
        self.counts["errors"] = len(self.errors)
        self.counts["warnings"] = len(self.warnings)
        self.counts["income_basis"] = dict(self.income_basis)
        self.counts["absent"] = self.plan.absent_total
        self.plan.counts = self.counts
        self.plan.numbers = [g.number for g in groups if g.number]
        self.report(100)
        return self.plan

    def report(self, percent: int) -> None:
        if self.progress is not None:
            self.progress(percent)

    def load_scope(self) -> None:
        user = self.user
        own = list(scope.own_villages(user))
        self.allowed_village_ids = {v.pk for v in own}
        towns = {v.town_id for v in own}
        villages = Village.objects.filter(town_id__in=towns).select_related("town__county")
        self.villages_by_name: dict[str, list[Village]] = defaultdict(list)
        # Each village's province: its households' poverty line is the province's.
        self.province_of_village: dict[int, str] = {}
        for village in villages:
            self.villages_by_name[village.name].append(village)
            self.province_of_village[village.pk] = village.town.county.province
        self.own_village_names = "、".join(sorted(v.name for v in own)) or "无"

    def load_households(self, groups: list[_Group]) -> None:
        """The registry's households of the file: by 户编号, else by the ID
        numbers of their members (head first), and everything the checks need
        of them, in a few queries per 100,000 keys."""
        self.registered: dict[str, int] = {}
        ids = {
            r.values["id_number"]
            for g in groups
            for r in g.rows
            if r.values.get("id_number") and not isinstance(r.values["id_number"], MaskedIdNumber)
        }
        # Active registrations of the file's ID numbers, wherever they are.
        for chunk in chunked(sorted(ids)):
            self.registered.update(
                Member.objects.filter(among("id_number", chunk), left_on__isnull=True).values_list(
                    "id_number", "household_id"
                )
            )
        numbers = [g.number for g in groups if g.number]
        self.households: dict[str, Household] = {}
        related = ("village", "group", "natural_village")
        for chunk in chunked(numbers):
            queryset = Household.objects.filter(among("number", chunk)).select_related(*related)
            for household in queryset:
                self.households[household.number] = household
        # Without a 户编号: the household of the head's ID number, else of the
        # members' (all registered ones in one household).
        wanted: dict[int, list[_Group]] = defaultdict(list)
        for group in groups:
            if group.number or group.broken:
                continue
            rows = sorted(group.rows, key=lambda r: r.values.get("relation") != Relation.HEAD)
            found = [
                self.registered[r.values["id_number"]]
                for r in rows
                if r.values.get("id_number") in self.registered
            ]
            if not found:
                continue
            head = rows[0]
            if (
                head.values.get("relation") == Relation.HEAD
                and (head.values.get("id_number") in self.registered)
            ) or len(set(found)) == 1:
                wanted[found[0]].append(group)
            else:
                self.error(group.line, "id_number", ERROR_MATCH_SEVERAL)
                group.error = True
        for chunk in chunked(list(wanted)):
            for household in Household.objects.filter(among("pk", chunk)).select_related(*related):
                for group in wanted[household.pk]:
                    group.number = household.number
                self.households[household.number] = household
        household_ids = [h.pk for h in self.households.values()]
        self.members: dict[int, list[Member]] = defaultdict(list)
        self.status: dict[int, str] = {}
        for chunk in chunked(household_ids):
            for member in Member.objects.filter(among("household_id", chunk)).order_by("pk"):
                self.members[member.household_id].append(member)
            periods = HouseholdStatusPeriod.objects.filter(
                period_covers_q(self.on), among("household_id", chunk)
            ).values_list("household_id", "status")
            self.status.update(periods)

    def resolve_masked(self, groups: list[_Group]) -> None:
        """A masked ID number is the one registered member of the household with
        those visible characters and that name; else it is an error."""
        self.unmatched_masks: dict[int, MaskedIdNumber] = {}
        for group in groups:
            existing = self.households.get(group.number) if group.number else None
            mine = self.members.get(existing.pk, []) if existing is not None else []
            for row in group.rows:
                masked = row.values.get("id_number")
                if not isinstance(masked, MaskedIdNumber):
                    continue
                name = _text(row.values.get("name"))
                found = [
                    m
                    for m in mine
                    if (m.left_on is None or m.left_on > self.on)
                    and m.name == name
                    and masked.matches(m.id_number)
                ]
                if len(found) == 1:
                    row.values["id_number"] = found[0].id_number
                else:
                    row.values["id_number"] = None
                    self.unmatched_masks[row.line] = masked
                    self.row_error(row, "id_number", ERROR_MASKED_ID)
                    group.error = True

    def load(self, groups: list[_Group]) -> None:
        """Incomes, groups and the poverty line, in a few queries."""
        years = {g.values.get("income_year") or self.title_year for g in groups} - {None}
        self.incomes: dict[tuple[int, int], HouseholdIncome] = {}
        household_ids = [h.pk for h in self.households.values()]
        if years:
            for chunk in chunked(household_ids):
                for income in HouseholdIncome.objects.filter(
                    among("household_id", chunk), year__in=sorted(years)
                ):
                    self.incomes[(income.household_id, income.year)] = income
        # The poverty line of the year, per province (the villages' provinces).
        self.poverty_lines: dict[str, Decimal] = dict(
            PolicyYear.objects.filter(
                year=self.on.year, province_name__in=set(self.province_of_village.values())
            ).values_list("province_name", "poverty_line")
        )

        names = {g.values.get("village") for g in groups}
        wanted = {v.pk for name in names if name for v in self.villages_by_name.get(name, ())}
        wanted |= {h.village_id for h in self.households.values()}
        if self.village is not None:
            wanted.add(self.village.pk)
        self.groups: dict[tuple[int, str], VillagerGroup] = {}
        self.group_numbers: dict[tuple[int, int], list[VillagerGroup]] = defaultdict(list)
        self.group_names: dict[int, list[str]] = defaultdict(list)
        for group in VillagerGroup.objects.filter(village_id__in=wanted).order_by(
            "village", "number", "name"
        ):
            self.groups[(group.village_id, group.name)] = group
            self.group_names[group.village_id].append(group.name)
            number = group_number(group.name) or group.number
            if number:
                self.group_numbers[(group.village_id, number)].append(group)

    def poverty_line_of(self, village_id: int | None) -> Decimal | None:
        """The poverty line of the year of a village's province (``None``: not set)."""
        return self.poverty_lines.get(self.province_of_village.get(village_id))

    def check_title(self) -> None:
        """A title naming a village other than the chosen one is a warning."""
        title = self.parsed.title
        if not title or self.village is None or self.village.name in title:
            return
        named = sorted(name for name in self.villages_by_name if name and name in title)
        if named:
            self.warning(
                1,
                "",
                WARNING_TITLE_VILLAGE.format(
                    title=title[:40], named="、".join(named), village=self.village.name
                ),
            )

    def write_notes(self) -> None:
        basis = self.income_basis
        if basis["components"]:
            self.plan.notes.append(str(NOTE_INCOME_COMPUTED.format(count=basis["components"])))
        if basis["declared"]:
            self.plan.notes.append(str(NOTE_INCOME_DECLARED.format(count=basis["declared"])))
        if self.title_year and "income_year" not in self.columns and any(basis.values()):
            self.plan.notes.append(str(NOTE_INCOME_YEAR_TITLE.format(year=self.title_year)))
        if self.provisional:
            self.plan.notes.append(str(NOTE_PROVISIONAL.format(count=self.provisional)))

    # -- one household ---------------------------------------------------------

    def village_allowed(self, village_id: int) -> bool:
        # The user's own villages: every village of their towns for a town-
        # or county-wide role (``scope.own_villages``), never another town's.
        return village_id in self.allowed_village_ids


def _title_year(title: str) -> int | None:
    """A year named in the title ("2019年度…花名册"), if exactly one."""
    years = {int(y) for y in re.findall(r"(20[0-9]{2})\s*年", title or "")}
    return years.pop() if len(years) == 1 else None


def ledger_plan(
    *,
    parsed: ParsedLedger,
    user,
    on: date,
    progress: Callable[[int], None] | None = None,
    village: Village | None = None,
) -> ImportPlan:
    """Plan the import of ``parsed`` by ``user`` as of ``on``; writes nothing.

    ``user`` is the uploader: their villages bound what the file may touch.
    ``village``: the village chosen on upload (the file's 行政村 column, if
    any, must agree). ``progress`` (optional) is called with a percentage as
    the plan advances.
    """
    return _Planner(parsed, user, on, progress, village).run()
