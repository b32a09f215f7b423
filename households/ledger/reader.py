"""Reading an uploaded village ledger (.xlsx) into cleaned rows.

:func:`read_ledger` has the file checked as a whole first
(:func:`households.ledger.safety.check_file`: its size and kind, zip and XML
bombs, a corrupt archive; the formula and error cells of each worksheet).
Then python-calamine (Rust, far faster than openpyxl) reads the cell values:
the sheet with a header, the columns it recognises, one cleaned row per
member.

Whole-file problems raise :class:`~households.ledger.types.LedgerFileError`
(``code`` for tests and logs, ``message`` in Chinese for the user). Problems
of single cells become :class:`~households.ledger.types.CellError` entries of
their row, so that the user sees every one of them in one preview.

Formulas: a formula cell in a recognised column of a data row is a cell
error ("paste as values"), not a file error. Formulas elsewhere are harmless
and ignored: the =SUM() of a totals row (skipped anyway), a 序号 column of
=ROW()-3, a column we do not import. A file error (code ``formulas``) is
raised only when formulas cannot be attributed to cells.
"""

from __future__ import annotations

import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, pairwise
from typing import Any

import python_calamine
from django.utils import timezone
from django.utils.translation import gettext_lazy

from households import rules
from households.ledger import columns as cols
from households.ledger.clean import cleaner_for
from households.ledger.safety import (
    ERROR_CORRUPT,
    ERROR_ENCRYPTED,
    CellScan,
    check_file,
    fail,
    merged_scans,
)
from households.ledger.types import CellError, LedgerRow, ParsedLedger, SheetColumn
from households.ledger.variants import SCHOOL_LEVELS

#: The header is looked for in this many rows from the top of the sheet.
HEADER_SCAN_ROWS = 15
#: A row is a header candidate with at least this many recognised titles.
MIN_HEADER_TITLES = 3
#: Distinct values remembered per column (see ``_read_sheet``).
MEMO_LIMIT = 50_000
#: Columns whose values are nearly all different: not worth remembering.
_UNIQUE_KEYS = frozenset({"id_number", "name", "head_name", "phone"})
SCHOOL_LEVEL_KEYS = {cols.normalise_title(text): level for text, level in SCHOOL_LEVELS.items()}
#: Words that start the signature lines under a ledger (制表人:…).
FOOTER_MARKERS = ("制表", "填表", "填报", "审核", "负责人", "联系人:", "注:", "说明:")

ERROR_FORMULAS = gettext_lazy(
    "工作表“{sheet}”中有{count}个公式无法定位到单元格。请全选后复制,"
    "再“选择性粘贴→数值”,保存后重新上传"
)
ERROR_NO_SHEET = gettext_lazy("文件中没有可见的工作表")
ERROR_EMPTY_SHEET = gettext_lazy("工作表是空的,没有任何内容。台账应至少包含以下列:{required}")
ERROR_NO_HEADER = gettext_lazy(
    "在工作表前{rows}行中找不到表头(没有一行包含至少{minimum}个可识别的列名)。"
    "台账应至少包含以下列:{required}"
)
ERROR_MISSING_COLUMNS = gettext_lazy(
    "工作表“{sheet}”第{rows}行的表头缺少必填列:{missing}。请加上这些列后重新上传"
)
ERROR_DUPLICATE_COLUMN = gettext_lazy(
    "列“{title}”出现了两次:{first}列“{first_title}”和{second}列“{second_title}”,"
    "请删除或改名其中一列"
)
ERROR_TOO_MANY_ROWS = gettext_lazy(
    "数据超过{limit}行的上限(不含表头、空行和合计行),请分成几个文件分别上传"
)
CELL_ERROR_FORMULA = gettext_lazy("该单元格是公式而不是数值,请复制后“选择性粘贴→数值”再上传")
CELL_ERROR_VALUE = gettext_lazy("该单元格是错误值(如#N/A、#DIV/0!、#REF!),请改正后再上传")
CELL_ERROR_REQUIRED = gettext_lazy("未填写{title}")
WARNING_LOOKALIKE = gettext_lazy(
    "未识别的列“{title}”与“{known}”相近,这一列的数据没有读取;如果是同一列,请把表头改为“{known}”"
)
SKIPPED_TOTALS = gettext_lazy("合计行(“{text}”),已跳过")
SKIPPED_FOOTER = gettext_lazy("表尾说明(“{text}”),已跳过")
SKIPPED_NUMBERING = gettext_lazy("表头下的列序号行(1、2、3…),已跳过")

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _required_titles() -> str:
    return "、".join(column.title for column in cols.COLUMNS if column.required)


