"""Why an indicator scored what it did, as facts taken from its rule and checked by the scorer.

For each rule (each item of a mean): what it measures on the answers, the score, its bands, and
the smallest change of the answers that reaches the next higher score. A change is only offered
once the scorer gives that score on the changed answers (as ``score_answers`` does), so the explanation
can never disagree with the scoring. Pure; the Spanish wording is ``bot/conversation/results.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.model import (
    AgeRule,
    ChoiceRaisedRule,
    ChoiceRule,
    CountRule,
    GovernanceRule,
    GroupsRule,
    Indicator,
    MeanRule,
    Questionnaire,
    RatioRule,
    Value,
    ValueRule,
    YesNoRule,
)
from scoring.scorer import _Scorer

YEAR_MIN = 1990


@dataclass(frozen=True)
class Part:
    rule: Any  # the rule (or the mean's item) this part explains
    measured: float | str | bool | None  # what the rule reads: a count, a %, an age, a choice…
    score: float
    # The smallest change that reaches a higher score: answers to set, and the indicator's score
    # with them (checked by the scorer). None at the top, or when no single change gets there.
    changes: Mapping[str, Value] | None = None
    reaches: float | None = None


@dataclass(frozen=True)
class Explanation:
    indicator: Indicator
    score: float
    parts: tuple[Part, ...]


def explain(
    q: Questionnaire, indicator: Indicator, answers: Mapping[str, Value], year: int
) -> Explanation:
    kept = q.relevant_answers(answers)
    scorer = _Scorer(q, kept, year)
    rules = indicator.rule.items if isinstance(indicator.rule, MeanRule) else [indicator.rule]
    score = float(scorer.score(indicator.rule))  # as score_answers does, on relevant answers
    parts = []
    for rule in rules:
        own = scorer.score(rule)
        changes, reaches = _next(q, indicator, rule, kept, year, score, own)
        parts.append(Part(rule, _measured(q, rule, kept, year), own, changes, reaches))
    return Explanation(indicator, score, tuple(parts))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _measured(
    q: Questionnaire, rule: Any, a: Mapping[str, Value], year: int
) -> float | str | bool | None:
    scorer = _Scorer(q, a, year)
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule | GovernanceRule | YesNoRule):
        value = a.get(rule.question)
        return value if isinstance(value, str | bool) else None
    if isinstance(rule, CountRule):
        return len(scorer.selected(rule.question))
    if isinstance(rule, ValueRule):
        values = [_number(a.get(x)) for x in rule.questions]
        return None if None in values else sum(v for v in values if v is not None)
    if isinstance(rule, GroupsRule):
        return sum(1 for x in rule.questions if (_number(a.get(x)) or 0) >= 1)
    if isinstance(rule, AgeRule):
        answered = _number(a.get(rule.question))
        return None if answered is None else year - answered
    if isinstance(rule, RatioRule):
        num = _number(a.get(rule.numerator))
        den = max(_number(a.get(rule.denominator)) or 0.0, 1.0)
        return None if num is None else num / den * 100
    return None


def _next(
    q: Questionnaire,
    indicator: Indicator,
    rule: Any,
    a: dict[str, Value],
    year: int,
    score: float,
    own: float,
) -> tuple[Mapping[str, Value] | None, float | None]:
    """The first candidate change (smallest first) that raises this part's score, with the
    indicator's score it gives: both read from the scorer on the changed answers."""
    for changes in _candidates(q, rule, a, year, own):
        changed = {**a, **changes}
        if changes and _Scorer(q, changed, year).score(rule) > own:
            relevant = q.relevant_answers(changed)
            reaches = float(_Scorer(q, relevant, year).score(indicator.rule))
            return (changes, reaches) if reaches > score else (None, None)
    return None, None


