"""A village cadre's round trip through the 台账导入 page, in a real browser:
download the village's ledger from the page, change one wage cell in Excel
(openpyxl here, as the file a cadre saves), upload it, see exactly that one
change, confirm, and find it on the household page."""

import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from households.models import HouseholdIncome
from tests.e2e.conftest import login


def test_cadre_exports_edits_one_wage_cell_and_imports_it(
    page, live_server, registry, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ours = registry.xuetiandi
    login(page, live_server, "cadre")

    page.goto(f"{live_server.url}/ledger/")
    expect(page.locator("#round-trip")).to_contain_text("下载台账模板")
    with page.expect_download() as download_info:
        page.locator("#link-export").click()
    exported = tmp_path / "export.xlsx"
    download_info.value.save_as(exported)

    # The cadre changes one cell: the head's wage income, 7,000 → 9,000.
    workbook = load_workbook(exported)
    sheet = workbook.active
    header_row = next(r for r in range(1, 6) if any(c.value == "工资性收入" for c in sheet[r]))
    wage = next(c.column for c in sheet[header_row] if c.value == "工资性收入")
    names = next(c.column for c in sheet[header_row] if c.value == "姓名")
    head_row = next(
        r
        for r in range(header_row + 1, sheet.max_row + 1)
        if sheet.cell(row=r, column=names).value == ours.head_name
    )
    sheet.cell(row=head_row, column=wage, value=9000)
    edited = tmp_path / "学田地村台账.xlsx"
    workbook.save(edited)

    page.locator('input[name="file"]').set_input_files(str(edited))
    page.get_by_role("button", name="上传并预览").click()
    expect(page).to_have_url(re.compile(r"/ledger/\d+/$"))
    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("2020年工资性收入")
    expect(changes.first).to_contain_text("9000.00")
    # The exported 人均纯收入 no longer agrees: a warning, not an error.
    expect(page.locator("#warnings")).to_contain_text("4500.00")
    assert HouseholdIncome.objects.get(household_id=ours.pk, year=2020).wage_income == 7000

    page.locator("#confirm").click()
    expect(page.locator("#status-label")).to_have_text("已导入")
    income = HouseholdIncome.objects.get(household_id=ours.pk, year=2020)
    assert income.wage_income == Decimal("9000.00")

    page.goto(f"{live_server.url}/households/{ours.pk}/")
    expect(page.locator("#per-capita")).to_have_text("4,500.00")