# --------------------------------------------------------------------------
# 1. The header
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    rows: tuple[int, ...]  # 0-based row indexes
    columns: dict[int, tuple[str, str]]  # column index → (key, title as written)
    unknown: dict[int, str]  # column index → title as written


def _title_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _recognise(text: str) -> str | None:
    if not text:
        return None
    return cols.TITLE_INDEX.get(cols.normalise_title(text.strip("*※")))


def _row_titles(row: list) -> dict[int, tuple[str, str]]:
    found = {}
    for index, value in enumerate(row):
        text = _title_text(value)
        key = _recognise(text)
        if key is not None:
            found[index] = (key, text)
    return found


def _combine(upper: list, lower: list) -> dict[int, tuple[str, str]] | None:
    """A two-row header: the lower row's title where recognised, else the
    upper row's. ``None`` if the rows contradict (then the lower is data)."""
    upper_titles, lower_titles = _row_titles(upper), _row_titles(lower)
    for index, (key, _) in lower_titles.items():
        if index in upper_titles and upper_titles[index][0] != key:
            return None
    return {**upper_titles, **lower_titles}


def _find_header(head: list[list], merged: list[tuple[tuple[int, int], tuple[int, int]]]):
    """The header among the first rows ``head`` (absolute column indexes)."""
    titles = [_row_titles(row) for row in head]
    best: _Header | None = None
    best_count = 0

    def consider(rows: tuple[int, ...], columns: dict[int, tuple[str, str]]) -> None:
        nonlocal best, best_count
        count = len({key for key, _ in columns.values()})
        if count >= MIN_HEADER_TITLES and count > best_count:
            best, best_count = _Header(rows, columns, {}), count

    for index, found in enumerate(titles):
        consider((index,), found)
    for upper in range(len(head) - 1):
        lower = upper + 1
        lower_keys = {key for key, _ in titles[lower].values()}
        if len(lower_keys) < 2 or not titles[upper]:
            continue
        # Evidence that the upper row is a header row above another: a group
        # title merged across columns, or a title merged down over both rows;
        # or, without merges, two rows that both look like headers.
        merged_here = any(r0 == upper and (c1 > c0 or r1 >= lower) for (r0, c0), (r1, c1) in merged)
        if not merged_here and len(lower_keys) < MIN_HEADER_TITLES:
            continue
        combined = _combine(head[upper], head[lower])
        if combined is not None:
            consider((upper, lower), combined)
    if best is None:
        return None
    unknown = {}
    width = max(len(head[row]) for row in best.rows)
    for index in range(width):
        if index in best.columns:
            continue
        texts = [_title_text(head[row][index]) for row in best.rows if index < len(head[row])]
        text = next((t for t in reversed(texts) if t), "")
        if text:
            unknown[index] = text
    return _Header(best.rows, best.columns, unknown)


# --------------------------------------------------------------------------
# 2. Reading
# --------------------------------------------------------------------------


