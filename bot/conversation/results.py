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
from bot.questionnaire.model import (
    AgeRule,
    ChoiceRaisedRule,
    ChoiceRule,
    CountRule,
    GovernanceRule,
    GroupsRule,
    Questionnaire,
    RatioRule,
    Value,
    ValueRule,
    YesNoRule,
)
from bot.questionnaire.model import Band as ScoreBand
from bot.questionnaire.parsing import format_number
from bot.texts import charts as ctexts
from charts import Band, RadarSpec, Series
from scoring import AreaScore, GateResult, IndicatorScore, ScoreResult
from scoring.explain import Explanation, Part, explain

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
    """Why an area scored what it did: per indicator, its rule in one line, where the answers
    fall and what would reach the next band (``scoring/explain.py``, checked by the scorer)."""
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
        indicator = next(i for i in questionnaire.indicators if i.id == ind.id)
        lines += why_lines(
            engine, explain(questionnaire, indicator, kept, result.campaign_year), kept
        )
    return "\n".join(lines)


def why_lines(engine: Engine, why: Explanation, answers: Mapping[str, Value]) -> list[str]:
    """The rule of each part, where the answer falls, and the next band, in Spanish."""
    mean = len(why.parts) > 1
    out = [texts.WHY_MEAN.format(n=len(why.parts))] if mean else []
    for part in why.parts:
        bands = _bands(engine, part)
        what = _what(engine, part.rule)
        rule = (
            texts.WHY_RULE.format(what=what, bands=bands)
            if bands
            else texts.WHY_RULE_ALONE.format(what=what)
        )
        falls = ""
        if isinstance(part.measured, int | float) and not isinstance(part.measured, bool):
            percent = isinstance(part.rule, RatioRule) or _is_percent(engine, part.rule)
            value = score_text(part.measured) + ("%" if percent else "")
            falls = " " + texts.WHY_FALLS.format(value=value, score=score_text(part.score))
        if part.changes is None or part.reaches is None:
            nxt = texts.WHY_TOP if part.score >= _top(part.rule) else ""
        else:
            key = texts.WHY_NEXT_MEAN if mean else texts.WHY_NEXT
            changes = _changes(engine, part.changes, answers)
            nxt = key.format(
                changes=changes[:1].upper() + changes[1:], score=score_text(part.reaches)
            )
        text = " ".join(t for t in (rule + falls.rstrip(), nxt) if t)
        out.append(texts.WHY_ITEM.format(text=text) if mean else text)
    return out


def _short(engine: Engine, qid: str) -> str:
    return escape(engine.short(engine.q.question(qid)))


def _is_percent(engine: Engine, rule: object) -> bool:
    return isinstance(rule, ValueRule) and all(
        engine.q.question(x).type == "percent" for x in rule.questions
    )


def _top(rule: object) -> float:
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule | YesNoRule | GovernanceRule):
        return 100.0
    bands = getattr(rule, "bands", None)
    return max(b.score for b in bands) if bands else 100.0


def _what(engine: Engine, rule: object) -> str:
    if isinstance(rule, ValueRule):
        shown = " + ".join(_short(engine, x) for x in rule.questions)
        return shown[:1].lower() + shown[1:]
    if isinstance(rule, CountRule):
        return texts.WHY_WHAT_COUNT.format(question=_short(engine, rule.question))
    if isinstance(rule, GroupsRule):
        names = ", ".join(f"«{_short(engine, x)}»" for x in rule.questions)
        return texts.WHY_WHAT_GROUPS.format(questions=names)
    if isinstance(rule, RatioRule):
        return texts.WHY_WHAT_RATIO.format(
            numerator=_short(engine, rule.numerator), denominator=_short(engine, rule.denominator)
        )
    if isinstance(rule, AgeRule):
        return texts.WHY_WHAT_AGE.format(question=_short(engine, rule.question))
    if isinstance(rule, GovernanceRule):
        return texts.WHY_WHAT_GOVERNANCE.format(
            none=score_text(rule.score_none),
            informal=score_text(rule.score_informal),
            charter=score_text(rule.score_charter_only),
            one=score_text(rule.score_one_body),
            without=score_text(rule.score_without_board),
            board=score_text(rule.score_board),
            full=score_text(rule.score_full),
        )
    assert isinstance(rule, ChoiceRule | ChoiceRaisedRule | YesNoRule)
    return texts.WHY_WHAT_CHOICE.format(question=_short(engine, rule.question))


