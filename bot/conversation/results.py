"""The result builder: a score result → what a manager reads and sees (texts and chart spec).

Pure: the bot, the CLI and the demo all use it. Texts are HTML (Telegram's parse mode) and come
from :mod:`bot.texts`; user-provided names are escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape, unescape
from typing import Any

from bot import texts
from bot.documents.levels import held_back
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire, Value
from bot.questionnaire.parsing import format_number
from bot.texts import charts as ctexts
from charts import Band, RadarSpec, Series
from scoring import AreaScore, GateResult, IndicatorScore, ScoreResult

MIN_GROUP = 5  # a mean of fewer clusters would reveal individual clusters


@dataclass(frozen=True)
class Overlays:
    """Comparisons drawn on the radar; each is area id → score."""

    national: Mapping[str, float] | None = None
    national_n: int = 0
    sector: Mapping[str, float] | None = None
    sector_label: str | None = None
    sector_n: int = 0
    previous: Mapping[str, float] | None = None
    previous_label: str | None = None


def score_text(value: float) -> str:
    return format_number(round(value, 1), 0 if float(round(value, 1)).is_integer() else 1)


def ims_text(value: float) -> str:
    """The IMS always with one decimal, as the level is decided on that figure."""
    return format_number(value, 1)


def caption(result: ScoreResult, cluster_name: str, campaign_id: str) -> str:
    """The photo caption: IMS, level and the eight areas with their band (< 1024 chars)."""
    lines = [
        texts.RESULT_TITLE.format(name=escape(cluster_name), campaign=escape(campaign_id)),
        texts.RESULT_IMS.format(ims=ims_text(result.ims), level=result.level_label),
        "",
    ]
    for area in result.areas.values():
        lines.append(
            texts.RESULT_AREA_LINE.format(
                label=area.label, score=score_text(area.score), band=area.band
            )
        )
    failed = [g for g in result.gates if not g.passed]
    if result.level != "consolidado" and result.ims >= 70 and failed:
        lines += ["", texts.RESULT_GATES_MISSING.format(gates="; ".join(g.label for g in failed))]
    return "\n".join(lines)


def plain_text(result: ScoreResult, cluster_name: str, campaign_id: str) -> str:
    """The result for a terminal: the caption without HTML, then the gates."""
    lines = [re.sub(r"</?b>", "", caption(result, cluster_name, campaign_id)), ""]
    for gate in result.gates:
        lines.append(texts.PLAIN_GATE.format(mark="✔" if gate.passed else "✘", label=gate.label))
    return unescape("\n".join(lines))


def advice(result: ScoreResult, n: int = 3) -> str:
    """The weakest indicators with their recommended actions."""
    weakest = result.weakest(n)
    if not weakest:
        return f"{texts.RESULT_NO_WEAK}\n\n{texts.RESULT_WHY_PROMPT}"
    items = [
        texts.RESULT_WEAK_ITEM.format(
            area=result.areas[w.area].label,
            label=w.label,
            score=score_text(w.score),
            action=w.action,
        )
        for w in weakest
    ]
    return "\n\n".join([texts.RESULT_WEAK_INTRO, *items, texts.RESULT_WHY_PROMPT])


def explanation(
    questionnaire: Questionnaire,
    result: ScoreResult,
    answers: Mapping[str, Value],
    area_id: str,
) -> str:
    """Why an area scored what it did: each indicator's answers and points."""
    engine = Engine(questionnaire, result.campaign_year)
    area = result.areas[area_id]
    kept = questionnaire.relevant_answers(answers)
    lines = [texts.WHY_TITLE.format(label=area.label, score=score_text(area.score), band=area.band)]
    for ind in area.indicators:
        lines += ["", texts.WHY_INDICATOR.format(label=ind.label, score=score_text(ind.score))]
        for qid in ind.questions:
            question = questionnaire.question(qid)
            shown = engine.display(question, kept.get(qid))
            if qid not in kept and not questionnaire.is_relevant(question, kept):
                shown = texts.WHY_NOT_APPLICABLE
            lines.append(
                texts.WHY_ANSWER.format(
                    question=escape(engine.short(question)), value=escape(shown)
                )
            )
    return "\n".join(lines)


