"""What the ledger reader hands to the import pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class LedgerFileError(Exception):
    """The file as a whole cannot be read (not an .xlsx, encrypted, a bomb,
    too large, no sheet with a recognisable header…). ``message`` is Chinese,
    for the user; ``code`` is stable, for tests and logs."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CellError:
    """A problem with one cell: Excel row number (1-based), column letter,
    the column's key and the title as written in the file, and why."""

    row: int
    column: str
    key: str
    title: str
    message: str


@dataclass
class LedgerRow:
    """One data row of the sheet (a member, with household columns if filled).

    ``values`` holds cleaned values by column key (``None`` for an empty or
    invalid cell); ``raw`` the cell values as read, by key; ``errors`` the
    cell problems of this row.
    """

    line: int
    values: dict[str, Any]
    raw: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)


@dataclass(frozen=True)
class SheetColumn:
    key: str
    index: int  # 0-based column index in the sheet
    letter: str  # Excel column letter ("A", "AB")
    title: str  # the header as written in the file


@dataclass
class ParsedLedger:
    sheet_name: str
    header_rows: tuple[int, ...]  # Excel row numbers of the header (1 or 2 rows)
    columns: dict[str, SheetColumn]  # by key
    rows: list[LedgerRow]
    unknown_columns: list[str] = field(default_factory=list)  # titles not recognised
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, why): totals…
    title: str = ""  # the text above the header ("学田地村建档立卡贫困户花名册")
    # Header cells not recognised that look like a known title (warnings).
    header_warnings: list[CellError] = field(default_factory=list)
