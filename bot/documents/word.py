"""The DOCX builder: the same blocks as the PDF, in the same order, styled by a reference .docx.

The reference document (``templates/reference.docx``) carries the look: fonts and sizes of the
styles used here (Title, Subtitle, Heading 1, Normal, List Bullet, Caption, the table style),
margins, and a header and footer (the page number is a PAGE field there). Edit it in Word;
:func:`make_reference` writes the shipped one again.

Rows are added with ``add_row().cells`` once per row: ``table.cell(r, c)`` walks the whole
table each time, which made a 400-cell table take 4 s.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from docx import Document as open_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from bot.documents.model import (
    Bullets,
    Callout,
    Document,
    Figure,
    Paragraph,
    Table,
    figure_width,
)

ACCENT = RGBColor(0x00, 0x72, 0xB2)
MUTED = RGBColor(0x6B, 0x6B, 0x6B)
FONT = "DejaVu Sans"


def build_docx(doc: Document, reference: Path, images: dict[str, bytes]) -> bytes:
    out = open_docx(str(reference)) if reference.is_file() else open_docx()
    body = out.element.body
    for child in list(body):  # keep the reference's section properties, drop its content
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    out.add_paragraph(doc.title, style="Title")
    out.add_paragraph(doc.subtitle, style="Subtitle")
    for line in doc.cover:
        out.add_paragraph(line)
    out.add_paragraph(doc.date).runs[0].font.color.rgb = MUTED
    if doc.kind == "summary":
        out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in doc.sections:
        out.add_heading(section.title, level=1)
        for b in section.blocks:
            if isinstance(b, Paragraph) and b.style == "heading":
                out.add_heading(b.text, level=2)
            elif isinstance(b, Paragraph):
                p = out.add_paragraph(b.text)
                if b.style == "note":
                    for run in p.runs:
                        run.italic = True
                        run.font.size = Pt(8)
                        run.font.color.rgb = MUTED
            elif isinstance(b, Callout):
                p = out.add_paragraph()
                p.add_run(b.text).bold = True
            elif isinstance(b, Bullets):
                if b.heading:
                    out.add_paragraph(b.heading)
                for item in b.items:
                    out.add_paragraph(item, style="List Bullet")
            elif isinstance(b, Figure):
                png = images[f"{b.chart}.png"]
                width, height = struct.unpack(">II", png[16:24])
                out.add_picture(io.BytesIO(png), width=Cm(figure_width(b, height / width)))
                out.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                out.add_paragraph(b.caption, style="Caption")
            else:
                _table(out, b)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _table(out: object, b: Table) -> None:
    table = out.add_table(rows=1, cols=len(b.header))  # type: ignore[attr-defined]
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    right = [a == "r" for a in b.align]
    for cell, text, r in zip(table.rows[0].cells, b.header, right, strict=True):
        _cell(cell, text, r, bold=True)
    for row in b.rows:
        for cell, text, r in zip(table.add_row().cells, row, right, strict=True):
            _cell(cell, text, r)
    if b.note:
        p = out.add_paragraph(b.note)  # type: ignore[attr-defined]
        for run in p.runs:
            run.font.size = Pt(8)
            run.font.color.rgb = MUTED


def _cell(cell: object, text: str, right: bool, bold: bool = False) -> None:
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(8)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


_PAGE_FIELD = (
    '<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
    '<w:r {ns}><w:instrText xml:space="preserve">PAGE</w:instrText></w:r>',
    '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
)


def _page_field(paragraph: object) -> None:
    """A PAGE field (Word fills in the page number) at the end of ``paragraph``."""
    for xml in _PAGE_FIELD:
        paragraph._p.append(parse_xml(xml.format(ns=nsdecls("w"))))  # type: ignore[attr-defined]


def make_reference(path: Path) -> None:
    """Write the shipped reference document: A4, DejaVu Sans, blue headings, page numbers."""
    out = open_docx()
    section = out.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.1)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.3)
    styles = out.styles
    for name, size in (("Normal", 10), ("Title", 22), ("Subtitle", 13), ("Heading 1", 14)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name in ("Title", "Heading 1"):
        styles[name].font.color.rgb = ACCENT
    styles["Caption"].font.color.rgb = MUTED
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    out.save(str(path))
