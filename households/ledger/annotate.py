"""The error workbook: the user's own ledger with every bad cell marked.

Each cell with an error is filled light red and carries a comment saying
why; an error about a whole row (no household for a member, a household
field whose column is missing…) is marked on the row's first data cell. A
first sheet "导入错误说明" lists the errors with their row and column.

The user's workbook is loaded with openpyxl as is (formats, merged titles,
column widths, other sheets), never evaluated: openpyxl does not compute
formulas. Ledgers too large to load whole in memory are copied cell by cell
(values only, the ledger sheet only) in openpyxl's streaming modes.
"""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter

from households.xlsx import neutralise

SUMMARY_SHEET = "导入错误说明"
COMMENT_AUTHOR = "台账导入"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
#: Warnings (a check column that disagrees…) are marked too, and say so.
WARNING_PREFIX = "【提示,不影响导入】"
_BOLD = Font(bold=True)


def _full_load_rows() -> int:
    """Above this many rows the workbook is streamed instead of loaded whole."""
    return int(getattr(settings, "LEDGER_ERROR_WORKBOOK_FULL_ROWS", 20_000))


def _messages_by_cell(preview: dict) -> dict[tuple[int, int], list[str]]:
    """(row, column index 1-based) → messages; row errors on the first data column."""
    first = preview.get("first_column") or "A"
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    problems = [("", e) for e in preview.get("errors", [])]
    problems += [(WARNING_PREFIX, w) for w in preview.get("warnings", [])]
    for prefix, error in problems:
        letter = error.get("column") or first
        title = error.get("title") or ""
        message = error["message"] if not title else f"{title}:{error['message']}"
        cells[(int(error["row"]), column_index_from_string(letter))].append(prefix + message)
    return cells


def _comment(messages: list[str], existing: str = "") -> Comment:
    text = "\n".join(messages)
    if existing:
        text = f"{text}\n——\n{existing}"
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = min(60 + 20 * text.count("\n") + len(text) // 2, 400)
    return comment


def _summary_rows(preview: dict, file_name: str) -> list[list]:
    errors = preview.get("errors", [])
    total = int(preview.get("errors_total", len(errors)))
    rows = [
        [f"{file_name}:导入预览发现{total}处错误,已在工作表中用浅红色标出,并在批注中说明原因。"],
        ["请在原文件中逐一改正后重新上传;整行的问题标在该行第一列。"],
    ]
    if total > len(errors):
        rows.append([f"错误较多,只标注了前{len(errors)}处;改正后重新上传可以看到其余的错误。"])
    rows.append([])
    rows.append(["行", "列", "列名", "问题"])
    warnings = [(WARNING_PREFIX, w) for w in preview.get("warnings", [])]
    for prefix, error in [("", e) for e in errors] + warnings:
        rows.append(
            [
                error["row"],
                error.get("column") or "",
                neutralise(error.get("title") or ""),
                neutralise(prefix + error["message"]),
            ]
        )
    return rows


def error_workbook(*, data: bytes, preview: dict, file_name: str = "", rows: int = 0) -> bytes:
    """The uploaded ledger ``data`` with the preview's errors marked on it."""
    if rows > _full_load_rows():
        return _streamed(data, preview, file_name)
    return _annotated(data, preview, file_name)


def _annotated(data: bytes, preview: dict, file_name: str) -> bytes:
    workbook = load_workbook(BytesIO(data), rich_text=False)
    name = preview.get("sheet")
    sheet = workbook[name] if name in workbook.sheetnames else workbook.worksheets[0]
    merged = list(sheet.merged_cells.ranges)
    for (row, column), messages in _messages_by_cell(preview).items():
        # A cell inside a merged range cannot hold a comment: use the range's first cell.
        for cell_range in merged:
            if (
                cell_range.min_row <= row <= cell_range.max_row
                and cell_range.min_col <= column <= cell_range.max_col
            ):
                row, column = cell_range.min_row, cell_range.min_col
                break
        cell = sheet.cell(row=row, column=column)
        cell.fill = ERROR_FILL
        cell.comment = _comment(messages, cell.comment.text if cell.comment else "")

    summary = workbook.create_sheet(SUMMARY_SHEET, 0)
    for values in _summary_rows(preview, file_name):
        summary.append(values)
    summary.column_dimensions["A"].width = 8
    summary.column_dimensions["B"].width = 6
    summary.column_dimensions["C"].width = 16
    summary.column_dimensions["D"].width = 90
    summary["A1"].font = _BOLD
    for each in workbook.worksheets:
        each.sheet_view.tabSelected = False
    summary.sheet_view.tabSelected = True
    workbook.active = 0
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _streamed(data: bytes, preview: dict, file_name: str) -> bytes:
    source = load_workbook(BytesIO(data), read_only=True, rich_text=False)
    try:
        name = preview.get("sheet")
        sheet = source[name] if name in source.sheetnames else source.worksheets[0]
        target = Workbook(write_only=True)
        summary = target.create_sheet(SUMMARY_SHEET)
        summary.column_dimensions["D"].width = 90
        for values in _summary_rows(preview, file_name):
            summary.append(values)
        copy = target.create_sheet(sheet.title)
        marked = _messages_by_cell(preview)
        width = max([sheet.max_column or 1, *(column for _row, column in marked)])
        for letter_index in range(1, width + 1):
            copy.column_dimensions[get_column_letter(letter_index)].width = 14
        for row_number, row in enumerate(
            sheet.iter_rows(min_row=1, max_col=width, values_only=True), start=1
        ):
            cells = []
            for column, value in enumerate(row, start=1):
                messages = marked.get((row_number, column))
                if messages is None:
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(copy, value=value)
                cell.fill = ERROR_FILL
                cell.comment = _comment(messages)
                cells.append(cell)
            copy.append(cells)
        buffer = BytesIO()
        target.save(buffer)
        return buffer.getvalue()
    finally:
        source.close()
