"""The leaders' dashboard printed: A4 landscape, every column of the
per-village table inside the printed page, the charts and 统计时间 printed,
a running header naming the town and the date, the page number from the
page's margin box."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import login

# A4 landscape at 96 px per inch, less the dashboard's 10 mm side margins.
PRINTED_WIDTH_PX = round((297 - 2 * 10) / 25.4 * 96)

OUTSIDE = """(width) => [...document.querySelectorAll('#villages th, #villages td')]
  .filter(cell => cell.getBoundingClientRect().right > width + 0.5)
  .map(cell => cell.textContent.trim())"""


def test_printed_dashboard_keeps_every_column_on_a4_landscape(page, live_server, registry):
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/reports/?on=2020-05-31")
    expect(page.locator("#villages")).to_be_visible()
    columns = page.locator("#villages thead th").count()
    assert columns >= 12

    page.set_viewport_size({"width": PRINTED_WIDTH_PX, "height": 700})
    page.emulate_media(media="print")
    assert page.evaluate(OUTSIDE, PRINTED_WIDTH_PX) == []
    assert page.locator("#villages thead th").count() == columns
    # The charts and the time of the figures are printed; the buttons are not.
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#computed")).to_contain_text("统计时间")
    expect(page.locator("header.top")).to_be_hidden()
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text("铁沙盖镇")
    expect(header).to_contain_text("截至2020年5月31日")
    assert page.evaluate("getComputedStyle(document.querySelector('.print-header')).position") == (
        "fixed"  # repeated on every printed page
    )

    # The print stylesheet asks for A4 landscape with a page number.
    css = page.evaluate(
        """() => [...document.styleSheets].flatMap(s => [...s.cssRules])
              .map(r => r.cssText).join('\\n')"""
    )
    assert re.search(r"@page\s*\{[^}]*size:\s*A4 landscape", css, re.IGNORECASE), re.findall(
        r"@page[^}]*", css
    )
    assert "counter(page)" in css
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # Every page A4 landscape, in points (841.92 × 594.96).
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(
        abs(float(w) - 841.9) < 1 and abs(float(h) - 595.3) < 1 for w, h in boxes
    ), boxes
