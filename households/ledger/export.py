"""Writing village ledgers (台账): the standard template, the ledger export
and the national registry's layout.

The template and the ledger export share one layout (``columns.COLUMNS``):
a merged title row, the header row, then one row per member, household
columns on the head's row only. A ledger exported with full ID numbers
(``reveal_id_numbers=True``) can be uploaded again unchanged and the import
reports "no changes". With masked ID numbers (``152627********1234``, the
default) it is a report only: the reader rejects masked ID numbers, so such a
file cannot be re-imported; the instructions sheet says so.

Choice values are written as their Chinese labels (the reader maps labels
back), amounts as numbers, years as integers, dates as Excel dates, and every
text as a string (ID numbers, household numbers and phone numbers never
become numbers). Text that would start a formula is neutralised
(``households.xlsx.neutralise``).

Exports stream with openpyxl's write-only mode and read the registry in a
fixed number of queries per chunk of households (households with their
status on the date, members, incomes of the year; the registry layout also
status periods), whatever the number of households up to a chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation

from households import rules, xlsx_layout
from households.choices import LIFTED_STATUSES, PovertyStatus, Sex
from households.ledger import columns as cols
from households.ledger.columns import COLUMNS, Column
from households.models import (
    BY_VILLAGE_ORDER,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
)
from households.xlsx import neutralise

LEDGER_SHEET = "花名册"
INSTRUCTIONS_SHEET = "填写说明"
REGISTRY_SHEET = "建档立卡户"
TITLE_SUFFIX = "建档立卡贫困户花名册"
TITLE_PLACEHOLDER = "XX村"
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
#: Households read per chunk: each chunk costs the same few queries.
CHUNK_SIZE = 2000

YES, NO = "是", "否"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"  # as the pages write amounts

MASKED_NOTE = (
    "从系统导出的台账,身份证号默认脱敏(中间8位显示为*):这样的文件仅供查看,不能再导入;"
    "需要修改后再导入时,请由有查看完整身份证号权限的人员导出含完整身份证号的台账。"
)

_KIND_HELP = {
    cols.TEXT: "文字",
    cols.ID_NUMBER: "18位公民身份号码,末位可为X;本列已设为文本格式,请勿改为数字",
    cols.INTEGER: "整数",
    cols.YEAR: "四位年份,如2020",
    cols.MONEY: "金额(元),最多两位小数",
    cols.DATE: "日期,如2020-05-31",
    cols.BOOLEAN: "是 / 否",
}

_GENERAL_NOTES = (
    "每位家庭成员填写一行,户主在前;户信息(“户编号”至“人均纯收入”)只需填写在户主所在行,"
    "其他成员行可留空,也可重复填写。",
    "第1行为标题,第2行为列名:请勿修改列名;列的顺序可以调整,不用的列可以删除(必填列除外)。",
    "“家庭人口”“户主姓名”“人均纯收入”为核对列:导入时只核对,不写入系统。",
    "下拉列表中的选项为标准写法;填写其他写法时Excel会提示,系统能识别常见的同义写法。",
    "身份证号必须以文本格式填写:被Excel存成数字(如1.52E+17)的号码后几位已丢失,导入时会被拒绝。",
    MASKED_NOTE,
)

_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --------------------------------------------------------------------------
# Column helpers
# --------------------------------------------------------------------------


def _display_width(text: str) -> int:
    """Width in Excel character units: a CJK character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _labels(column: Column) -> list[str]:
    return [label for _value, label in column.choices]


def _width(column: Column) -> float:
    if column.kind == cols.ID_NUMBER:
        return 22
    widest = _display_width(column.title)
    if column.kind == cols.CHOICE:
        widest = max([widest, *(_display_width(label) for label in _labels(column))])
    elif column.kind == cols.MONEY:
        widest = max(widest, 10)
    elif column.kind == cols.DATE:
        widest = max(widest, 11)
    elif column.kind == cols.TEXT:
        widest = max(widest, 10)
    return min(widest + 2, 30)


def _value_help(column: Column) -> str:
    if column.kind == cols.CHOICE:
        return "从下拉列表选择:" + "、".join(_labels(column))
    if column.kind == cols.CHOICES:
        return "可填写多个,用顿号(、)分隔:" + "、".join(_labels(column))
    return _KIND_HELP[column.kind]


