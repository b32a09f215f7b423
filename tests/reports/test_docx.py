"""The .docx work report is laid out as a Chinese official document
(GB/T 9704), read back with python-docx: A4, the standard margins, Word's
heading styles (the navigation pane lists the sections), the body in
仿宋_GB2312 三号, tables whose header row repeats, the page number in the
footer."""

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reports.docx import report_docx
from reports.writing import Block, WorkReport
from tests.households.conftest import client_for, town  # noqa: F401

REPORT = WorkReport(
    title="铁沙盖镇脱贫攻坚工作情况汇报",
    subtitle="数据截至2020年5月31日 · 2020年度帮扶措施",
    blocks=[
        Block("h2", "一、基本情况"),
        Block("p", "铁沙盖镇辖12个行政村。"),
        Block("h2", "三、2020年脱贫计划及主要做法"),
        Block(
            "table",
            "2020年帮扶措施分类汇总(不含已取消)",
            (
                ("类别", "受益户", "资金(元)"),
                ("产业", "72", "216,000.00"),
                ("就业", "36", "360,000.00"),
            ),
        ),
        Block("h3", "1.住房安全保障"),
        Block("p", "危房改造91户。"),
    ],
)


def document(content: bytes | None = None):
    return Document(BytesIO(content or report_docx(REPORT)))


def east_asian_font(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_the_page_is_a4_with_the_official_margins():
    section = document().sections[0]
    # Word keeps lengths in twentieths of a point: A4 is 11906 × 16838.
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    assert abs(section.right_margin - Mm(26)) < Mm(0.1)


def test_sections_are_real_headings_in_the_official_fonts():
    doc = document()
    by_style = {}
    for paragraph in doc.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == [REPORT.title]
    assert by_style["Heading 1"] == ["一、基本情况", "三、2020年脱贫计划及主要做法"]
    assert by_style["Heading 2"] == ["1.住房安全保障"]
    styles = doc.styles
    assert east_asian_font(styles["Title"]) == "方正小标宋简体"
    assert east_asian_font(styles["Heading 1"]) == "黑体"
    assert east_asian_font(styles["Heading 2"]) == "楷体_GB2312"
    assert east_asian_font(styles["Normal"]) == "仿宋_GB2312"
    assert styles["Normal"].font.size == Pt(16)  # 三号
    assert styles["Heading 1"].font.size == Pt(16)


def test_a_table_repeats_its_header_row_on_every_page():
    doc = document()
    [table] = doc.tables
    assert [c.text for c in table.rows[0].cells] == ["类别", "受益户", "资金(元)"]
    assert [c.text for c in table.rows[2].cells] == ["就业", "36", "360,000.00"]
    header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
    assert header is not None and header.get(qn("w:val")) == "true"
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None


def test_the_footer_numbers_the_pages():
    footer = document().sections[0].footer
    xml = footer._element.xml
    assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert footer.paragraphs[0].text.startswith("— ")


@pytest.mark.django_db
def test_the_downloaded_report_is_a4_with_headings(town, client_for):  # noqa: F811
    response = client_for("cadre").get(reverse("reports:report_docx"), {"on": "2020-05-31"})
    doc = document(response.content)
    assert abs(doc.sections[0].page_width - Mm(210)) < Mm(0.1)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "一、基本情况"