def _markers_pattern(markers: Iterable[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(marker) for marker in markers)
    return re.compile(rf"(?:^|\n)[ \t\u3000]*(?:{alternatives})")


_TOTALS = _markers_pattern(cols.TOTAL_MARKERS)
_FOOTER = _markers_pattern(FOOTER_MARKERS)


@dataclass(frozen=True)
class _Plan:
    key: str
    index: int  # position in the row as calamine yields it
    letter: str
    title: str
    kind: str
    clean: Callable[[Any], tuple[Any, str | None]]
    required: bool  # a member column every data row must fill


def _open_workbook(data: bytes) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise fail("encrypted", ERROR_ENCRYPTED) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # CalamineError…; a panic in the Rust code is a BaseException
        raise fail("corrupt", ERROR_CORRUPT) from None


def _rows(sheet: python_calamine.CalamineSheet) -> Iterator[list]:
    """Every row from row 1 on, each a list from column A on.

    calamine's ``iter_rows`` pads the rows above the data but starts each row
    at the first used column: padding it here keeps indexes absolute.
    """
    end_column = sheet.end[1]
    iterator = sheet.iter_rows()
    for row in iterator:
        offset = end_column + 1 - len(row)
        if offset:
            padding = [""] * offset
            yield padding + row
            for row in iterator:
                yield padding + row
        else:
            yield row
            yield from iterator
        return


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 20 else text[:20] + "…"


def read_ledger(
    data: bytes,
    *,
    filename: str = "",
    max_bytes: int,
    max_rows: int,
    max_uncompressed: int | None = None,
    today: date | None = None,
) -> ParsedLedger:
    """Read the ledger sheet of an .xlsx file: header, then one cleaned row per member.

    ``max_bytes`` limits the file, ``max_rows`` the data rows (blank and
    totals rows not counted), ``max_uncompressed`` the declared size of the
    archive's contents (default 50 × ``max_bytes``, at most 500 MB). ``today``
    bounds birth dates in ID numbers (default: today in the local timezone).

    The sheet is the first visible worksheet with a header in its first 15
    rows. Raises :class:`LedgerFileError` for a file that cannot be read.
    """
    scans, sheet_paths = check_file(
        data, filename=filename, max_bytes=max_bytes, max_uncompressed=max_uncompressed
    )
    workbook = _open_workbook(data)
    # Hundreds of thousands of small dicts and rows, none of them cyclic:
    # the cyclic garbage collector would only walk them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_workbook(
            workbook,
            scans=scans,
            sheet_paths=sheet_paths,
            max_rows=max_rows,
            today=today or timezone.localdate(),
        )
    finally:
        if collecting:
            gc.enable()
        workbook.close()


def _read_workbook(workbook, *, scans, sheet_paths, max_rows, today) -> ParsedLedger:
    try:
        visible = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    except Exception:
        raise fail("corrupt", ERROR_CORRUPT) from None
    if not visible:
        raise fail("no_header", ERROR_NO_SHEET)

    any_content = False
    for name in visible:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # as in _open_workbook
            raise fail("corrupt", ERROR_CORRUPT) from None
        if sheet.start is None:  # nothing at all on this sheet
            continue
        any_content = True
        rows = _rows(sheet)
        head = [row for _, row in zip(range(HEADER_SCAN_ROWS), rows, strict=False)]
        header = _find_header(head, sheet.merged_cell_ranges or [])
        if header is None:
            continue
        path = sheet_paths.get(name)
        # An unknown layout: be strict, any sheet's formulas count.
        scan = scans.get(path, CellScan()) if path else merged_scans(scans.values())
        title = " ".join(
            text for row in head[: header.rows[0]] for value in row if (text := _title_text(value))
        )
        return _read_sheet(
            name,
            header,
            title=title,
            first_line=header.rows[-1] + 2,
            rows=chain(head[header.rows[-1] + 1 :], rows),
            scan=scan,
            max_rows=max_rows,
            today=today,
        )
    if not any_content:
        raise fail("no_header", ERROR_EMPTY_SHEET, required=_required_titles())
    raise fail(
        "no_header",
        ERROR_NO_HEADER,
        rows=HEADER_SCAN_ROWS,
        minimum=MIN_HEADER_TITLES,
        required=_required_titles(),
    )