def _validation(column: Column, letter: str) -> DataValidation | None:
    """A drop-down of the column's labels. A warning, not a stop: the reader
    also accepts common synonyms (五保户, 本人…) that a village may type."""
    if column.kind == cols.CHOICE:
        options = _labels(column)
    elif column.kind == cols.BOOLEAN:
        options = [YES, NO]
    else:
        return None
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showDropDown=False,  # (sic) False shows the in-cell arrow
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="不是标准选项",
        error="请从下拉列表中选择;确定要保留此写法吗?",
    )
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}1048576")
    return validation


def ledger_title(place: str = "") -> str:
    """The title row: ``学田地村建档立卡贫困户花名册`` (``XX村…`` without a place)."""
    return f"{place or TITLE_PLACEHOLDER}{TITLE_SUFFIX}"


def _setup_ledger_sheet(workbook: Workbook, title: str, sample: Iterable[list] = ()):
    """The ledger sheet with its title and header written; rows follow.

    ``sample``: the first rows to be written, which the column widths fit.
    """
    sheet = workbook.create_sheet(LEDGER_SHEET)
    last = get_column_letter(len(COLUMNS))
    widths = xlsx_layout.column_widths(
        [c.title for c in COLUMNS], sample, minimum=[_width(c) for c in COLUMNS]
    )
    xlsx_layout.lay_out(sheet, widths=widths, header_rows=HEADER_ROW)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        if column.kind == cols.ID_NUMBER:
            # Cells typed in later are text too: Excel keeps all 18 digits.
            dimension.number_format = TEXT_FORMAT
        elif column.kind == cols.MONEY:
            dimension.number_format = MONEY_FORMAT
        elif column.kind == cols.DATE:
            dimension.number_format = DATE_FORMAT
        validation = _validation(column, letter)
        if validation is not None:
            sheet.data_validations.append(validation)
    sheet.merged_cells.add(CellRange(f"A{TITLE_ROW}:{last}{TITLE_ROW}"))
    sheet.row_dimensions[TITLE_ROW].height = 28
    sheet.row_dimensions[HEADER_ROW].height = 30

    title_cell = WriteOnlyCell(sheet, value=neutralise(title))
    title_cell.font = _TITLE_FONT
    title_cell.alignment = _CENTER
    sheet.append([title_cell])
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTER
        header.append(cell)
    sheet.append(header)
    return sheet


