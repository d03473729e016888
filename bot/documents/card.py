"""A cluster's report card (informe para la junta directiva) as a document.

Pure. Its figures are the cluster's stored result (IMS, level, gates, area and indicator
scores), its answers, its previous campaign's area scores and its sector's medians of the
performance figures (:func:`peer_medians`, shown only from :data:`MIN_GROUP` clusters on, as the
radar's sector mean). The radar is the chat's own spec (``results.radar_spec``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.documents.levels import held_back, next_level
from bot.documents.model import Block, Bullets, Callout, Document, Figure, Paragraph, Section, Table
from bot.documents.summary import date_text, one, pct
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import ND, Questionnaire, Value
from bot.questionnaire.parsing import format_cop_words, format_number
from bot.reports.summary import num_text
from bot.texts import documents as D
from charts import RadarSpec
from scoring import ScoreResult

MIN_GROUP = 5
GROWTH = {"ventas_crecimiento": ("ventas_anio_actual", "ventas_anio_anterior"),
          "empleo_crecimiento": ("empleo_anio_actual", "empleo_anio_anterior")}  # fmt: skip
# The rows of the performance table, in order; a "crecimiento" row is derived from two answers.
PERFORMANCE = (
    "empresas_vinculadas",
    "ventas_anio_actual",
    "ventas_crecimiento",
    "empleo_anio_actual",
    "empleo_crecimiento",
    "ventas_pct_local",
    "ventas_pct_nacional",
    "ventas_pct_exportacion",
    "empresas_micro",
    "empresas_pequenas",
    "empresas_medianas",
    "empresas_grandes",
)
# The answers the table reads, for the storage query of the peers.
PERFORMANCE_ANSWERS: tuple[str, ...] = tuple(q for k in PERFORMANCE for q in GROWTH.get(k, (k,)))
_MONEY = {"ventas_anio_actual"}
_PERCENT = {"ventas_pct_local", "ventas_pct_nacional", "ventas_pct_exportacion"}


@dataclass(frozen=True)
class ClusterFacts:
    cluster_id: str
    name: str
    department: str
    sector: str  # its label
    manager: str  # the managing entity


def _number(value: object) -> float | None:
    if type(value) in (int, float):
        return float(value)  # type: ignore[arg-type]
    return None


def performance_values(answers: Mapping[str, Value]) -> dict[str, float]:
    """The performance figures of one cluster's answers (n/d and gaps left out)."""
    out: dict[str, float] = {}
    for key in PERFORMANCE:
        if key in GROWTH:
            now, before = (_number(answers.get(k)) for k in GROWTH[key])
            if now is not None and before:
                out[key] = (now - before) / before * 100
        elif (v := _number(answers.get(key))) is not None:
            out[key] = v
    return out


def peer_medians(peers: Sequence[Mapping[str, Value]]) -> tuple[dict[str, float], int]:
    """Each performance figure's median over the ``peers``' answers, where at least
    :data:`MIN_GROUP` of them gave it; and how many peers there are."""
    values: dict[str, list[float]] = {}
    for answers in peers:
        for k, v in performance_values(answers).items():
            values.setdefault(k, []).append(v)
    medians = {k: statistics.median(v) for k, v in values.items() if len(v) >= MIN_GROUP}
    return medians, len(peers)


def _figure(key: str, value: float | None) -> str:
    if value is None:
        return D.DASH
    if key in _MONEY:
        return format_cop_words(Decimal(round(value)))
    if key in _PERCENT or key in GROWTH:
        return pct(float(Decimal(repr(value)).quantize(Decimal("0.1"))))
    return format_number(round(value))


def _points(change: float) -> str:
    value = num_text(abs(round(change, 1)))
    if round(change, 1) == 0:
        return D.POINTS_SAME
    return (D.POINTS_UP if change > 0 else D.POINTS_DOWN).format(value=value)


def _overview(q: Questionnaire, result: ScoreResult) -> list[Block]:
    blocks: list[Block] = [
        Callout(D.OVERVIEW.format(ims=format_number(result.ims, 1), level=result.level_label)),
        Figure("radar", D.FIG_RADAR, 82),
    ]
    up = next_level(q, result)
    if up is None:
        blocks.append(Paragraph(D.AT_TOP))
    else:
        gates = "; ".join(g.label.lower() for g in up.gates)
        if up.points > 0 and not up.level.requires_gates:
            blocks.append(Paragraph(D.NEXT_TO_INTERMEDIO.format(points=num_text(up.points))))
        elif up.points > 0:
            points = D.NEXT_TO_CONSOLIDADO_POINTS.format(points=num_text(up.points))
            text = D.NEXT_AND_GATES if up.gates else D.NEXT_POINTS_ONLY
            blocks.append(Paragraph(text.format(points=points, gates=gates)))
        elif (alert := held_back(q, result)) is not None:
            blocks.append(Paragraph(alert + "."))
    if result.gates:
        rows = tuple((g.label, D.GATE_YES if g.passed else D.GATE_NO) for g in result.gates)
        blocks.append(Table(D.GATES_HEADER, rows, widths=(4.0, 1.0)))
    return blocks