def radar_spec(
    questionnaire: Questionnaire,
    result: ScoreResult,
    cluster_name: str,
    campaign_id: str,
    overlays: Overlays | None = None,
) -> RadarSpec:
    overlays = overlays or Overlays()
    ids = [a.id for a in questionnaire.areas]
    series = [
        Series(texts.CHART_OWN, tuple(round(result.areas[i].score, 1) for i in ids), "cluster")
    ]
    notes = []
    if overlays.national is not None and overlays.national_n >= MIN_GROUP:
        series.append(
            Series(
                texts.CHART_NATIONAL.format(n=overlays.national_n),
                tuple(round(overlays.national[i], 1) for i in ids),
                "national",
            )
        )
    if overlays.sector is not None and overlays.sector_n >= MIN_GROUP:
        series.append(
            Series(
                texts.CHART_SECTOR.format(sector=overlays.sector_label, n=overlays.sector_n),
                tuple(round(overlays.sector[i], 1) for i in ids),
                "sector",
            )
        )
    elif overlays.sector_label:  # the footnote says only what is hidden (i14)
        notes.append(ctexts.SECTOR_HIDDEN.format(sector=overlays.sector_label, k=MIN_GROUP))
    if overlays.national is not None and overlays.national_n < MIN_GROUP:
        notes.append(ctexts.NATIONAL_HIDDEN.format(k=MIN_GROUP))
    if overlays.previous is not None:
        series.append(
            Series(
                texts.CHART_PREVIOUS.format(campaign=overlays.previous_label),
                tuple(round(overlays.previous.get(i, 0.0), 1) for i in ids),
                "previous",
            )
        )
    levels = questionnaire.levels
    bands = tuple(
        Band(lv.min_ims, levels[k + 1].min_ims if k + 1 < len(levels) else 100, lv.label)
        for k, lv in enumerate(levels)
    )
    return RadarSpec(
        title=cluster_name,
        subtitle=texts.CHART_SUBTITLE.format(
            campaign=campaign_id, ims=ims_text(result.ims), level=result.level_label
        ),
        axes=tuple(a.label for a in questionnaire.areas),
        series=tuple(series),
        bands=bands,
        footnote=" ".join(notes) or None,
        alert=held_back(questionnaire, result),
        band_title=ctexts.BAND_TITLE_LEVELS,
    )


def group_means(
    rows: Sequence[tuple[str, str, Mapping[str, float]]], area_ids: Sequence[str]
) -> tuple[dict[str, float], int, dict[str, tuple[dict[str, float], int]]]:
    """National and per-sector means of area scores: (national, n, {sector: (means, n)})."""

    def mean(group: list[Mapping[str, float]]) -> dict[str, float]:
        return {a: sum(g.get(a, 0.0) for g in group) / len(group) for a in area_ids}

    by_sector: dict[str, list[Mapping[str, float]]] = {}
    for _, sector, areas in rows:
        by_sector.setdefault(sector, []).append(areas)
    everyone = [areas for _, _, areas in rows]
    national = mean(everyone) if everyone else {}
    return national, len(everyone), {s: (mean(g), len(g)) for s, g in by_sector.items()}


def rebuild(q: Questionnaire, scores: Mapping[str, Any], year: int) -> ScoreResult:
    """A stored result's figures as a ScoreResult, without re-scoring old answers."""
    level = next((lv for lv in q.levels if lv.id == scores["level"]), q.levels[0])
    indicators = {}
    areas = {}
    for area in q.areas:
        inds = tuple(
            IndicatorScore(
                i.id, i.label, area.id, scores["indicators"].get(i.id, 0.0), (), i.action
            )
            for i in area.indicators
        )
        indicators.update({i.id: i for i in inds})
        score = scores["areas"].get(area.id, 0.0)
        areas[area.id] = AreaScore(area.id, area.label, score, q.area_band(score), inds)
    gates = tuple(
        GateResult(g.id, g.label, bool(scores.get("gates", {}).get(g.id))) for g in q.gates
    )
    return ScoreResult(
        scores["questionnaire_version"],
        year,
        indicators,
        areas,
        scores["ims"],
        level.id,
        level.label,
        gates,
    )
