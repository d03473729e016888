"""A document as plain data: sections of blocks, and the chart jobs its figures name.

Pure and picklable: the builders (:mod:`.summary`, :mod:`.card`) make one from the figures, the
renderers (:mod:`.render`) lay it out as PDF (Typst) or DOCX (python-docx), in a worker
process. Text is plain (no markup): the renderers never interpret it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.reports.summary import ChartJob

Kind = Literal["summary", "card"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Literal["body", "lead", "note", "heading"] = "body"  # heading: a sub-heading


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    heading: str | None = None


@dataclass(frozen=True)
class Callout:
    """A highlighted paragraph (the level and what is missing for the next one)."""

    text: str


@dataclass(frozen=True)
class Figure:
    chart: str  # the name of one of the document's chart jobs
    caption: str
    width: int = 78  # % of the text width


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""  # one letter per column, "l" or "r"; default: first left, the rest right
    widths: tuple[float, ...] = ()  # relative; default: the first column 3, the rest 1
    note: str | None = None

    def __post_init__(self) -> None:
        n = len(self.header)
        if not self.align:
            object.__setattr__(self, "align", "l" + "r" * (n - 1))
        if not self.widths:
            object.__setattr__(self, "widths", (3.0,) + (1.0,) * (n - 1))
        if len(self.align) != n or len(self.widths) != n or any(len(r) != n for r in self.rows):
            raise ValueError(f"table of {n} columns: align, widths and rows must match")


Block = Paragraph | Bullets | Callout | Figure | Table


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    kind: Kind
    title: str
    subtitle: str
    date: str
    filename: str
    cover: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    charts: tuple[tuple[str, ChartJob], ...] = field(default=())
    page_label: str = "{n} / {total}"

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def text(self) -> str:
        """Every word of the document, in order (tests, and a plain-text fallback)."""
        out = [self.title, self.subtitle, *self.cover, self.date]
        for s in self.sections:
            out.append(s.title)
            for b in s.blocks:
                out += list(_words(b))
        return "\n".join(out)


def _words(b: Block) -> tuple[str, ...]:
    if isinstance(b, Paragraph | Callout):
        return (b.text,)
    if isinstance(b, Bullets):
        return ((b.heading,) if b.heading else ()) + b.items
    if isinstance(b, Figure):
        return (b.caption,)
    return b.header + tuple(c for r in b.rows for c in r) + ((b.note,) if b.note else ())


TEXT_WIDTH_CM = 16.8  # A4 less the templates' margins
MAX_FIGURE_CM = 20.5  # the tallest figure that leaves room for its caption on a page


def figure_width(b: Figure, aspect: float) -> float:
    """The figure's width in cm: ``b.width`` % of the text, less if it would be too tall."""
    width = TEXT_WIDTH_CM * b.width / 100
    return round(min(width, MAX_FIGURE_CM / aspect), 2) if aspect > 0 else width


def block_json(b: Block, images: dict[str, tuple[str, float]]) -> dict[str, Any]:
    """One block as the Typst templates read it (``images``: chart name -> (file name,
    height / width)); a figure's ``width`` is in cm."""
    if isinstance(b, Paragraph):
        return {"kind": "p", "text": b.text, "style": b.style}
    if isinstance(b, Callout):
        return {"kind": "callout", "text": b.text}
    if isinstance(b, Bullets):
        return {"kind": "bullets", "items": list(b.items), "heading": b.heading}
    if isinstance(b, Figure):
        name, aspect = images[b.chart]
        return {
            "kind": "figure",
            "image": name,
            "caption": b.caption,
            "width": figure_width(b, aspect),
        }
    return {
        "kind": "table",
        "header": list(b.header),
        "rows": [list(r) for r in b.rows],
        "align": b.align,
        "widths": list(b.widths),
        "note": b.note,
    }


def document_json(doc: Document, images: dict[str, tuple[str, float]]) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "date": doc.date,
        "cover": list(doc.cover),
        "page_label": doc.page_label,
        "sections": {
            s.id: {"title": s.title, "blocks": [block_json(b, images) for b in s.blocks]}
            for s in doc.sections
        },
    }
