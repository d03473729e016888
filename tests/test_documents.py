"""The documents (issue 14), read back: the executive summary as PDF and DOCX and a cluster's
report card as PDF, built from a fixture campaign, rendered once per module, their text
extracted (pypdf, python-docx) and their first page rendered to pixels (pypdfium2)."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pypdf
import pypdfium2
import pytest

from bot.conversation import results
from bot.documents import ClusterFacts, Document, card_document, headline_text, summary_document
from bot.documents.render import TEMPLATES, in_template_order, render_docx, render_pdf
from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import Questionnaire
from bot.reports.summary import breakdown, compute_summary, headline, summary_charts
from scoring import score_answers
from tests.conftest import example
from tests.test_summary import current, previous, registry

TODAY = date(2026, 12, 2)
SUMMARY_SECTIONS = (
    "La Red Clúster Colombia",
    "Participación",
    "Niveles de madurez",
    "Índice de Madurez SSME y áreas temáticas",
    "Desempeño de las empresas",
    "Estrategia, actores y gobernanza",
    "Gestión y financiación",
    "Impactos empresariales y regionales",
    "Conclusiones y recomendaciones",
    "Anexo 1. Resultados por departamento",
    "Anexo 2. Resultados por sector",
    "Nota metodológica",
)


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_questionnaire()


def campaign() -> list[Any]:
    """test_summary's campaign, with c6's sales raised by 0,3 mil millones: 457,3 in all."""
    subs = current()
    c6 = next(s for s in subs if s.cluster_id == "c6")
    answers = {**c6.answers, "ventas_anio_actual": 307_300_000_000}
    return [dataclasses.replace(s, answers=answers) if s is c6 else s for s in subs]


def summary_doc(q: Questionnaire, *, with_previous: bool) -> tuple[dict[str, Any], Document]:
    before = previous() if with_previous else None
    data = compute_summary(q, "2021", registry(), campaign(), before, "2019" if before else None)
    groups = {by: breakdown(q, registry(), campaign(), by) for by in ("sector", "departamento")}
    head = headline(q, "2019", registry(), before) if before else None
    charts = summary_charts(data, q, head, groups)
    return data, summary_document(data, q, charts, groups, TODAY)


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def summary_pdf(q: Questionnaire) -> tuple[bytes, list[str]]:
    """The PDF and the text of each of its pages."""
    data = render_pdf(summary_doc(q, with_previous=True)[1])
    return data, pdf_pages(data)


@pytest.fixture(scope="module")
def summary_docx(q: Questionnaire) -> bytes:
    return render_docx(summary_doc(q, with_previous=True)[1])


HEADLINES = (
    "457,3 mil millones de pesos",  # sales (Colombian words, one decimal)
    "participación del 80%",  # 4 of 5 active clusters
    "(4 de 5)",
    "En su mayoría (60%)",  # level shares ...
    "nivel «Consolidado», 35 p.p.",  # ... and their change against 2019
    "IMS) promedio es de 61,6 sobre 100",
    "2.000 empleos directos",
    "medición de 2019",
)


def test_summary_pdf_has_every_headline_figure_and_section_in_order(summary_pdf) -> None:
    _, pages = summary_pdf
    text = flat(" ".join(pages))
    for figure in HEADLINES:
        assert figure in text, figure
    positions = [text.find(title) for title in SUMMARY_SECTIONS]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "Medición 2021" in pages[0] and "2 de diciembre de 2026" in pages[0]  # the cover


def test_summary_pdf_numbers_every_page(summary_pdf) -> None:
    pages = summary_pdf[1]
    assert len(pages) >= 5
    for n, page in enumerate(pages, 1):
        assert f"Página {n} de {len(pages)}" in page


def test_summary_pdf_first_pages_are_drawn(summary_pdf) -> None:
    pdf = pypdfium2.PdfDocument(summary_pdf[0])
    for i in (0, 1):  # the cover and the first chart
        image = pdf[i].render(scale=0.5).to_pil().convert("L")
        dark = sum(image.histogram()[:200])
        assert dark > 500, f"page {i + 1} looks blank"


def test_summary_docx_is_editable_with_the_same_figures(summary_docx) -> None:
    document = docx.Document(io.BytesIO(summary_docx))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    for figure in HEADLINES:
        assert figure in flat(text), figure
    assert "457,3 mil millones de pesos" in cells  # the performance table
    for title in SUMMARY_SECTIONS:
        assert title in text, title
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SUMMARY_SECTIONS)
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer  # the page number field
    assert len(document.inline_shapes) == 4  # the four charts


def test_summary_says_what_is_missing_without_a_previous_campaign(q: Questionnaire) -> None:
    data, doc = summary_doc(q, with_previous=False)
    text = doc.text()
    assert data["level_change_pp"] is None
    assert "Es la primera medición: no hay comparación con una medición anterior." in text
    assert "p.p." not in text
    levels = dict(doc.charts)["levels"]
    assert len(levels.series) == 1  # type: ignore[union-attr]


def test_annex_hides_groups_under_five_respondents(q: Questionnaire) -> None:
    _, doc = summary_doc(q, with_previous=True)
    annex = doc.section("annex_departments")
    assert annex is not None
    table = annex.blocks[0]
    rows = {r[0]: r for r in table.rows}  # type: ignore[union-attr]
    # Antioquia: 2 of 2 registered answered (100%), but levels and IMS are hidden (k < 5).
    assert rows["Antioquia"][1:4] == ("2", "2", "100%")
    assert set(rows["Antioquia"][4:]) == {"—"}
    conclusions = doc.section("conclusions")
    assert conclusions is not None
    said = " ".join(Document.text(dataclasses.replace(doc, sections=(conclusions,))).split())
    assert "menos de 5 aglomeraciones" in said and "Gobernanza" in said


def test_headline_text_is_short(q: Questionnaire) -> None:
    data, _ = summary_doc(q, with_previous=True)
    text = headline_text(data, q)
    assert "Participación: 80%" in text and "IMS promedio: 61,6" in text
    assert "Consolidado: 60%" in text and len(text) < 300


# --------------------------------------------------------------------------------------------
# The report card
# --------------------------------------------------------------------------------------------

FACTS = ClusterFacts("demo_cafe_huila", "Clúster de Cafés Especiales del Huila", "Huila",
                     "agroindustria", "Cámara de Comercio del Huila")  # fmt: skip


def card(q: Questionnaire, *, peers: int, previous: bool) -> Document:
    answers = q.relevant_answers(example("consolidado"))
    result = score_answers(q, answers, 2021)
    areas = {a: s.score for a, s in result.areas.items()}
    overlays = results.Overlays(
        national=areas, national_n=peers, sector=areas, sector_label="agroindustria",
        sector_n=peers, previous={a: v - 10 for a, v in areas.items()} if previous else None,
        previous_label="2020" if previous else None,
    )  # fmt: skip
    radar = results.radar_spec(q, result, FACTS.name, "2021", overlays)
    before = ("2020", {a: v - 10 for a, v in areas.items()}) if previous else None
    return card_document(q, result, FACTS, "2021", radar, answers, before, [answers] * peers, TODAY)


@pytest.fixture(scope="module")
def card_pdf(q: Questionnaire) -> list[str]:
    """The text of each page of a card with one peer and no previous campaign."""
    return pdf_pages(render_pdf(card(q, peers=1, previous=False)))


def test_card_pdf_names_the_cluster_its_ims_level_and_gates(q: Questionnaire, card_pdf) -> None:
    result = score_answers(q, example("consolidado"), 2021)
    pages = card_pdf
    text = flat(" ".join(pages))
    assert 2 <= len(pages) <= 6
    assert "Clúster de Cafés Especiales del Huila" in text
    ims = f"{result.ims:.1f}".replace(".", ",")
    assert f"Índice de Madurez SSME (IMS): {ims} sobre 100 · Nivel {result.level_label}" in text
    for gate in q.gates:
        assert gate.label in text
    assert "Indicadores por mejorar" in text and "Anexo. Respuestas del cuestionario" in text
    for n, page in enumerate(pages, 1):
        assert f"Página {n} de {len(pages)}" in page


def test_card_without_previous_or_peers_says_so(card_pdf) -> None:
    text = flat(" ".join(card_pdf))
    assert "Es la primera medición del clúster" in text
    assert "Cambio" not in text
    assert "menos de 5: no se muestran su promedio ni sus medianas" in text
    assert "Mediana del sector" not in text


def test_card_with_previous_and_five_peers_shows_changes_and_medians(q: Questionnaire) -> None:
    doc = card(q, peers=5, previous=True)
    text = doc.text()
    assert "Mediana del sector (5)" in text
    assert "+10,0" in text or "+10" in text  # every area 10 points above 2020
    assert "primera medición" not in text and "no se muestran" not in text
    radar = dict(doc.charts)["radar"]
    assert [s.role for s in radar.series] == ["cluster", "national", "sector", "previous"]  # type: ignore[union-attr]


def test_the_docx_follows_the_section_order_of_the_typst_template(q, tmp_path) -> None:
    _, doc = summary_doc(q, with_previous=True)
    shipped = in_template_order(doc, Path(str(TEMPLATES)) / "summary.typ")
    assert [s.id for s in shipped.sections] == [s.id for s in doc.sections]  # as shipped
    for path in Path(str(TEMPLATES)).iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    typ = tmp_path / "summary.typ"
    typ.write_text(
        typ.read_text()
        .replace('  "method",\n', "")
        .replace("#let order = (\n", '#let order = (\n  "method",\n')
    )
    edited = docx.Document(io.BytesIO(render_docx(doc, template_dir=str(tmp_path))))
    headings = [p.text for p in edited.paragraphs if p.style.name == "Heading 1"]
    method = doc.section("method")
    assert method is not None and headings[0] == method.title
    assert headings[1:] == [s.title for s in doc.sections if s.id != "method"]
