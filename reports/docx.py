"""The work report as a Word document (.docx), with python-docx.

The document holds exactly the blocks of :class:`reports.writing.WorkReport`
that the HTML page shows: title, subtitle, section headings, paragraphs and
tables. Its layout is a Chinese official document's (党政机关公文格式,
GB/T 9704): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
the title in 方正小标宋简体 二号 (22 pt), first-level headings in 黑体 三号,
second-level in 楷体_GB2312 三号, the body in 仿宋_GB2312 三号 (16 pt) at a
fixed 28 pt line; the page number "— 1 —" in the footer (a PAGE field).

Headings use Word's own Heading 1 / Heading 2 styles (restyled), so the
navigation pane lists the sections; a table's header row repeats on every
page. The fonts are named for East Asian text (``w:eastAsia``) with Latin
fallbacks (Times New Roman); a reader's Word or WPS without a GB2312 font
substitutes its 仿宋/楷体 as it does for every official document.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from reports.writing import WorkReport

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
LINE = Pt(28)  # fixed line pitch of the body (22 lines a page)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}


def _fonts(element, name: str, latin: str = LATIN_FONT) -> None:
    """Name the East Asian font (``w:eastAsia``) and the Latin one of a run or style."""
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), name)


def _style_font(style, name: str, size, *, bold: bool = False) -> None:
    style.font.name = LATIN_FONT
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(style.element, name)


def _setup_styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, BODY_SIZE)
    body = normal.paragraph_format
    body.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body.line_spacing = LINE
    body.space_before = body.space_after = Pt(0)

    title = styles["Title"]
    _style_font(title, TITLE_FONT, TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    title.paragraph_format.space_after = Pt(12)
    # The built-in Title style draws a rule under the title: not in a 公文.
    borders = title.element.get_or_add_pPr().find(qn("w:pBdr"))
    if borders is not None:
        borders.getparent().remove(borders)

    for name, font in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = styles[name]
        _style_font(style, font, BODY_SIZE)
        layout = style.paragraph_format
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = LINE
        layout.space_before = layout.space_after = Pt(0)
        layout.first_line_indent = Pt(32)  # two characters, as the body
        layout.keep_with_next = True

    if "Report Table" not in [s.name for s in styles]:
        table_text = styles.add_style("Report Table", WD_STYLE_TYPE.PARAGRAPH)
        table_text.base_style = normal
        _style_font(table_text, BODY_FONT, TABLE_SIZE)
        table_text.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        table_text.paragraph_format.first_line_indent = Pt(0)


def _setup_page(document) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin = MARGINS["top"]
        section.bottom_margin = MARGINS["bottom"]
        section.left_margin = MARGINS["left"]
        section.right_margin = MARGINS["right"]
        section.footer_distance = Mm(28) - Mm(7)  # the number about 7 mm below the text
        _page_number_footer(section.footer.paragraphs[0])


def _field(paragraph, instruction: str) -> None:
    """A field (``PAGE``) that Word and WPS compute when they lay the page out."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)
    _run_font(run, PAGE_NUMBER_FONT, Pt(14))


def _run_font(run, name: str, size) -> None:
    run.font.size = size
    run.font.name = LATIN_FONT
    _fonts(run._r, name)


def _page_number_footer(paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, Pt(14))
    _field(paragraph, "PAGE")
    _run_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, Pt(14))


def _repeat_header(row) -> None:
    """Mark a table row as its header, repeated at the top of every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document, caption: str, rows) -> None:
    label = document.add_paragraph(caption, style="Report Table")
    label.alignment = WD_ALIGN_PARAGRAPH.CENTER
    label.paragraph_format.keep_with_next = True
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _repeat_header(table.rows[0])
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles["Report Table"]
            run = paragraph.add_run(value)
            if r == 0:
                run.font.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif c > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(style="Report Table")


def report_docx(report: WorkReport) -> bytes:
    """The report as the bytes of a .docx file."""
    document = Document()
    document.core_properties.title = report.title
    _setup_styles(document)
    _setup_page(document)
    document.add_paragraph(report.title, style="Title")
    subtitle = document.add_paragraph(report.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in subtitle.runs:
        _run_font(run, SUBHEADING_FONT, BODY_SIZE)
    for block in report.blocks:
        if block.kind == "h2":
            document.add_paragraph(block.text, style="Heading 1")
        elif block.kind == "h3":
            document.add_paragraph(block.text, style="Heading 2")
        elif block.kind == "table":
            _table(document, block.text, block.rows)
        else:
            paragraph = document.add_paragraph(block.text)
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
    out = BytesIO()
    document.save(out)
    return out.getvalue()