def _check_columns(sheet_name: str, header: _Header) -> dict[str, SheetColumn]:
    columns: dict[str, SheetColumn] = {}
    for index in sorted(header.columns):
        key, title = header.columns[index]
        column = SheetColumn(key=key, index=index, letter=cols.column_letter(index), title=title)
        if key in columns:
            first = columns[key]
            raise fail(
                "duplicate_column",
                ERROR_DUPLICATE_COLUMN,
                title=cols.BY_KEY[key].title,
                first=first.letter,
                first_title=first.title,
                second=column.letter,
                second_title=title,
            )
        columns[key] = column
    missing = [column for column in cols.COLUMNS if column.required and column.key not in columns]
    if missing:
        described = "、".join(_described(column) for column in missing)
        raise fail(
            "missing_columns",
            ERROR_MISSING_COLUMNS,
            sheet=sheet_name,
            rows="、".join(str(row + 1) for row in header.rows),
            missing=described,
        )
    return columns


def _described(column: cols.Column) -> str:
    if not column.aliases:
        return column.title
    return f"{column.title}(也可写作{'、'.join(column.aliases[:3])})"


def _lookalikes(header: _Header) -> list[CellError]:
    """Unrecognised header cells that contain a known title ("2020年工资性收入")."""
    known = sorted(
        ((cols.normalise_title(t), column) for column in cols.READ_COLUMNS for t in column.titles),
        key=lambda item: -len(item[0]),
    )
    found = []
    for index, text in sorted(header.unknown.items()):
        normal = cols.normalise_title(text)
        for title, column in known:
            if len(title) >= 3 and title in normal:
                message = str(WARNING_LOOKALIKE).format(title=text, known=column.title)
                found.append(
                    CellError(header.rows[-1] + 1, cols.column_letter(index), "", text, message)
                )
                break
    return found


