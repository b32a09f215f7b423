"""Every exported workbook opens readable and prints on A4
(households.xlsx_layout): the household list, the census table, the ledger,
the registry and the ledger template."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from households.ledger.export import (
    HEADER_ROW,
    LEDGER_SHEET,
    REGISTRY_SHEET,
    ledger_export,
    ledger_template,
    registry_export,
)
from households.models import Household
from households.xlsx_layout import FOOTER, column_widths, display_width
from tests.households.conftest import ON, client_for, town  # noqa: F401

pytestmark = pytest.mark.django_db


def sheet_of(content: bytes, name: str | None = None):
    book = load_workbook(BytesIO(content))
    return book[name] if name else book.worksheets[0]


def width_of(sheet, header_row: int, title: str) -> float:
    for cell in sheet[header_row]:
        if cell.value == title:
            return sheet.column_dimensions[get_column_letter(cell.column)].width
    raise AssertionError(f"no column {title!r} in {[c.value for c in sheet[header_row]]}")


def assert_print_layout(sheet, header_rows: int) -> None:
    setup = sheet.page_setup
    assert setup.paperSize == 9  # A4
    assert setup.orientation == "landscape"
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == f"$1:${header_rows}"
    assert sheet.freeze_panes == f"A{header_rows + 1}"
    assert sheet.oddFooter.center.text == FOOTER


def test_a_cjk_character_counts_two_and_a_date_ten():
    from datetime import date
    from decimal import Decimal

    assert display_width("学田地村") == 8
    assert display_width("150927197005010011") == 18
    assert display_width(date(2020, 5, 31)) == 10
    assert display_width(Decimal("18991395")) == len("18,991,395.00")
    assert display_width(None) == 0


def test_widths_follow_the_widest_value_within_bounds():
    widths = column_widths(["户编号", "备注"], [["150927001000101", "短"], ["1", "长" * 100]])
    assert widths == [17.0, 40.0]


def test_household_list_export(town, client_for):  # noqa: F811
    response = client_for("cadre").get(reverse("households:export"), {"on": ON.isoformat()})
    sheet = sheet_of(response.content)
    assert_print_layout(sheet, 1)
    number = Household.objects.get(pk=town["household"].pk).number
    assert width_of(sheet, 1, "户编号") >= len(number) + 1
    assert width_of(sheet, 1, "户主身份证号") >= 19


def test_census_export(town, client_for):  # noqa: F811
    response = client_for("enumerator").get(reverse("census:export"))
    sheet = sheet_of(response.content)
    assert_print_layout(sheet, 1)
    assert width_of(sheet, 1, "身份证号") >= 19
    assert width_of(sheet, 1, "户编号") >= 16


def test_ledger_and_registry_exports(town):  # noqa: F811
    households = Household.objects.all()
    ledger = sheet_of(
        ledger_export(households_queryset=households, on=ON, reveal_id_numbers=True), LEDGER_SHEET
    )
    assert_print_layout(ledger, HEADER_ROW)
    assert width_of(ledger, HEADER_ROW, "户编号") >= 16
    registry = sheet_of(
        registry_export(households_queryset=households, on=ON, reveal_id_numbers=False),
        REGISTRY_SHEET,
    )
    assert_print_layout(registry, 1)
    for title in (c.value for c in registry[1] if "身份证" in str(c.value)):
        assert width_of(registry, 1, title) >= 19


def test_ledger_template(town):  # noqa: F811
    assert_print_layout(sheet_of(ledger_template(village="学田地村"), LEDGER_SHEET), HEADER_ROW)


def test_amounts_are_written_as_the_pages_write_them(town, client_for):  # noqa: F811
    response = client_for("cadre").get(reverse("households:export"), {"on": ON.isoformat()})
    sheet = sheet_of(response.content)
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header) if "人均纯收入" in h)
    cell = sheet.cell(row=2, column=column + 1)
    assert cell.value == 3500 and cell.number_format == "#,##0.00"