def _candidates(
    q: Questionnaire, rule: Any, a: Mapping[str, Value], year: int, own: float
) -> Iterator[dict[str, Value]]:
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule):
        question = q.question(rule.question)
        better = sorted(
            (c for c in question.choices if c.score is not None and c.score > own),
            key=lambda c: c.score or 0,
        )
        if isinstance(rule, ChoiceRaisedRule) and a.get(rule.question) == rule.raise_choice:
            yield {rule.when_question: math.ceil(rule.when_min)}
        for choice in better:
            yield {rule.question: choice.id}
        if isinstance(rule, ChoiceRaisedRule):
            yield {rule.question: rule.raise_choice, rule.when_question: math.ceil(rule.when_min)}
    elif isinstance(rule, YesNoRule):
        yield {rule.question: rule.yes > rule.no}
    elif isinstance(rule, CountRule):
        question = q.question(rule.question)
        chosen = [c for c in _Scorer(q, a, year).selected(rule.question)]
        free = [c.id for c in question.choices if not c.exclusive and c.id not in chosen]
        for extra in range(1, len(free) + 1):
            yield {rule.question: [*chosen, *free[:extra]]}
    elif isinstance(rule, GovernanceRule):
        yield from _governance(rule, a)
    elif isinstance(rule, AgeRule):
        answered = _number(a.get(rule.question))
        first = int(answered) + 1 if answered is not None else YEAR_MIN
        for updated in range(first, year + 1):  # the closest year that scores more
            yield {rule.question: updated}
    elif isinstance(rule, ValueRule | GroupsRule | RatioRule):
        yield from _numbers(q, rule, a)


def _numbers(q: Questionnaire, rule: Any, a: Mapping[str, Value]) -> Iterator[dict[str, Value]]:
    """One question's number set to where a band with a higher score starts, nearest first."""
    if isinstance(rule, GroupsRule):
        missing = [x for x in rule.questions if (_number(a.get(x)) or 0) < 1]
        if missing:
            yield {missing[0]: 1}
        return
    qid = rule.numerator if isinstance(rule, RatioRule) else rule.questions[0]
    question = q.question(qid)
    if isinstance(rule, RatioRule):
        scale = max(_number(a.get(rule.denominator)) or 0.0, 1.0) / 100  # % → numerator
        offset = 0.0
    else:
        others = [_number(a.get(x)) for x in rule.questions if x != qid]
        if None in others:
            return  # another question of the sum is not given: no single change gets there
        scale, offset = 1.0, sum(o for o in others if o is not None)
    start = _number(a.get(qid))
    edges = {0.0} | {b.bound for b in rule.bands if b.bound is not None}
    wanted = sorted({v for e in edges for v in (math.ceil(e * scale), math.floor(e * scale) + 1)})
    top = float(question.max) if question.max is not None else math.inf
    for value in wanted:
        value = int(value - offset)
        if (start is None or value > start) and 0 <= value <= top:
            yield {qid: value}


def _governance(rule: GovernanceRule, a: Mapping[str, Value]) -> Iterator[dict[str, Value]]:
    """Marks added one at a time, as the rule's steps go: a body, the board, a second body,
    the written charter, then a business chair."""
    chosen = a.get(rule.question)
    marks = (
        [c for c in chosen if c not in (rule.none, rule.informal)]
        if isinstance(chosen, list)
        else []
    )
    others = [b for b in rule.bodies if b != rule.board and b not in marks]
    steps = [*([others[0]] if not any(b in marks for b in rule.bodies) and others else [])]
    steps += [rule.board] if rule.board not in marks else []
    if len([b for b in rule.bodies if b in marks or b in steps]) < 2 and others:
        steps += [o for o in others if o not in steps][:1]
    steps += [rule.charter] if rule.charter not in marks else []
    current = list(marks)
    for mark in steps:
        current = [*current, mark]
        yield {rule.question: list(current)}
    yield {rule.question: list(current), rule.chair_question: True}


__all__ = ["Explanation", "Part", "explain"]
