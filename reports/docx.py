"""The work report as a Word document (.docx), with python-docx.

The document holds exactly the blocks of :class:`reports.writing.WorkReport`
that the HTML page shows: title, subtitle, section headings, paragraphs.
Fonts are set for East Asian text (宋体/黑体, as government documents use;
Word substitutes what the reader's machine has).
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from reports.writing import WorkReport

BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def report_docx(report: WorkReport) -> bytes:
    """The report as the bytes of a .docx file."""
    document = Document()
    document.core_properties.title = report.title
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(report.title), HEADING_FONT, 18, bold=True)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(subtitle.add_run(report.subtitle), BODY_FONT, 10.5)
    for block in report.blocks:
        paragraph = document.add_paragraph()
        if block.kind == "h2":
            _font(paragraph.add_run(block.text), HEADING_FONT, 14, bold=True)
        elif block.kind == "h3":
            _font(paragraph.add_run(block.text), BODY_FONT, 12, bold=True)
        else:
            paragraph.paragraph_format.first_line_indent = Pt(24)
            _font(paragraph.add_run(block.text), BODY_FONT, 12)
    out = BytesIO()
    document.save(out)
    return out.getvalue()