def _bands(engine: Engine, part: Part) -> str:
    rule = part.rule
    join = texts.WHY_BANDS_JOIN
    if isinstance(rule, GovernanceRule):
        return ""
    if isinstance(rule, YesNoRule):
        return join.join(
            texts.WHY_BAND.format(range=texts.YES_NO_LABELS[v], score=score_text(s))
            for v, s in ((True, rule.yes), (False, rule.no))
        )
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule):
        question = engine.q.question(rule.question)
        out = [
            texts.WHY_BAND.format(range=escape(c.button_label), score=score_text(c.score or 0))
            for c in question.choices
        ]
        if isinstance(rule, ChoiceRaisedRule):
            raised = texts.WHY_WHAT_RAISED.format(
                choice=escape(question.choice_map[rule.raise_choice].button_label),
                n=score_text(rule.when_min),
                question=_short(engine, rule.when_question),
                score=score_text(rule.score),
            )
            out.append(raised)
        return join.join(out)
    whole = isinstance(rule, CountRule | GroupsRule | AgeRule) or (
        isinstance(rule, ValueRule)
        and all(engine.q.question(x).type == "integer" for x in rule.questions)
    )
    unit = "%" if isinstance(rule, RatioRule) or _is_percent(engine, rule) else ""
    out = []
    previous: ScoreBand | None = None
    for band in rule.bands:
        if whole:
            lo = 0 if previous is None else _next_whole(previous)
            hi = (
                None
                if band.bound is None
                else (band.bound if band.upto is not None else band.bound - 1)
            )
            if hi is None:
                shown = texts.WHY_RANGE_UP.format(a=_n(lo))
            elif lo == hi:
                shown = texts.WHY_RANGE_ONE.format(a=_n(hi))
            else:
                shown = texts.WHY_RANGE.format(a=_n(lo), b=_n(hi))
        elif band.bound is None:
            assert previous is not None and previous.bound is not None
            edge = _n(previous.bound) + unit
            shown = (
                texts.WHY_RANGE_ABOVE.format(a=edge)
                if previous.upto is not None
                else texts.WHY_RANGE_UP.format(a=edge)
            )
        elif band.upto is not None and (previous is None and band.upto == 0):
            shown = texts.WHY_RANGE_ONE.format(a=_n(0) + unit)
        elif band.upto is not None:
            shown = texts.WHY_RANGE_UPTO.format(b=_n(band.upto) + unit)
        else:
            shown = texts.WHY_RANGE_BELOW.format(b=_n(band.bound) + unit)
        out.append(texts.WHY_BAND.format(range=shown, score=score_text(band.score)))
        previous = band
    return join.join(out)


def _next_whole(band: ScoreBand) -> float:
    assert band.bound is not None
    return band.bound + 1 if band.upto is not None else band.bound


def _n(x: float) -> str:
    return score_text(x)


def _changes(engine: Engine, changes: Mapping[str, Value], answers: Mapping[str, Value]) -> str:
    out = []
    for qid, value in changes.items():
        question = engine.q.question(qid)
        short = engine.short(question)
        if question.type == "multi" and isinstance(value, list):
            had = answers.get(qid)
            before = set(had) if isinstance(had, list) else set()
            names = [question.choice_map[c].button_label for c in value if c not in before]
            if not names:
                continue
            out.append(texts.WHY_CHANGE_MARKS.format(choices=_marks(names)))
        elif question.type == "yesno":
            out.append(texts.WHY_CHANGE_YES.format(question=escape(short)))
        elif question.type == "year" and isinstance(value, int):
            out.append(texts.WHY_CHANGE_YEAR.format(question=escape(short), year=value))
        elif isinstance(value, str) and value in question.choice_map:
            choice = question.choice_map[value].button_label
            out.append(texts.WHY_CHANGE_CHOICE.format(choice=escape(choice)))
        elif question.type == "integer" and value != 1:
            out.append(
                f"con {engine.display(question, value)} {escape(short[:1].lower() + short[1:])}"
            )
        else:
            shown = engine.display(question, value)
            out.append(texts.WHY_CHANGE_NUMBER.format(value=escape(shown), question=escape(short)))
    return texts.WHY_CHANGE_JOIN.join(out)


def _marks(names: Sequence[str]) -> str:
    quoted = [f"«{escape(n)}»" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " y " + quoted[-1]


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
    sectors: Mapping[str, tuple[Mapping[str, float], int]], area_ids: Sequence[str]
) -> tuple[dict[str, float], int]:
    """The national mean of area scores from the sectors' means and sizes: (means, n)."""
    n = sum(size for _, size in sectors.values())
    if n == 0:
        return {}, 0
    national = {
        a: sum(means.get(a, 0.0) * size for means, size in sectors.values()) / n for a in area_ids
    }
    return national, n


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
