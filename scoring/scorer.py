"""Answers → indicator, area and overall (IMS) scores, gates, level and an explanation.

Pure: no I/O, no Telegram. Every rule, weight, threshold and gate comes from the questionnaire
data. Only relevant answers count; a missing, irrelevant or "n/d" answer scores 0 in its rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.questionnaire.model import (
    ND,
    AgeRule,
    Answers,
    ChoiceRaisedRule,
    ChoiceRule,
    CountRule,
    Gate,
    GovernanceRule,
    GroupsRule,
    MeanRule,
    Questionnaire,
    RatioRule,
    ValueRule,
    YesNoRule,
    band_score,
)


@dataclass(frozen=True)
class IndicatorScore:
    id: str
    label: str
    area: str
    score: float
    questions: tuple[str, ...]  # the question ids its rule reads, for the "why" view
    action: str


@dataclass(frozen=True)
class AreaScore:
    id: str
    label: str
    score: float
    band: str
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class GateResult:
    id: str
    label: str
    passed: bool


@dataclass(frozen=True)
class ScoreResult:
    questionnaire_version: str
    campaign_year: int
    indicators: dict[str, IndicatorScore]
    areas: dict[str, AreaScore]
    ims: float
    level: str
    level_label: str
    gates: tuple[GateResult, ...]
    flags: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "questionnaire_version": self.questionnaire_version,
            "indicators": {k: round(v.score, 1) for k, v in self.indicators.items()},
            "areas": {k: round(v.score, 1) for k, v in self.areas.items()},
            "ims": self.ims,
            "level": self.level,
            "gates": {g.id: g.passed for g in self.gates},
            **{k: v for k, v in self.flags.items()},
        }

    def weakest(self, n: int = 3, *, at_most: float = 50) -> list[IndicatorScore]:
        """The lowest-scoring indicators at or under the threshold, questionnaire order on ties."""
        order = {k: i for i, k in enumerate(self.indicators)}
        low = [i for i in self.indicators.values() if i.score <= at_most]
        return sorted(low, key=lambda i: (i.score, order[i.id]))[:n]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _rule_questions(rule: Any) -> list[str]:
    if isinstance(rule, MeanRule):
        return [q for item in rule.items for q in _rule_questions(item)]
    if isinstance(rule, ValueRule | GroupsRule):
        return list(rule.questions)
    if isinstance(rule, RatioRule):
        return [rule.numerator, rule.denominator]
    if isinstance(rule, GovernanceRule):
        return [rule.question, rule.chair_question]
    if isinstance(rule, ChoiceRaisedRule):
        return [rule.question, rule.when_question]
    return [rule.question]


class _Scorer:
    def __init__(self, questionnaire: Questionnaire, answers: Answers, campaign_year: int) -> None:
        self.q = questionnaire
        self.a = answers
        self.year = campaign_year

    def choice_score(self, question_id: str) -> float:
        value = self.a.get(question_id)
        choice = (
            self.q.question(question_id).choice_map.get(value) if isinstance(value, str) else None
        )
        return choice.score if choice is not None and choice.score is not None else 0.0

    def selected(self, question_id: str) -> list[str]:
        value = self.a.get(question_id)
        if not isinstance(value, list):
            return []
        exclusive = self.q.question(question_id).exclusive_ids
        return [c for c in value if c not in exclusive]

    def score(self, rule: Any) -> float:
        if isinstance(rule, ChoiceRule):
            return self.choice_score(rule.question)
        if isinstance(rule, YesNoRule):
            value = self.a.get(rule.question)
            return rule.yes if value is True else rule.no if value is False else 0.0
        if isinstance(rule, CountRule):
            return band_score(rule.bands, len(self.selected(rule.question)))
        if isinstance(rule, ValueRule):
            values = [v for q in rule.questions if (v := _number(self.a.get(q))) is not None]
            if len(values) < len(rule.questions):
                return 0.0
            return band_score(rule.bands, sum(values))
        if isinstance(rule, GroupsRule):
            present = sum(1 for q in rule.questions if (_number(self.a.get(q)) or 0) >= 1)
            return band_score(rule.bands, present)
        if isinstance(rule, AgeRule):
            year = _number(self.a.get(rule.question))
            return 0.0 if year is None else band_score(rule.bands, self.year - year)
        if isinstance(rule, RatioRule):
            num = _number(self.a.get(rule.numerator))
            if num is None:
                return 0.0
            den = max(_number(self.a.get(rule.denominator)) or 0.0, 1.0)
            return band_score(rule.bands, num / den * 100)
        if isinstance(rule, GovernanceRule):
            return self.governance(rule)
        if isinstance(rule, ChoiceRaisedRule):
            base = self.choice_score(rule.question)
            extra = _number(self.a.get(rule.when_question))
            raised = (
                self.a.get(rule.question) == rule.raise_choice and (extra or 0) >= rule.when_min
            )
            return rule.score if raised else base
        if isinstance(rule, MeanRule):
            return sum(self.score(item) for item in rule.items) / len(rule.items)
        raise TypeError(f"unknown rule {rule!r}")

    def governance(self, rule: GovernanceRule) -> float:
        chosen = self.a.get(rule.question)
        if not isinstance(chosen, list) or not chosen or rule.none in chosen:
            return rule.score_none
        if rule.informal in chosen:
            return rule.score_informal
        bodies = [b for b in rule.bodies if b in chosen]
        if not bodies:
            return rule.score_charter_only if rule.charter in chosen else rule.score_none
        if len(bodies) >= 2 and rule.board in bodies:
            full = rule.charter in chosen and self.a.get(rule.chair_question) is True
            return rule.score_full if full else rule.score_board
        return rule.score_one_body if len(bodies) == 1 else rule.score_without_board


def score_answers(
    questionnaire: Questionnaire, answers: Answers, campaign_year: int
) -> ScoreResult:
    """Score an answer set; irrelevant answers are ignored, so the caller need not clean them."""
    relevant = questionnaire.relevant_answers(answers)
    scorer = _Scorer(questionnaire, relevant, campaign_year)

    indicators: dict[str, IndicatorScore] = {}
    areas: dict[str, AreaScore] = {}
    for area in questionnaire.areas:
        scored = tuple(
            IndicatorScore(
                id=ind.id,
                label=ind.label,
                area=area.id,
                score=float(scorer.score(ind.rule)),
                questions=tuple(dict.fromkeys(_rule_questions(ind.rule))),
                action=ind.action,
            )
            for ind in area.indicators
        )
        weights = [ind.weight for ind in area.indicators]
        area_score = sum(s.score * w for s, w in zip(scored, weights, strict=True)) / sum(weights)
        for s in scored:
            indicators[s.id] = s
        areas[area.id] = AreaScore(
            area.id, area.label, area_score, questionnaire.area_band(area_score), scored
        )

    total_weight = sum(a.weight for a in questionnaire.areas)
    # The level is decided on the IMS as shown (one decimal) so the figure and the level agree.
    ims = round(sum(areas[a.id].score * a.weight for a in questionnaire.areas) / total_weight, 1)

    flags: dict[str, bool] = {}
    for flag in questionnaire.flags:
        year = _number(relevant.get(flag.question))
        flags[flag.id] = year is not None and campaign_year - year <= flag.max_age

    def passed(gate: Gate) -> bool:
        if gate.flag is not None:
            return flags.get(gate.flag, False)
        # Gate._shape: a gate without a flag always names an indicator and its min.
        return (
            gate.indicator is not None
            and gate.min is not None
            and indicators[gate.indicator].score >= gate.min
        )

    gates = tuple(GateResult(gate.id, gate.label, passed(gate)) for gate in questionnaire.gates)
    all_gates = all(g.passed for g in gates)
    level = next(
        lv
        for lv in reversed(questionnaire.levels)
        if ims >= lv.min_ims and (all_gates or not lv.requires_gates)
    )
    return ScoreResult(
        questionnaire_version=questionnaire.version,
        campaign_year=campaign_year,
        indicators=indicators,
        areas=areas,
        ims=ims,
        level=level.id,
        level_label=level.label,
        gates=gates,
        flags=flags,
    )


__all__ = ["ND", "AreaScore", "GateResult", "IndicatorScore", "ScoreResult", "score_answers"]