def _read_sheet(sheet_name, header: _Header, *, title="", first_line, rows, scan, max_rows, today):
    if scan.unlocated > 0:
        raise fail("formulas", ERROR_FORMULAS, sheet=sheet_name, count=scan.unlocated)
    columns = _check_columns(sheet_name, header)
    plan = [
        _Plan(
            key=column.key,
            index=column.index,
            letter=column.letter,
            title=column.title,
            kind=cols.BY_KEY[column.key].kind,
            clean=cleaner_for(cols.BY_KEY[column.key], today=today),
            required=cols.BY_KEY[column.key].required and cols.BY_KEY[column.key].level == cols.M,
        )
        for column in columns.values()
    ]
    # Most columns repeat a few values (村, 属性, 否…): clean each text or
    # number once, and keep one copy of it. Not the ID numbers and names,
    # nearly all different, nor CHOICES, whose cleaned value is a list that
    # must not be shared.
    steps = [
        (p.key, p.index, p.clean, None if p.key in _UNIQUE_KEYS or p.kind == cols.CHOICES else {})
        for p in plan
    ]
    by_key = {p.key: p for p in plan}
    required = [p for p in plan if p.required]
    id_index = columns["id_number"].index
    school_levels = "school_status" in columns
    formulas, error_cells = scan.formulas, scan.errors
    required_messages = {
        p.key: str(rules.ID_ERROR_EMPTY)
        if p.key == "id_number"
        else str(CELL_ERROR_REQUIRED).format(title=cols.BY_KEY[p.key].title)
        for p in required
    }

    parsed_rows: list[LedgerRow] = []
    skipped: list[tuple[int, str]] = []
    count = 0
    line = first_line - 1
    for row in rows:
        line += 1
        row_formulas = formulas.get(line) if formulas else None
        row_error_cells = error_cells.get(line) if error_cells else None
        special = row_formulas is not None or row_error_cells is not None
        if not special and not any(row):
            continue
        if line == first_line and _is_numbering_row(row):
            skipped.append((line, str(SKIPPED_NUMBERING)))
            continue
        identifier = row[id_index]
        if identifier == "" or (type(identifier) is str and not identifier.strip()):
            reason = _skip_reason(row)
            if reason is not None:
                skipped.append((line, reason))
                continue

        values: dict = {}
        raw: dict = {}
        errors: list[CellError] = []
        filled = False
        if not special:
            # The fast path: no formula or error value in this row.
            for key, index, clean, memo in steps:
                value = row[index]
                if value == "":
                    values[key] = raw[key] = None
                    continue
                if memo is not None and ((kind := type(value)) is str or kind is float):
                    result = memo.get(value)
                    if result is None:
                        result = (*clean(value), value)
                        if len(memo) < MEMO_LIMIT:
                            memo[value] = result
                    # The remembered copy of the raw value: calamine's own
                    # (one string per cell) can then be freed.
                    cleaned, message, value = result
                else:
                    cleaned, message = clean(value)
                raw[key] = value
                values[key] = cleaned
                if message is not None:
                    errors.append(_cell_error(line, by_key[key], message))
                    filled = True
                elif cleaned is not None and key != "serial":
                    filled = True
        else:
            for key, index, clean, _memo in steps:
                value = row[index]
                raw[key] = None if value == "" else value
                if row_formulas is not None and index in row_formulas and key != "serial":
                    message, cleaned = str(CELL_ERROR_FORMULA), None
                elif row_error_cells is not None and index in row_error_cells:
                    message, cleaned = str(CELL_ERROR_VALUE), None
                elif value == "":
                    values[key] = None
                    continue
                else:
                    cleaned, message = clean(value)
                values[key] = cleaned
                if message is not None:
                    errors.append(_cell_error(line, by_key[key], message))
                    filled = True
                elif cleaned is not None and key != "serial":
                    filled = True
        if not filled:  # only spaces, or only columns we do not read or only 序号
            continue
        count += 1
        if count > max_rows:
            raise fail("too_many_rows", ERROR_TOO_MANY_ROWS, limit=max_rows)
        for step in required:
            if values[step.key] is None and not any(e.key == step.key for e in errors):
                errors.append(_cell_error(line, step, required_messages[step.key]))
        if school_levels and values.get("education_level") is None:
            # 在校生状况 "初中": in school, at junior level.
            level = SCHOOL_LEVEL_KEYS.get(cols.normalise_title(raw.get("school_status") or ""))
            if level is not None:
                values["education_level"] = level
        parsed_rows.append(LedgerRow(line=line, values=values, raw=raw, errors=errors))

    return ParsedLedger(
        sheet_name=sheet_name,
        header_rows=tuple(row + 1 for row in header.rows),
        columns=columns,
        rows=parsed_rows,
        unknown_columns=[header.unknown[index] for index in sorted(header.unknown)],
        skipped_rows=skipped,
        title=title,
        header_warnings=_lookalikes(header),
    )


def _is_numbering_row(row: list) -> bool:
    """A row numbering the columns 1, 2, 3… under the header (栏次), as
    official forms have."""
    numbers = []
    for value in row:
        if value == "":
            continue
        if type(value) is str and value.strip().isdigit():
            value = int(value.strip())
        if type(value) not in (int, float) or value != int(value):
            return False
        numbers.append(int(value))
    if len(numbers) < MIN_HEADER_TITLES:
        return False
    return all(second == first + 1 for first, second in pairwise(numbers))


def _skip_reason(row: list) -> str | None:
    """Why a row without an ID number is not a member: a totals or footer row."""
    texts = "\n".join(v for v in row if type(v) is str and v)
    if not texts:
        return None
    match = _TOTALS.search(texts) or _FOOTER.search(texts)
    if match is None:
        return None
    start = match.end() - len(match[0].lstrip("\n \t\u3000"))
    text = _short(texts[start:].split("\n", 1)[0])
    reason = SKIPPED_TOTALS if match.re is _TOTALS else SKIPPED_FOOTER
    return str(reason).format(text=text)


def _cell_error(line: int, step: _Plan, message: str) -> CellError:
    return CellError(row=line, column=step.letter, key=step.key, title=step.title, message=message)
