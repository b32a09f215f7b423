"""Writing .xlsx files that are safe to open.

A cell whose text begins with ``= + - @`` (or a tab / carriage return) would
be taken by Excel or WPS as a formula: a name typed as ``=HYPERLINK(...)``
in one village must not run on a leader's computer. Such text is prefixed
with an apostrophe and always stored as a string.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from households import xlsx_layout

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"


def neutralise(value):
    """The value as it may be written to a cell (text never starts a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_workbook(*, title: str, headers: list[str], rows) -> bytes:
    """A one-sheet workbook: a bold header row, then ``rows`` (iterables of
    values), in the common layout (:mod:`households.xlsx_layout`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sample, rows = xlsx_layout.sampled(rows)
    xlsx_layout.lay_out(sheet, widths=xlsx_layout.column_widths(headers, sample))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Promise):
                value = str(value)  # lazy translations
            amount = isinstance(value, Decimal)
            if amount:
                value = float(value)  # a spreadsheet number; amounts carry 2 decimals
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if amount:
                cell.number_format = MONEY_FORMAT  # 18,991,395.00, as the pages write it
            elif isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, date | datetime):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
