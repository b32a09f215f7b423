"""One page layout for every workbook the system writes (household list,
census table, ledger, registry), so that each opens readable in Excel, WPS
and LibreOffice and prints as a town office prints: columns as wide as their
content (a CJK character counts two; 户编号 and 身份证号 fully visible), the
header rows frozen, A4 landscape with all columns fitted to the page width
(as many pages down as needed), the header rows repeated on every page and
the page number in the footer.

The workbooks are written in openpyxl's write-only mode (a town's ledger has
over a hundred thousand cells), where a sheet's layout must be set before its
rows: :func:`sampled` takes the first rows of a row iterator to measure the
columns, and gives back an iterator over all of them.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

#: Rows measured for the column widths (the rest are streamed unmeasured).
SAMPLE_ROWS = 500
#: Column widths in Excel character units: never narrower, never wider.
MIN_WIDTH = 6
MAX_WIDTH = 40
#: Room for the cell's padding and, on a header, the filter arrow.
PADDING = 2
FOOTER = "第 &P 页 共 &N 页"


def display_width(value) -> int:
    """How many character units ``value`` takes in a cell: East Asian wide and
    full-width characters count two, dates ``yyyy-mm-dd`` ten."""
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 10
    if isinstance(value, Decimal | float):
        value = f"{value:,.2f}"
    value = getattr(value, "value", value)  # a WriteOnlyCell
    if value is None:
        return 0
    text = str(value)
    widest = 0
    for line in text.splitlines() or [""]:
        widest = max(
            widest, sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        )
    return widest


def sampled(rows: Iterable[Sequence], n: int = SAMPLE_ROWS) -> tuple[list, Iterator]:
    """The first ``n`` rows (to measure) and an iterator over all rows."""
    rows = iter(rows)
    head = list(itertools.islice(rows, n))
    return head, itertools.chain(head, rows)


def column_widths(
    headers: Sequence, rows: Iterable[Sequence] = (), *, minimum: Sequence[float] = ()
) -> list[float]:
    """Each column's width: its widest header or value (``rows`` is a sample),
    at least ``minimum[i]``, within ``MIN_WIDTH``–``MAX_WIDTH``."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], display_width(value))
    result = []
    for i, width in enumerate(widths):
        floor = minimum[i] if i < len(minimum) else 0
        result.append(float(min(max(width + PADDING, floor, MIN_WIDTH), MAX_WIDTH)))
    return result


def lay_out(sheet, *, widths: Sequence[float], header_rows: int = 1) -> None:
    """Set ``sheet``'s column widths, frozen header and print setup.

    ``header_rows``: the rows above the data (a title and the column heads)
    frozen on screen and repeated at the top of every printed page. Call it
    before the first row is written (write-only sheets).
    """
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{header_rows + 1}"
    sheet.print_title_rows = f"1:{header_rows}"
    setup = sheet.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as the rows need
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top = margins.bottom = 0.6
    margins.footer = 0.3
    sheet.oddFooter.center.text = FOOTER
    sheet.evenFooter.center.text = FOOTER