def _write_instructions(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCDEF", (16, 8, 8, 60, 36, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    heading = WriteOnlyCell(sheet, value="填写说明")
    heading.font = _TITLE_FONT
    sheet.append([heading])
    for number, note in enumerate(_GENERAL_NOTES, start=1):
        sheet.append([f"{number}. {note}"])
    sheet.append([])
    header = []
    for text in ("列名", "信息", "是否必填", "可填写的值", "其他可识别的列名", "说明"):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for column in COLUMNS:
        sheet.append(
            [
                column.title,
                "户" if column.level == cols.H else "成员",
                YES if column.required else NO,
                _value_help(column),
                "、".join(column.aliases),
                "核对列,不写入" if column.check_only else "",
            ]
        )


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------


def ledger_template(*, village: str = "") -> bytes:
    """The standard ledger template (.xlsx): title, header, no data rows.

    ``village`` fills the title (``学田地村建档立卡贫困户花名册``); without
    it the title reads ``XX村建档立卡贫困户花名册``. The second sheet lists
    every column, whether it is required and the values it accepts.
    """
    workbook = Workbook(write_only=True)
    _setup_ledger_sheet(workbook, ledger_title(village))
    _write_instructions(workbook)
    return _save(workbook)


# --------------------------------------------------------------------------
# Reading the registry for an export
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedFile:
    """An export and what it holds (for the export log)."""

    content: bytes
    households: int
    rows: int


@dataclass
class _HouseholdFacts:
    household: Household
    members: list[Member]  # present on the date, head first
    head: Member | None
    status: str | None
    income: HouseholdIncome | None
    per_capita: Decimal | None


def _export_queryset(households_queryset: QuerySet, on: date, *, periods: bool) -> QuerySet:
    members = Member.objects.order_by("joined_on", "id")
    incomes = HouseholdIncome.objects.filter(year=on.year)
    queryset = (
        Household.objects.filter(pk__in=households_queryset.order_by().values("pk"))
        .registered_on(on)
        .select_related("village__town__county", "group")
        .with_status_on(on)
        .prefetch_related(
            Prefetch("members", queryset=members, to_attr="all_members"),
            Prefetch("incomes", queryset=incomes, to_attr="year_incomes"),
        )
        .order_by(*BY_VILLAGE_ORDER, "number")
    )
    if periods:
        queryset = queryset.prefetch_related(
            Prefetch(
                "status_periods",
                queryset=HouseholdStatusPeriod.objects.order_by("valid_from"),
                to_attr="ordered_periods",
            )
        )
    return queryset


def _households(households_queryset: QuerySet, on: date, *, periods: bool = False):
    """Registered households of the queryset on ``on``, with their facts.

    Members present on ``on`` come head first, then by joining date; the
    per-capita income divides the net income of ``on.year`` by the members
    present on the income's survey date, as ``assessment.selectors.lifting_check``
    and ``assessment.queries.with_income`` do.
    """
    queryset = _export_queryset(households_queryset, on, periods=periods)
    for household in queryset.iterator(chunk_size=CHUNK_SIZE):
        everyone = household.all_members
        present = [m for m in everyone if m.present_on(on)]
        head = next((m for m in present if m.is_head_on(on)), None)
        if head is not None:
            present.remove(head)
            present.insert(0, head)
        income = household.year_incomes[0] if household.year_incomes else None
        per_capita = None
        if income is not None:
            size = sum(1 for m in everyone if m.present_on(income.assessed_on))
            per_capita = rules.per_capita_income(income.net_income, size)
        yield _HouseholdFacts(
            household=household,
            members=present,
            head=head,
            status=household.status_on,
            income=income,
            per_capita=per_capita,
        )


def _place_of(households_queryset: QuerySet) -> str:
    """The village of the export if there is one, else the town."""
    places = list(
        households_queryset.order_by()
        .values_list("village__name", "village__town__name")
        .distinct()[:2]
    )
    if len(places) == 1:
        return places[0][0]
    return places[0][1] if places else ""


# --------------------------------------------------------------------------
# The ledger export
# --------------------------------------------------------------------------

_LABELS = {c.key: {str(value): label for value, label in c.choices} for c in COLUMNS}


def _label(key: str, value) -> str:
    if value is None or value == "":
        return ""
    return _LABELS[key].get(str(value), str(value))


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _household_values(facts: _HouseholdFacts) -> dict:
    h = facts.household
    income = facts.income
    values = {
        "number": h.number,
        "village": h.village.name,
        "group": h.group.name if h.group else "",
        "identified_year": h.identified_year,
        "identification_kind": _label("identification_kind", h.identification_kind),
        "attribute": _label("attribute", h.attribute),
        "dibao_class": _label("dibao_class", h.dibao_class),
        "tekun_kind": _label("tekun_kind", h.tekun_kind),
        "main_cause": _label("main_cause", h.main_cause),
        "other_causes": "、".join(_label("other_causes", c) for c in h.other_causes or ()),
        "phone": h.phone,
        "head_name": facts.head.name if facts.head else "",
        "status": _label("status", facts.status),
        "size": len(facts.members),
        "income_year": income.year if income else None,
        "per_capita_income": facts.per_capita,
    }
    for name in HouseholdIncome.MONEY_FIELDS:
        values[name] = getattr(income, name) if income else None
    return values


def _member_values(member: Member, reveal: bool) -> dict:
    return {
        "name": member.name,
        "id_number": member.id_number if reveal else rules.mask_id_number(member.id_number),
        "relation": _label("relation", member.relation),
        "ethnicity": member.ethnicity,
        "health": _label("health", member.health),
        "illness": member.illness,
        "disability_kind": _label("disability_kind", member.disability_kind),
        "disability_grade": _label("disability_grade", member.disability_grade),
        "labour": _label("labour", member.labour),
        "education_level": _label("education_level", member.education_level),
        "school_status": _label("school_status", member.school_status),
        "medical_insurance": _label("medical_insurance", member.medical_insurance),
        "on_dibao": _yes_no(member.on_dibao),
        "on_tekun": _yes_no(member.on_tekun),
        "joined_on": member.joined_on,
    }


_EMPTY_HOUSEHOLD = dict.fromkeys(c.key for c in cols.HOUSEHOLD_COLUMNS)
_EMPTY_MEMBER = dict.fromkeys(c.key for c in cols.MEMBER_COLUMNS)


class _RowWriter:
    """Turns a list of values into the cells of a write-only sheet.

    Text is neutralised and stays text; blank text is an empty cell; the
    ID-number cells are text-formatted. Other values are written plain, with
    no per-cell style: a styled cell costs several times a plain one, and a
    town's ledger has over a hundred thousand cells.
    """

    def __init__(self, sheet, kinds: Iterable[str]):
        self.sheet = sheet
        self.kinds = list(kinds)

    def cells(self, values: Iterable) -> list:
        row = []
        for kind, value in zip(self.kinds, values, strict=True):
            if isinstance(value, str):
                value = neutralise(value) if value else None
            if value is None:
                row.append(None)
            elif kind == cols.ID_NUMBER:
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.data_type = "s"
                cell.number_format = TEXT_FORMAT
                row.append(cell)
            else:
                row.append(value)  # str, int or date: openpyxl keeps the type
        return row


def _ledger_rows(households: Iterator[_HouseholdFacts], reveal: bool):
    keys = [c.key for c in COLUMNS]
    for facts in households:
        household = _household_values(facts)
        if not facts.members:
            # A registered household without a member present: keep it
            # visible (the import will report its missing head).
            yield [{**household, **_EMPTY_MEMBER}[k] for k in keys]
            continue
        for index, member in enumerate(facts.members):
            values = {**(household if index == 0 else _EMPTY_HOUSEHOLD)}
            values.update(_member_values(member, reveal))
            yield [values[k] for k in keys]


def ledger_export_file(
    *, households_queryset: QuerySet, on: date, reveal_id_numbers: bool, place: str | None = None
) -> ExportedFile:
    """:func:`ledger_export`, with the counts of what was written."""
    workbook = Workbook(write_only=True)
    if place is None:
        place = _place_of(households_queryset)
    households = rows = 0

    def counted():
        nonlocal households
        for facts in _households(households_queryset, on):
            households += 1
            yield facts

    sample, all_rows = xlsx_layout.sampled(_ledger_rows(counted(), reveal_id_numbers))
    sheet = _setup_ledger_sheet(workbook, ledger_title(place), sample)
    writer = _RowWriter(sheet, (c.kind for c in COLUMNS))
    for values in all_rows:
        sheet.append(writer.cells(values))
        rows += 1
    _write_instructions(workbook)
    return ExportedFile(content=_save(workbook), households=households, rows=rows)


def ledger_export(*, households_queryset: QuerySet, on: date, reveal_id_numbers: bool) -> bytes:
    """The ledger of the given households on ``on``, in the template's layout.

    Households registered on ``on`` (removed ones are left out), ordered by
    village and number; one row per member present on ``on``, head first,
    household columns on the head's row only; the status on ``on``; the
    income of ``on.year`` by component, and the per-capita check column
    (``rules.per_capita_income`` over the members present on the income's
    survey date). A registered household without any member present gets
    one row with its household columns only.

    ID numbers are masked unless ``reveal_id_numbers``; only a file with
    full ID numbers can be imported again (the reader rejects masked ones).
    """
    return ledger_export_file(
        households_queryset=households_queryset, on=on, reveal_id_numbers=reveal_id_numbers
    ).content


# --------------------------------------------------------------------------
# The national registry's layout
# --------------------------------------------------------------------------

#: (title, kind) of the registry export's columns, in the registry's order.
REGISTRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("户编号", cols.TEXT),
    ("省(区、市)", cols.TEXT),
    ("市(地、州、盟)", cols.TEXT),
    ("县(市、区、旗)", cols.TEXT),
    ("乡(镇)", cols.TEXT),
    ("行政村", cols.TEXT),
    ("村民小组", cols.TEXT),
    ("户主姓名", cols.TEXT),
    ("姓名", cols.TEXT),
    ("证件号码", cols.ID_NUMBER),
    ("性别", cols.TEXT),
    ("与户主关系", cols.TEXT),
    ("民族", cols.TEXT),
    ("人数", cols.INTEGER),
    ("贫困户属性", cols.TEXT),
    ("贫困户属性名称", cols.TEXT),
    ("贫困户状态", cols.TEXT),
    ("贫困户状态名称", cols.TEXT),
    ("识别年度", cols.YEAR),
    ("识别标准", cols.TEXT),
    ("主要致贫原因", cols.TEXT),
    ("其他致贫原因", cols.TEXT),
    ("脱贫年度", cols.YEAR),
    ("人均纯收入", cols.MONEY),
    ("健康状况", cols.TEXT),
    ("残疾等级", cols.TEXT),
    ("劳动技能", cols.TEXT),
    ("文化程度", cols.TEXT),
    ("在校生状况", cols.TEXT),
    ("参加医疗保险", cols.TEXT),
    ("是否享受低保", cols.TEXT),
    ("是否特困供养", cols.TEXT),
    ("联系电话", cols.TEXT),
)