def _areas(
    q: Questionnaire, result: ScoreResult, previous: tuple[str, Mapping[str, float]] | None
) -> list[Block]:
    rows = []
    for area in q.areas:
        score = result.areas[area.id]
        row: tuple[str, ...] = (area.label, one(score.score), score.band)
        if previous is not None:
            before = previous[1].get(area.id)
            row += (D.DASH if before is None else _points(score.score - before),)
        rows.append(row)
    if previous is None:
        return [
            Table(
                D.AREAS_HEADER_NO_PREVIOUS,
                tuple(rows),
                widths=(3.0, 1.0, 1.4),
                align="lrl",
                note=D.AREAS_NOTE_NO_PREVIOUS,
            ),
            Paragraph(D.NO_PREVIOUS, "note"),
        ]
    return [
        Table(
            D.AREAS_HEADER,
            tuple(rows),
            widths=(3.0, 1.0, 1.4, 1.0),
            align="lrlr",
            note=D.AREAS_NOTE.format(previous=previous[0]),
        ),
    ]


def _weakest(result: ScoreResult) -> list[Block]:
    weak = result.weakest(5)
    if not weak:
        return [Paragraph(D.NO_WEAKEST)]
    items = tuple(
        D.WEAKEST_ITEM.format(
            indicator=w.label,
            area=result.areas[w.area].label,
            score=num_text(round(w.score, 1)),
            action=w.action,
        )
        for w in weak
    )
    return [Bullets(items, D.WEAKEST_INTRO)]


def _performance(
    answers: Mapping[str, Value],
    year: int,
    medians: Mapping[str, float] | None,
    peers: int,
    sector: str,
) -> list[Block]:
    own = performance_values(answers)
    rows = []
    for key in PERFORMANCE:
        label = D.PERF_ROWS[key].format(year=year)
        row: tuple[str, ...] = (label, _figure(key, own.get(key)))
        if medians is not None:
            row += (_figure(key, medians.get(key)),)
        rows.append(row)
    if medians is None:
        return [
            Table(D.PERF_HEADER_NO_PEERS, tuple(rows), widths=(3.0, 2.0)),
            Paragraph(D.PEERS_HIDDEN.format(sector=sector, n=peers, k=MIN_GROUP), "note"),
        ]
    header = (*D.PERF_HEADER[:2], D.PERF_HEADER[2].format(n=format_number(peers)))
    return [Table(header, tuple(rows), widths=(3.0, 2.0, 2.0))]


def _answers(q: Questionnaire, answers: Mapping[str, Value], year: int) -> list[Block]:
    engine = Engine(q, year)
    kept = q.relevant_answers(answers)
    blocks: list[Block] = []
    for section in q.sections:
        rows = []
        for question in section.questions:
            if question.id in kept:
                shown = engine.display(question, kept[question.id])
            elif not q.is_relevant(question, kept):
                shown = D.NOT_APPLICABLE
            else:
                shown = D.NOT_ANSWERED
            rows.append((engine.short(question), "No disponible" if shown == ND else shown))
        if rows:
            blocks += [
                Paragraph(section.label, "heading"),
                Table(D.ANSWERS_HEADER, tuple(rows), widths=(3.0, 2.2), align="ll"),
            ]
    return blocks


def card_document(
    q: Questionnaire,
    result: ScoreResult,
    cluster: ClusterFacts,
    campaign_id: str,
    radar: RadarSpec,
    answers: Mapping[str, Value],
    previous: tuple[str, Mapping[str, float]] | None,
    peers: Sequence[Mapping[str, Value]],
    today: date,
) -> Document:
    """The report card; ``peers``: the answers of the sector's respondents (the cluster too)."""
    medians, n = peer_medians(peers)
    sections = (
        Section("overview", D.S_OVERVIEW, tuple(_overview(q, result))),
        Section("areas", D.S_CARD_AREAS, tuple(_areas(q, result, previous))),
        Section("weakest", D.S_WEAKEST, tuple(_weakest(result))),
        Section(
            "performance",
            D.S_CARD_PERFORMANCE,
            tuple(
                _performance(
                    answers,
                    result.campaign_year,
                    medians if n >= MIN_GROUP else None,
                    n,
                    cluster.sector,
                )
            ),
        ),
        Section("answers", D.S_ANSWERS, tuple(_answers(q, answers, result.campaign_year))),
    )
    return Document(
        kind="card",
        title=D.CARD_TITLE.format(name=cluster.name),
        subtitle=D.CARD_SUBTITLE.format(campaign=campaign_id),
        date=D.GENERATED.format(date=date_text(today)),
        filename=D.CARD_FILENAME.format(cluster=cluster.cluster_id, campaign=campaign_id),
        cover=(
            D.CARD_COVER.format(
                department=cluster.department, sector=cluster.sector, manager=cluster.manager
            ),
            D.GENERATED.format(date=date_text(today)),
        ),
        sections=sections,
        charts=(("radar", radar),),
        page_label=D.PAGE,
    )


def card_caption(result: ScoreResult, cluster: ClusterFacts, campaign_id: str) -> str:
    return D.CARD_CAPTION.format(
        name=cluster.name,
        campaign=campaign_id,
        ims=format_number(result.ims, 1),
        level=result.level_label,
    )
