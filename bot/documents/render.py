"""A :class:`~bot.documents.model.Document` as PDF (Typst) or DOCX (python-docx).

Top-level functions of picklable arguments, so a process pool runs them (``Renderer.run``):
each draws the document's charts with the same code as the chat (:func:`render_chart`) and lays
the document out. Nothing here reads the database or the clock.

**Why these libraries** (measured, figures in docs/BENCHMARKS.md, ``bench/bench_documents.py``):

- PDF: **Typst** through its Python binding (``typst`` on PyPI): one wheel per platform with no
  dependencies and no system packages, fonts included (we point it at matplotlib's DejaVu Sans,
  so charts and text share one typeface). The layout is a plain-text template
  (``templates/summary.typ``, ``card.typ``, ``common.typ``): the order of the sections, the
  logo, fonts, colours and margins change there, without touching Python. A 12-page summary
  compiles in ~30 ms warm. ReportLab (also pip-only) took 160–230 ms for a comparable document
  and keeps the layout in Python code (its templates are a commercial add-on). WeasyPrint needs
  Pango from the system and fails the fresh-machine rule.
- DOCX: **python-docx** (with lxml, both wheels). The DOCX *is* the communications team's
  editable copy, so it is built from the same blocks in the same order; its look (styles,
  fonts, header and footer with the page number, a logo) comes from the reference document
  ``templates/reference.docx``, which Word edits. docxtpl would add Jinja2 and a template whose
  loops live inside Word runs, easy to break when edited, for no gain here.

Typst and python-docx are imported only when a document is made.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from bot.documents.model import Document, document_json
from bot.reports.summary import ChartJob, render_chart

TEMPLATES = resources.files("bot.documents") / "templates"
_COMMON = ("common.typ",)
# `#let order = ("a", "b", …)` in a template: the section order the DOCX follows too.
_ORDER = re.compile(r"^#let\s+order\s*=\s*\((?P<items>[^)]*)\)", re.MULTILINE)
_ID = re.compile(r'"([^"]+)"')

log = logging.getLogger(__name__)


def _charts(doc: Document, drawn: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """The document's charts as PNG files by name: those already ``drawn`` (chart name ->
    PNG, e.g. by other workers at the same time), the rest drawn here."""
    drawn = drawn or {}
    return {f"{name}.png": drawn.get(name) or chart_png(job) for name, job in doc.charts}


@lru_cache(maxsize=16)
def chart_png(job: ChartJob) -> bytes:
    """A chart's PNG; kept, since the PDF and the DOCX of one summary draw the same charts."""
    return render_chart(job)


def _aspect(png: bytes) -> float:
    """Height / width of a PNG, from its IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return height / width if width else 1.0


@cache
def _fonts() -> list[str]:
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def render_pdf(
    doc: Document, drawn: Mapping[str, bytes] | None = None, template_dir: str | None = None
) -> bytes:
    """The document as PDF through its Typst template (``{kind}.typ``)."""
    import typst

    source = Path(template_dir) if template_dir else Path(str(TEMPLATES))
    images = _charts(doc, drawn)
    names = {name: (f"{name}.png", _aspect(images[f"{name}.png"])) for name, _ in doc.charts}
    with tempfile.TemporaryDirectory(prefix="ssme-doc-") as tmp:
        root = Path(tmp)
        for path in source.iterdir():
            if path.is_file() and path.suffix != ".docx":
                (root / path.name).write_bytes(path.read_bytes())
        for name, png in images.items():
            (root / name).write_bytes(png)
        data = json.dumps(document_json(doc, names), ensure_ascii=False)
        (root / "data.json").write_text(data, encoding="utf-8")
        pdf = typst.compile(
            str(root / f"{doc.kind}.typ"),
            root=str(root),
            font_paths=_fonts(),
            ignore_system_fonts=True,
        )
    assert isinstance(pdf, bytes)
    return pdf


def render_docx(
    doc: Document, drawn: Mapping[str, bytes] | None = None, template_dir: str | None = None
) -> bytes:
    """The document as an editable DOCX, styled by ``reference.docx``."""
    from bot.documents.word import build_docx

    source = Path(template_dir) if template_dir else Path(str(TEMPLATES))
    ordered = in_template_order(doc, source / f"{doc.kind}.typ")
    return build_docx(ordered, source / "reference.docx", _charts(doc, drawn))


def in_template_order(doc: Document, template: Path) -> Document:
    """The document's sections in the order its Typst template prints them (``#let order``):
    the ids it names first, in its order, then the rest as built, as ``common.typ`` does.

    A template whose order cannot be read keeps the built order (logged: the PDF then may differ).
    """
    try:
        found = _ORDER.search(template.read_text(encoding="utf-8"))
    except OSError:
        found = None
    if found is None:
        log.warning("event=template_order_unread template=%s", template)
        return doc
    named = _ID.findall(found["items"])
    rank = {section_id: k for k, section_id in enumerate(named)}
    first = sorted((s for s in doc.sections if s.id in rank), key=lambda s: rank[s.id])
    rest = [s for s in doc.sections if s.id not in rank]
    return replace(doc, sections=(*first, *rest))