#: The registry's label of each poverty-status code (DOMAIN.md).
REGISTRY_STATUS_LABELS = {
    PovertyStatus.NOT_LIFTED.value: "未脱贫",
    PovertyStatus.LIFTED.value: "已脱贫(享受政策)",
    PovertyStatus.RETURNED.value: "返贫",
    PovertyStatus.STABLE.value: "已脱贫(不再享受政策)",
}

_SEX_LABELS = {Sex.MALE.value: "男", Sex.FEMALE.value: "女"}


def lifted_year(periods: list[HouseholdStatusPeriod], on: date) -> int | None:
    """The year a household lifted on ``on`` was lifted: the start of its
    last run of lifted statuses up to ``on`` (``None`` if not lifted)."""
    started = None
    for period in periods:
        if period.valid_from > on:
            break
        lifted = period.status in LIFTED_STATUSES
        started = (started or period.valid_from) if lifted else None
    return started.year if started else None


def _registry_rows(households: Iterator[_HouseholdFacts], on: date, reveal: bool):
    for facts in households:
        h = facts.household
        town = h.village.town
        status = facts.status
        attribute_code = rules.registry_attribute_code(h.attribute, status)
        household = [
            h.number,
            town.county.province,
            town.county.city,
            town.county.name,
            town.name,
            h.village.name,
            h.group.name if h.group else "",
            facts.head.name if facts.head else "",
        ]
        tail = [
            len(facts.members),
            attribute_code,
            str(rules.REGISTRY_CODE_LABELS[attribute_code]),
            status,
            REGISTRY_STATUS_LABELS[status],
            h.identified_year,
            _label("identification_kind", h.identification_kind),
            _label("main_cause", h.main_cause),
            "、".join(_label("other_causes", c) for c in h.other_causes or ()),
            lifted_year(h.ordered_periods, on),
            facts.per_capita,
        ]
        for member in facts.members:
            yield [
                *household,
                member.name,
                member.id_number if reveal else rules.mask_id_number(member.id_number),
                _SEX_LABELS.get(member.sex, ""),
                _label("relation", member.relation),
                member.ethnicity,
                *tail,
                _label("health", member.health),
                _label("disability_grade", member.disability_grade),
                _label("labour", member.labour),
                _label("education_level", member.education_level),
                _label("school_status", member.school_status),
                _label("medical_insurance", member.medical_insurance),
                _yes_no(member.on_dibao),
                _yes_no(member.on_tekun),
                h.phone,
            ]


