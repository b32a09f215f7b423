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

Error messages are constants here (Chinese, through gettext); tests reuse them.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from households import rules, scope
from households.choices import (
    LIFTED_STATUSES,
    REGISTERED_STATUSES,
    HousingAlternative,
    JoinReason,
    PovertyStatus,
    Relation,
    Sex,
)
from households.ledger.clean import MaskedIdNumber
from households.ledger.columns import BY_KEY, HOUSEHOLD_COLUMNS
from households.ledger.types import CellError, LedgerRow, ParsedLedger
from households.ledger.variants import group_number
from households.models import (
    INCOME_MONEY_FIELDS,
    MEMBER_ATTRIBUTE_FIELDS,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    PolicyYear,
    Village,
    VillagerGroup,
)
from households.selectors import period_covers_q

#: Parameters per ``__in`` query (SQLite allows 32,766 since 3.32).
CHUNK = 10_000
#: Stored in the preview at most (the counts are always complete).
MAX_PREVIEW_ERRORS = 5_000
MAX_PREVIEW_CHANGES = 2_000
MAX_PREVIEW_ABSENT = 2_000

ERROR_NO_HOUSEHOLD = _("成员没有所属户:本行及上方各行都没有填写户编号")
ERROR_NO_HEAD_ABOVE = _("成员行之前没有户主行,无法确定所属户:请把户主行放在本户成员之前")
ERROR_HEAD_NAME_AMBIGUOUS = _(
    "户主姓名“{name}”对应多个户主(第{rows}行),无法确定本行属于哪一户,请核对"
)
ERROR_HEAD_NAME_UNKNOWN = _("户主姓名“{name}”在本行之前没有对应的户主行,无法确定所属户")
ERROR_VILLAGE_DISAGREES = _("与上传时选择的行政村“{village}”不一致")
ERROR_MATCH_SEVERAL = _(
    "本户成员的身份证号在系统中分属不同的户,无法确定是哪一户;请核对,迁户请在系统中办理"
)
ERROR_MASKED_ID = _("文件中的身份证号已脱敏,请导出含完整身份证号的台账,或只修改其他列")
ERROR_STATUS_LIFTED_CHECK = _("“{status}”须通过脱贫标准检查,本户不符合:{failures}")
WARNING_TITLE_VILLAGE = _(
    "标题“{title}”写的是{named},与上传时选择的{village}不同,请确认文件是否选对"
)
NOTE_INCOME_COMPUTED = _(
    "{count}户的人均纯收入按文件中的各项收入计算(文件中的“人均纯收入”列只作核对)"
)
NOTE_INCOME_DECLARED = _("{count}户文件中没有收入分项,“人均纯收入”列作为该户的收入数据(未分项)")
NOTE_INCOME_YEAR_TITLE = _("收入年度取自标题:{year}年")
NOTE_PROVISIONAL = _(
    "{count}个新户在系统中没有户编号,暂用临时户编号(TZ开头),录入全国系统户编号后请修改"
)
ERROR_CONFLICT = _("与本户第{row}行填写的“{value}”不一致")
ERROR_VILLAGE_UNKNOWN = _("本镇没有名为“{name}”的行政村(您可导入的村:{villages})")
ERROR_VILLAGE_SCOPE = _("该村不在您的管辖范围内")
ERROR_VILLAGE_AMBIGUOUS = _("有多个名为“{name}”的行政村,请联系镇扶贫办")
ERROR_NUMBER_NOT_YOURS = _("该户编号已在系统中登记,不能由您导入,请核对户编号")
ERROR_NUMBER_OTHER_VILLAGE = _("该户在系统中属于{village},与台账不一致;迁户请在系统中办理")
ERROR_GROUP_UNKNOWN = _("{village}没有“{name}”村民小组,现有小组:{groups}")
ERROR_REQUIRED = _("此项不能为空")
ERROR_REQUIRED_COLUMN = _("新增{what}须填写“{title}”,文件中没有这一列")
ERROR_ID_DUPLICATE = _("身份证号与第{row}行重复")
ERROR_ID_REGISTERED = _("该身份证号已在其他户登记")
ERROR_ID_LEFT = _("该成员已于{date}从本户减员;重新入户请在系统中办理")
ERROR_NO_HEAD = _("本户没有户主:须有一名成员的“与户主关系”为“户主”")
ERROR_TWO_HEADS = _("本户有多名户主(第{row}行已是户主)")
ERROR_HEAD_NAME = _("户主姓名填写为“{given}”,但户主成员的姓名是“{actual}”")
ERROR_SIZE = _("家庭人口填写为{given}人,但本户有{actual}行成员;按{actual}人计")
ERROR_PER_CAPITA = _(
    "人均纯收入填写为{given}元,按各项收入计算应为{computed}元(纯收入{net}元÷{size}人);按计算值保存"
)
ERROR_INCOME_YEAR = _("填写了收入,请填写收入年度")
ERROR_STATUS_CHANGE = _("贫困状态变更请在系统中办理(需填写日期和原因,并检查脱贫标准)")
ERROR_STATUS_REQUIRED = _("新户须填写贫困状态")
ERROR_STATUS_NOT_REGISTERED = _("新户的贫困状态不能是“{status}”")
ERROR_JOINED_ON_REQUIRED = _("新增成员须填写入户日期")
ERROR_JOINED_AFTER_START = _("该成员出生于{birth},晚于本户识别建档的{start},请填写入户日期")

