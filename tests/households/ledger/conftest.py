"""Workbooks for the ledger tests, written by the tests themselves with openpyxl.

``make_xlsx(rows, ...)`` returns the bytes of an .xlsx whose ledger (active)
sheet holds ``rows``, below optional merged title rows. No binary fixture is
committed: every file a test reads is built here, in memory.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pytest
from openpyxl import Workbook


def build_xlsx(
    rows: Sequence[Sequence],
    *,
    title_rows: Sequence[str] = (),
    merged: Sequence[str] = (),
    sheet_name: str = "台账",
    number_formats: Mapping[str, str] | None = None,
    formulas: Mapping[str, str] | None = None,
    extra_sheets: Sequence[tuple[str, Sequence[Sequence], str]] = (),
) -> bytes:
    """An .xlsx (as bytes) with ``rows`` on the sheet ``sheet_name``.

    - ``title_rows``: titles written above ``rows``, one per row, each merged
      across the width of ``rows`` (like "XX村建档立卡贫困户花名册"); the
      first row of ``rows`` is then Excel row ``len(title_rows) + 1``.
    - ``merged``: further ranges to merge, in Excel notation ("A3:C3");
      write the text in the range's first cell and leave the others ``None``.
    - ``number_formats``: Excel number formats by cell ("B5") or by column
      ("B": every cell of ``rows`` in that column), e.g. ``{"C": "@"}``.
    - ``formulas``: formulas by cell ({"H5": "=A1+1"}), written over ``rows``;
      openpyxl stores no cached value, as a script would.
    - ``extra_sheets``: ``(name, rows, state)`` sheets placed *before* the
      ledger sheet, ``state`` "visible", "hidden" or "veryHidden".

    ``None`` leaves a cell empty; dates, numbers, bools and strings are
    written as the matching Excel types. As in openpyxl, a string starting
    with "=" is a formula and "#N/A" (or another error code) an error value.
    """
    workbook = Workbook()
    default = workbook.active
    for name, sheet_rows, state in extra_sheets:
        extra = workbook.create_sheet(name)
        extra.sheet_state = state
        for row in sheet_rows:
            extra.append(list(row))
    sheet = workbook.create_sheet(sheet_name)
    workbook.remove(default)
    workbook.active = workbook.sheetnames.index(sheet_name)

    width = max((len(row) for row in rows), default=1) or 1
    for number, title in enumerate(title_rows, start=1):
        sheet.cell(row=number, column=1, value=title)
        if width > 1:
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    first = len(title_rows) + 1
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            if value is None:
                continue
            sheet.cell(row=first + offset, column=column, value=value)
    for cell_range in merged:
        sheet.merge_cells(cell_range)
    for target, number_format in (number_formats or {}).items():
        if target.isalpha():
            for offset in range(len(rows)):
                sheet[f"{target}{first + offset}"].number_format = number_format
        else:
            sheet[target].number_format = number_format
    for target, formula in (formulas or {}).items():
        sheet[target] = formula

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_xlsx():
    """``make_xlsx(rows, *, title_rows=(), merged=(), sheet_name="台账",
    number_formats=None, formulas=None, extra_sheets=()) -> bytes``; see
    :func:`build_xlsx`."""
    return build_xlsx