def registry_export_file(
    *, households_queryset: QuerySet, on: date, reveal_id_numbers: bool
) -> ExportedFile:
    """:func:`registry_export`, with the counts of what was written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(REGISTRY_SHEET)
    households = rows = 0

    def counted():
        nonlocal households
        for facts in _households(households_queryset, on, periods=True):
            households += 1
            yield facts

    sample, all_rows = xlsx_layout.sampled(_registry_rows(counted(), on, reveal_id_numbers))
    widths = xlsx_layout.column_widths(
        [title for title, _kind in REGISTRY_COLUMNS],
        sample,
        minimum=[22 if kind == cols.ID_NUMBER else 10 for _title, kind in REGISTRY_COLUMNS],
    )
    xlsx_layout.lay_out(sheet, widths=widths, header_rows=1)
    for index, (_title, kind) in enumerate(REGISTRY_COLUMNS, start=1):
        if kind == cols.ID_NUMBER:
            sheet.column_dimensions[get_column_letter(index)].number_format = TEXT_FORMAT
    header = []
    for title, _kind in REGISTRY_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    writer = _RowWriter(sheet, (kind for _title, kind in REGISTRY_COLUMNS))
    for values in all_rows:
        sheet.append(writer.cells(values))
        rows += 1
    return ExportedFile(content=_save(workbook), households=households, rows=rows)


def registry_export(*, households_queryset: QuerySet, on: date, reveal_id_numbers: bool) -> bytes:
    """The households in the national registry's column layout, on ``on``.

    One row per member present on ``on``, the household's columns repeated
    on every row as the registry does; the attribute as the registry's code
    (01–08, ``rules.registry_attribute_code``: attribute and lifted or not)
    with its label, the status as its code (0 未脱贫, 1 已脱贫(享受政策),
    3 返贫, 4 已脱贫(不再享受政策)) with its label. Codes are text, so
    ``01`` keeps its zero. Households not registered on ``on`` (removed by
    自然减少 or 清退, or not yet identified) are left out. ID numbers are
    masked unless ``reveal_id_numbers``.
    """
    return registry_export_file(
        households_queryset=households_queryset, on=on, reveal_id_numbers=reveal_id_numbers
    ).content