NEW_HOUSEHOLD_REASON = "台账导入:新识别建档"
ABSENT_NOTE = _("文件中没有")

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


# --------------------------------------------------------------------------
# Grouping rows into households
# --------------------------------------------------------------------------


@dataclass
class _Group:
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


class _Planner:
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

    def serial_numbers_households(self) -> bool:
        """Whether the 序号 column numbers households (blank on member rows, or
        repeated on them), not every row."""
        if "serial" not in self.columns:
            return False
        previous = ...
        for row in self.parsed.rows:
            serial = _text(row.values.get("serial"))
            if serial is None:
                return True
            if serial is not None and serial == previous:
                return True
            previous = serial
        return False

    def group_rows(self) -> list[_Group]:
        keys = [c.key for c in HOUSEHOLD_COLUMNS if c.key in self.columns and c.key != "number"]
        use_serial = self.serial_numbers_households()
        # What starts a household: its 户编号 when the file fills them, else a
        # 序号 numbering households, else its 户主 row.
        numbered = "number" in self.columns and any(
            _text(row.values.get("number")) for row in self.parsed.rows
        )
        key_column = "number" if numbered else "serial" if use_serial else ""
        # Heads by name, for member rows naming their head (户主姓名 on every row).
        head_lines: dict[str, list[int]] = defaultdict(list)
        for row in self.parsed.rows:
            if row.values.get("relation") == Relation.HEAD and _text(row.values.get("name")):
                head_lines[_text(row.values["name"])].append(row.line)
        groups: list[_Group] = []
        by_number: dict[str, _Group] = {}
        by_head: dict[str, _Group] = {}
        current: _Group | None = None
        for row in self.parsed.rows:
            bad = {e.key for e in row.errors}
            if row.errors:
                self.errors.extend(row.errors)
                self.error_lines.add(row.line)
                self.error_keys.update((row.line, e.key) for e in row.errors)
                if bad - {c.key for c in HOUSEHOLD_COLUMNS}:
                    self.member_error_lines.add(row.line)
            values = row.values
            number = _text(values.get("number"))
            serial = _text(values.get("serial")) if use_serial else None
            is_head = values.get("relation") == Relation.HEAD
            head_name = _text(values.get("head_name"))
            if number is None and "number" in bad:
                # Unreadable number: the row (and rows under it) are in error already.
                current = _Group(number=None, line=row.line, broken=True, error=True)
                groups.append(current)
            elif number is not None:
                current = by_number.get(number)
                if current is None:
                    current = by_number[number] = _Group(number=number, line=row.line)
                    groups.append(current)
            elif serial is not None:
                if current is None or current.serial != serial:
                    current = _Group(number=None, line=row.line, serial=serial)
                    groups.append(current)
            elif is_head and not key_column:
                current = _Group(number=None, line=row.line)
                groups.append(current)
            elif (
                head_name is not None
                and not is_head
                and (
                    current is None
                    or current.head_name != head_name
                    or len(head_lines.get(head_name, [])) > 1
                )
            ):
                # A member row naming a head other than the current household's.
                lines = head_lines.get(head_name, [])
                target = by_head.get(head_name)
                if len(lines) > 1:
                    shown = "、".join(map(str, lines))
                    message = ERROR_HEAD_NAME_AMBIGUOUS.format(name=head_name, rows=shown)
                elif target is None:
                    message = ERROR_HEAD_NAME_UNKNOWN.format(name=head_name)
                else:
                    message = None
                if message is not None:
                    self.error(row.line, "head_name", message, member=True)
                    self.counts["members"]["error"] += 1
                    continue
                current = target
            elif current is None:
                if key_column:
                    self.error(row.line, key_column, ERROR_NO_HOUSEHOLD, member=True)
                else:
                    self.error(row.line, "relation", ERROR_NO_HEAD_ABOVE, member=True)
                self.counts["members"]["error"] += 1
                continue
            current.rows.append(row)
            if is_head and current.head_name is None and _text(values.get("name")):
                current.head_name = _text(values["name"])
                if len(head_lines.get(current.head_name, [])) == 1:
                    by_head[current.head_name] = current
            if row.errors:
                current.error = True
            filled = [k for k in keys if values.get(k) is not None and k not in bad]
            for key in filled:
                value = values[key]
                if value == "" or value == []:
                    continue
                if key not in current.values:
                    current.values[key] = value
                    current.source[key] = row.line
                elif current.values[key] != value:
                    first = current.values[key]
                    shown = "、".join(map(str, first)) if isinstance(first, list) else first
                    self.error(
                        row.line,
                        key,
                        ERROR_CONFLICT.format(row=current.source[key], value=shown),
                    )
                    current.error = True
        return groups

    def check_duplicate_ids(self, groups: list[_Group]) -> None:
        first_line: dict[str, int] = {}
        self.duplicates: set[int] = set()
        for group in groups:
            for row in group.rows:
                number = row.values.get("id_number")
                if not number or isinstance(number, MaskedIdNumber):
                    continue
                if number in first_line:
                    self.error(
                        row.line,
                        "id_number",
                        ERROR_ID_DUPLICATE.format(row=first_line[number]),
                        member=True,
                    )
                    self.duplicates.add(row.line)
                    group.error = True
                else:
                    first_line[number] = row.line
        self.file_ids = list(first_line)

    def load_scope(self) -> None:
        user = self.user
        self.all_villages = scope.sees_whole_registry(user)
        own = list(scope.own_villages(user))
        self.allowed_village_ids = {v.pk for v in own}
        towns = {v.town_id for v in own}
        villages = Village.objects.filter(town_id__in=towns)
        self.villages_by_name: dict[str, list[Village]] = defaultdict(list)
        for village in villages:
            self.villages_by_name[village.name].append(village)
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
        policy = PolicyYear.objects.filter(year=self.on.year).first()
        self.poverty_line = policy.poverty_line if policy else None

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
        return self.all_villages or village_id in self.allowed_village_ids

    def plan_household(self, group: _Group) -> None:
        if group.broken:
            self.counts["households"]["error"] += 1
            self.counts["members"]["error"] += len(group.rows)
            return
        errors_before = len(self.errors)
        line_of = group.source.get
        existing = self.households.get(group.number) if group.number else None

        if existing is not None and not self.village_allowed(existing.village_id):
            self.error(line_of("number", group.line), "number", ERROR_NUMBER_NOT_YOURS)
            self.counts["households"]["error"] += 1
            self.counts["members"]["error"] += len(group.rows)
            return

        village = self.resolve_village(group, existing)
        group_obj = self.resolve_group(group, village)
        if existing is None and group.number is None:
            group.number = self.provisional_number(group, village)

        if existing is None:
            household = self.new_household(group, village, group_obj)
        else:
            household = existing
            household_changes = self.diff_household(group, existing, group_obj)

        heads = [r for r in group.rows if r.values.get("relation") == Relation.HEAD]
        self.check_heads(group, heads)
        start = self.start_date(group) if existing is None else None

        # Where this household's planned members and income start in the plan.
        self.planned_from = (len(self.plan.members_new), len(self.plan.incomes_new))
        member_results = [
            self.plan_member(group, row, household, existing, start) for row in group.rows
        ]
        self.report_absent(group, existing)
        income_result = self.plan_income(group, household, existing)
        if existing is None:
            self.plan_status_new(group, household, start)
        else:
            self.check_status(group, existing)

        self.count_members(member_results)
        if group.error or len(self.errors) > errors_before:
            self.counts["households"]["error"] += 1
            return
        if existing is None:
            self.counts["households"]["new"] += 1
            self.plan.households_new.append(household)
            self.change(group.number, "", "new", new=f"{len(group.rows)}人")
            self.plan.trace("H+", group.number)
            return
        touched = bool(household_changes) or any(r in ("new", "changed") for r in member_results)
        touched = touched or income_result in ("new", "changed")
        if household_changes:
            self.plan.households_changed.append(household)
            self.plan.household_fields.update(name for name, _old, _new in household_changes)
            for name, old, new in household_changes:
                self.change(
                    group.number,
                    "",
                    "changed",
                    field_label(Household, name),
                    display(Household, name, old),
                    display(Household, name, new),
                )
                self.plan.trace("H", household.pk, name, display(Household, name, old), str(new))
        if touched:
            self.plan.households_touched.append(household)
            self.counts["households"]["changed"] += 1
        else:
            self.counts["households"]["unchanged"] += 1

    def resolve_village(self, group: _Group, existing: Household | None) -> Village | None:
        name = group.values.get("village")
        line = group.source.get("village", group.line)
        chosen = self.village
        if chosen is not None:
            if name is not None and str(name).strip() != chosen.name:
                self.error(line, "village", ERROR_VILLAGE_DISAGREES.format(village=chosen.name))
                return None
            if not self.village_allowed(chosen.pk):
                self.error(line, "village", ERROR_VILLAGE_SCOPE)
                return None
            if existing is not None and existing.village_id != chosen.pk:
                key = "village" if name is not None else "number"
                self.error(
                    line, key, ERROR_NUMBER_OTHER_VILLAGE.format(village=existing.village.name)
                )
                return None
            return chosen
        if name is None:
            if existing is not None:
                return existing.village
            if "village" in self.columns:
                self.error(group.line, "village", ERROR_REQUIRED)
            else:
                self.error(
                    group.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY["village"].title),
                )
            return None
        candidates = self.villages_by_name.get(str(name), [])
        if not candidates:
            self.error(
                line,
                "village",
                ERROR_VILLAGE_UNKNOWN.format(name=name, villages=self.own_village_names),
            )
            return None
        if len(candidates) > 1:
            self.error(line, "village", ERROR_VILLAGE_AMBIGUOUS.format(name=name))
            return None
        village = candidates[0]
        if not self.village_allowed(village.pk):
            self.error(line, "village", ERROR_VILLAGE_SCOPE)
            return None
        if existing is not None and existing.village_id != village.pk:
            self.error(
                line, "village", ERROR_NUMBER_OTHER_VILLAGE.format(village=existing.village.name)
            )
            return None
        return village

    def resolve_group(self, group: _Group, village: Village | None):
        """The VillagerGroup, ``None`` for an empty cell, or ``...`` when not in the file."""
        if "group" not in self.columns:
            return ...
        name = group.values.get("group")
        if name is None:
            return None
        if village is None:
            return ...
        found = self.groups.get((village.pk, str(name)))
        if found is None:
            # 一组, 1组, 第一组, 一社: the group of that number, if just one.
            number = group_number(name)
            same = self.group_numbers.get((village.pk, number), []) if number else []
            found = same[0] if len(same) == 1 else None
        if found is None:
            names = "、".join(self.group_names.get(village.pk, [])) or "无"
            self.error(
                group.source.get("group", group.line),
                "group",
                ERROR_GROUP_UNKNOWN.format(village=village.name, name=name, groups=names),
            )
            return ...
        return found

    def provisional_number(self, group: _Group, village) -> str:
        """A new household without a 户编号: ``TZ`` + village + a digest of
        its head's ID number (the same on every preview of the same file)."""
        rows = sorted(group.rows, key=lambda r: r.values.get("relation") != Relation.HEAD)
        number = next((r.values["id_number"] for r in rows if r.values.get("id_number")), "")
        if not number or village is None:
            return ""
        self.provisional += 1
        digest = hashlib.sha256(f"{village.pk}:{number}".encode()).hexdigest()[:12].upper()
        return f"TZ{village.pk}-{digest}"

    def household_value(self, group: _Group, name: str, *, new: bool):
        """(present, value) of a household field from the ledger, after the empty-cell rule."""
        if name not in self.columns:
            return False, None
        value = group.values.get(name)
        if not _is_empty(value):
            return True, value
        policy, blank = HOUSEHOLD_POLICY[name]
        if policy == CLEAR:
            return True, blank
        if policy == REQUIRED and new:
            self.error(group.line, name, ERROR_REQUIRED)
        return False, None

    def new_household(self, group: _Group, village, group_obj) -> Household:
        household = Household(number=group.number)
        if village is not None:
            household.village = village
        if group_obj is not ... and group_obj is not None:
            household.group = group_obj
        for name in HOUSEHOLD_FIELDS:
            if name == "group":
                continue
            present, value = self.household_value(group, name, new=True)
            if present:
                setattr(household, name, value)
            elif name not in self.columns and HOUSEHOLD_POLICY[name][0] == REQUIRED:
                self.error(
                    group.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY[name].title),
                )
        if village is not None:
            self.clean_household(group, household)
        return household

    def clean_household(self, group: _Group, household: Household) -> None:
        # Cells with an error on any row of the household are not reported again.
        for row in group.rows:
            for e in row.errors:
                self.error_keys.add((group.line, e.key))
        try:
            household.full_clean(
                exclude=HOUSEHOLD_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self.model_errors(exc, group.line, Household, member=False)

    def has_cell_error(self, group: _Group, key: str) -> bool:
        return any(e.key == key for row in group.rows for e in row.errors)

    def diff_household(self, group: _Group, household: Household, group_obj) -> list:
        changes = []
        for name in HOUSEHOLD_FIELDS:
            if name == "group":
                if group_obj is ...:
                    continue
                old, new = household.group, group_obj
                if (old.pk if old else None) != (new.pk if new else None):
                    changes.append((name, old, new))
                continue
            present, value = self.household_value(group, name, new=False)
            if not present:
                continue
            old = getattr(household, name)
            if old != value:
                changes.append((name, old, value))
        if not changes:
            return changes
        for name, _old, new in changes:
            setattr(household, name, new)
        self.clean_household(group, household)
        return changes

    def check_heads(self, group: _Group, heads: list[LedgerRow]) -> None:
        values = group.values
        if not heads and not any((r.line, "relation") in self.error_keys for r in group.rows):
            self.error(group.line, "relation", ERROR_NO_HEAD)
        for row in heads[1:]:
            self.error(row.line, "relation", ERROR_TWO_HEADS.format(row=heads[0].line), member=True)
        head_name = values.get("head_name")
        if head_name is not None and heads:
            actual = heads[0].values.get("name")
            if actual is not None and str(head_name) != str(actual):
                self.error(
                    group.source.get("head_name", group.line),
                    "head_name",
                    ERROR_HEAD_NAME.format(given=head_name, actual=actual),
                )
        size = values.get("size")
        if size is not None and size != len(group.rows):
            self.warning(
                group.source.get("size", group.line),
                "size",
                ERROR_SIZE.format(given=size, actual=len(group.rows)),
            )

    def start_date(self, group: _Group) -> date | None:
        """Registration date of a new household (see the module docstring)."""
        year = group.values.get("identified_year")
        if not isinstance(year, int):
            return None
        joined = [
            r.values["joined_on"]
            for r in group.rows
            if isinstance(r.values.get("joined_on"), date) and r.values["joined_on"].year == year
        ]
        return min(joined) if joined else date(year, 1, 1)

    # -- members ---------------------------------------------------------------

    def member_value(self, row: LedgerRow, name: str, *, new: bool):
        if name not in self.columns:
            if row.values.get(name) is not None:  # derived: 在校生状况 "小学" → 文化程度
                return True, row.values[name]
            return False, None
        value = row.values.get(name)
        if not _is_empty(value):
            if name == "disability_grade":
                value = int(value)
            return True, value
        policy, blank = MEMBER_POLICY[name]
        if policy == CLEAR:
            return True, blank
        if (
            policy == REQUIRED
            and new
            and name != "joined_on"
            and (row.line, name) not in self.error_keys
        ):
            self.error(row.line, name, ERROR_REQUIRED, member=True)
        return False, None

    def plan_member(self, group, row, household, existing, start) -> str:
        """Plan one member row: "new", "changed", "unchanged" or "error"."""
        bad = {e.key for e in row.errors}
        number = row.values.get("id_number")
        if not number:
            if "id_number" not in bad:
                self.error(row.line, "id_number", ERROR_REQUIRED, member=True)
            return "error"
        if row.line in self.duplicates:
            return "error"
        mine = self.members.get(existing.pk, []) if existing is not None else []
        current = [m for m in mine if m.id_number == number]
        active = next((m for m in current if m.left_on is None or m.left_on > self.on), None)
        registered_in = self.registered.get(number)
        if active is None and registered_in is not None:
            self.error(row.line, "id_number", ERROR_ID_REGISTERED, member=True)
            return "error"
        if active is None and current:
            self.error(
                row.line, "id_number", ERROR_ID_LEFT.format(date=current[-1].left_on), member=True
            )
            return "error"
        if active is not None:
            return self.diff_member(group, row, active, bad)
        return self.new_member(group, row, household, existing, start, bad)

    def new_member(self, group, row, household, existing, start, bad) -> str:
        number = row.values["id_number"]  # valid: the reader parsed it
        fields = {}
        for name in MEMBER_FIELDS:
            if name in bad:
                continue
            present, value = self.member_value(row, name, new=True)
            if present:
                fields[name] = value
            elif (
                name not in self.columns
                and MEMBER_POLICY[name][0] == REQUIRED
                and name != "joined_on"
            ):
                self.error(
                    row.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="成员", title=BY_KEY[name].title),
                    member=True,
                )
        member = Member(
            household=household,
            id_number=number,
            sex=Sex.MALE if int(number[16]) % 2 else Sex.FEMALE,
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            **fields,
        )
        member._id_number_checked = (number, None)  # the reader parsed it
        if member.joined_on is None and "joined_on" not in bad:
            if existing is None and start is not None:
                if member.birth_date and member.birth_date > start:
                    self.error(
                        row.line,
                        "joined_on",
                        ERROR_JOINED_AFTER_START.format(birth=member.birth_date, start=start),
                        member=True,
                    )
                else:
                    member.joined_on = start
            elif existing is not None:
                self.error(row.line, "joined_on", ERROR_JOINED_ON_REQUIRED, member=True)
        if member.joined_on is not None and member.birth_date == member.joined_on:
            member.join_reason = JoinReason.BIRTH
        elif existing is not None:
            member.join_reason = JoinReason.OTHER
        try:
            member.full_clean(
                exclude=MEMBER_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            if member.joined_on is None:
                self.error_keys.add((row.line, "joined_on"))  # reported, or its cause is
            self.model_errors(exc, row.line, Member, member=True)
        if row.line in self.member_error_lines:
            return "error"
        self.plan.members_new.append(member)
        label = f"{member.name}({rules.mask_id_number(member.id_number)})"
        if existing is not None:
            self.change(group.number, label, "new")
        self.plan.trace("M+", number)
        return "new"

    def diff_member(self, group, row, member: Member, bad) -> str:
        changes = []
        for name in MEMBER_FIELDS:
            if name in bad:
                continue
            present, value = self.member_value(row, name, new=False)
            if not present:
                continue
            old = getattr(member, name)
            if old != value:
                changes.append((name, old, value))
        if row.line in self.member_error_lines:
            return "error"
        if not changes:
            return "unchanged"
        # The member as the registry knows them, before the change.
        label = f"{member.name}({rules.mask_id_number(member.id_number)})"
        for name, _old, new in changes:
            setattr(member, name, new)
        try:
            member.full_clean(
                exclude=MEMBER_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self.model_errors(exc, row.line, Member, member=True)
            return "error"
        self.plan.members_changed.append(member)
        self.plan.member_fields.update(name for name, _o, _n in changes)
        for name, old, new in changes:
            self.change(
                group.number,
                label,
                "changed",
                field_label(Member, name),
                display(Member, name, old),
                display(Member, name, new),
            )
            self.plan.trace("M", member.pk, name, repr(old), repr(new))
        return "changed"

    def count_members(self, results: list[str]) -> None:
        for result in results:
            self.counts["members"][result] += 1

    def report_absent(self, group: _Group, existing: Household | None) -> None:
        if existing is None:
            return
        in_file = {r.values.get("id_number") for r in group.rows}
        # A row whose ID number could not be read is someone: not "missing".
        unread = [
            r
            for r in group.rows
            if not r.values.get("id_number") and any(e.key == "id_number" for e in r.errors)
        ]
        names = {_text(r.values.get("name")) for r in unread}
        masks = [self.unmatched_masks[r.line] for r in unread if r.line in self.unmatched_masks]
        for member in self.members.get(existing.pk, []):
            # Only members on the date: not those who left, nor those joining later.
            if not member.present_on(self.on):
                continue
            if member.id_number in in_file or member.name in names:
                continue
            if any(mask.matches(member.id_number) for mask in masks):
                continue
            self.plan.absent_total += 1
            self.counts["members"]["left"] += 1
            self.plan.trace("A", member.pk)
            if len(self.plan.absent) < MAX_PREVIEW_ABSENT:
                self.plan.absent.append(
                    {
                        "number": existing.number,
                        "name": member.name,
                        "id_number": rules.mask_id_number(member.id_number),
                        "relation": display(Member, "relation", member.relation),
                        "note": str(ABSENT_NOTE),
                    }
                )

    # -- income and status -----------------------------------------------------

    def plan_income(self, group: _Group, household: Household, existing) -> str | None:
        present = [name for name in INCOME_FIELDS if name in self.columns]
        values = group.values
        given = values.get("per_capita_income")
        if any(self.has_cell_error(group, name) for name in present):
            return "error"  # an unreadable amount is never also a change to 0.00
        amounts = {name: values.get(name) for name in present}
        declared = None
        if all(v is None for v in amounts.values()):
            if given is None:
                return None
            # No components in the file: its 人均纯收入 is the income figure.
            declared, amounts = given, {}
        size = len(group.rows)
        net = rules.IncomeComponents(
            wage=amounts.get("wage_income") or ZERO,
            production_income=amounts.get("production_income") or ZERO,
            production_cost=amounts.get("production_cost") or ZERO,
            property_income=amounts.get("property_income") or ZERO,
            transfer_income=sum(
                (amounts.get(name) or ZERO for name in HouseholdIncome.TRANSFER_FIELDS), ZERO
            ),
        ).net_income
        if declared is None and given is not None:
            computed = rules.per_capita_income(net, size)
            if computed is not None and abs(given - computed) > Decimal("0.01"):
                self.warning(
                    group.source.get("per_capita_income", group.line),
                    "per_capita_income",
                    ERROR_PER_CAPITA.format(
                        given=f"{given:.2f}", computed=computed, net=f"{net:.2f}", size=size
                    ),
                )
        year = values.get("income_year") or self.title_year
        if year is None:
            if not self.has_cell_error(group, "income_year"):
                key = "per_capita_income" if declared is not None else "wage_income"
                self.error(group.source.get(key, group.line), "income_year", ERROR_INCOME_YEAR)
            return None
        self.income_basis["declared" if declared is not None else "components"] += 1
        if declared is not None:
            return self.plan_declared_income(group, household, existing, year, declared)
        income = self.incomes.get((existing.pk, year)) if existing is not None else None
        if income is None:
            income = HouseholdIncome(
                household=household,
                year=year,
                assessed_on=date(year, 12, 31),
                **{name: amount or ZERO for name, amount in amounts.items()},
            )
            try:
                income.full_clean(
                    exclude=INCOME_NOT_CHECKED, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                self.model_errors(exc, group.line, HouseholdIncome, member=False)
                return "error"
            self.plan.incomes_new.append(income)
            self.counts["incomes"]["new"] += 1
            if existing is not None:
                self.change(group.number, "", "new", f"{year}年家庭收入")
            self.plan.trace("I+", group.number, year)
            return "new"
        changes = []
        for name, amount in amounts.items():
            amount = amount or ZERO
            if getattr(income, name) != amount:
                changes.append((name, getattr(income, name), amount))
        if not changes:
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        for name, _old, new in changes:
            setattr(income, name, new)
        self.plan.incomes_changed.append(income)
        self.plan.income_fields.update(name for name, _o, _n in changes)
        self.counts["incomes"]["changed"] += 1
        for name, old, new in changes:
            self.change(
                group.number,
                "",
                "changed",
                f"{year}年{field_label(HouseholdIncome, name)}",
                f"{old:.2f}",
                f"{new:.2f}",
            )
            self.plan.trace("I", income.pk, name, str(old), str(new))
        return "changed"

    def plan_declared_income(self, group, household, existing, year, declared) -> str:
        """The file's 人均纯收入 as the household's (undivided) income of ``year``."""
        income = self.incomes.get((existing.pk, year)) if existing is not None else None
        if income is None:
            income = HouseholdIncome(
                household=household,
                year=year,
                assessed_on=date(year, 12, 31),
                declared_per_capita=declared,
            )
            self.plan.incomes_new.append(income)
            self.counts["incomes"]["new"] += 1
            if existing is not None:
                self.change(group.number, "", "new", f"{year}年家庭收入")
            self.plan.trace("I+", group.number, year, str(declared))
            return "new"
        if income.net_income:
            # The registry has the components: they give the figure; the
            # file's is a check.
            computed = rules.per_capita_income(income.net_income, len(group.rows))
            if computed is not None and abs(declared - computed) > Decimal("0.01"):
                self.warning(
                    group.source.get("per_capita_income", group.line),
                    "per_capita_income",
                    ERROR_PER_CAPITA.format(
                        given=f"{declared:.2f}",
                        computed=computed,
                        net=f"{income.net_income:.2f}",
                        size=len(group.rows),
                    ),
                )
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        if income.declared_per_capita == declared:
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        old = income.declared_per_capita
        income.declared_per_capita = declared
        self.plan.incomes_changed.append(income)
        self.plan.income_fields.add("declared_per_capita")
        self.counts["incomes"]["changed"] += 1
        label = f"{year}年{field_label(HouseholdIncome, 'declared_per_capita')}"
        self.change(
            group.number, "", "changed", label, f"{old:.2f}" if old else "", f"{declared:.2f}"
        )
        self.plan.trace("I", income.pk, "declared_per_capita", str(old), str(declared))
        return "changed"

    def plan_status_new(self, group: _Group, household: Household, start) -> None:
        line = group.source.get("status", group.line)
        if "status" not in self.columns:
            self.error(
                group.line,
                "",
                ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY["status"].title),
            )
            return
        status = group.values.get("status")
        if status is None:
            if not self.has_cell_error(group, "status"):
                self.error(line, "status", ERROR_STATUS_REQUIRED)
            return
        if status not in REGISTERED_STATUSES:
            self.error(
                line,
                "status",
                ERROR_STATUS_NOT_REGISTERED.format(status=PovertyStatus(status).label),
            )
            return
        if status in LIFTED_STATUSES and not self.lifting_check(group, household, line, status):
            return
        if start is None:
            return  # 识别年度 is missing: reported on its cell
        self.plan.periods_new.append(
            HouseholdStatusPeriod(
                household=household,
                status=status,
                valid_from=start,
                reason=NEW_HOUSEHOLD_REASON,
                recorded_by=self.user,
            )
        )
        self.plan.trace("S+", group.number)

    def lifting_check(self, group: _Group, household: Household, line: int, status) -> bool:
        """The lifting check the status service applies, on the facts the file
        gives (a new household has no assessed guarantees: it fails on them)."""
        on = self.on
        members_from, incomes_from = self.planned_from
        planned = self.plan.members_new[members_from:]
        income = next(iter(self.plan.incomes_new[incomes_from:]), None)
        per_capita = None
        if income is not None and income.year == on.year:
            per_capita = (
                income.declared_per_capita
                if income.declared_per_capita is not None and not income.net_income
                else rules.per_capita_income(income.net_income, len(planned))
            )
        facts = rules.HouseholdFacts(
            year=on.year,
            per_capita_income=per_capita,
            poverty_line=self.poverty_line,
            food_ok=None,
            clothing_ok=None,
            housing_grade=None,
            housing_renovation_completed=False,
            housing_alternative=HousingAlternative.NONE,
            water_ok=None,
            members=tuple(rules.member_facts(m, on) for m in planned),
        )
        check = rules.check_lifting_standard(facts)
        if check.passed:
            return True
        failures = ";".join(f"{f.label}:{f.reason}" for f in check.failures)
        label = PovertyStatus(status).label
        self.error(
            line, "status", ERROR_STATUS_LIFTED_CHECK.format(status=label, failures=failures)
        )
        return False

    def check_status(self, group: _Group, household: Household) -> None:
        status = group.values.get("status")
        if status is None:
            return
        if status != self.status.get(household.pk):
            self.error(group.source.get("status", group.line), "status", ERROR_STATUS_CHANGE)


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
