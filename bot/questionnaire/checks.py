"""Cross-reference checks of the questionnaire: what pydantic cannot see in one element alone.

A rule naming a question or a choice that does not exist, a duplicate id, a consistency message
with an unknown placeholder...: :func:`cross_check` returns every problem with the path of the
element at fault (the loader turns the path into a line of the YAML file).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from bot.questionnaire.model import (
    CALLBACK_BUDGET,
    CHOICE_TYPES,
    ND,
    NUMERIC_TYPES,
    AgeRule,
    ChoiceRaisedRule,
    ChoiceRule,
    CountRule,
    GovernanceRule,
    GroupsRule,
    MeanRule,
    Question,
    Questionnaire,
    RatioRule,
    ValueRule,
    YesNoRule,
)

# Besides its questions' ids, a consistency message may show these.
CONSISTENCY_PLACEHOLDERS = frozenset({"suma", "cambio", "por_unidad", "anio", "anio_anterior"})

Problem = tuple[tuple[str | int, ...], str]


def _rule_refs(rule: Any) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(path, question id, choice id or None) for every reference a scoring rule makes."""
    if isinstance(rule, MeanRule):
        for i, item in enumerate(rule.items):
            for path, q, c in _rule_refs(item):
                yield ("items", i, *path), q, c
        return
    if isinstance(rule, GovernanceRule):
        yield ("question",), rule.question, None
        for i, b in enumerate(rule.bodies):
            yield ("bodies", i), rule.question, b
        for field in ("board", "charter", "informal", "none"):
            yield (field,), rule.question, getattr(rule, field)
        yield ("chair_question",), rule.chair_question, None
        return
    if isinstance(rule, ChoiceRaisedRule):
        yield ("question",), rule.question, None
        yield ("raise_choice",), rule.question, rule.raise_choice
        yield ("when_question",), rule.when_question, None
        return
    if isinstance(rule, RatioRule):
        yield ("numerator",), rule.numerator, None
        yield ("denominator",), rule.denominator, None
        return
    if isinstance(rule, ValueRule | GroupsRule):
        for i, q in enumerate(rule.questions):
            yield ("questions", i), q, None
        return
    yield ("question",), rule.question, None


_RULE_TYPES: dict[type, frozenset[str]] = {
    ChoiceRule: frozenset({"single"}),
    YesNoRule: frozenset({"yesno"}),
    CountRule: frozenset({"multi"}),
    ValueRule: frozenset({"integer", "money", "percent"}),
    GroupsRule: frozenset({"integer"}),
    AgeRule: frozenset({"year"}),
    RatioRule: frozenset({"integer", "money"}),
    GovernanceRule: frozenset({"multi"}),
    ChoiceRaisedRule: frozenset({"single"}),
}


def cross_check(q: Questionnaire) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, tuple[str | int, ...]] = {}

    def unique(kind: str, ident: str, path: tuple[str | int, ...]) -> None:
        key = f"{kind}:{ident}"
        if key in seen:
            first = dotted(seen[key])
            problems.append((path, f"duplicated {kind} id {ident!r} (first at {first})"))
        else:
            seen[key] = path

    def question_paths() -> Iterator[tuple[tuple[str | int, ...], Question]]:
        for si, area in enumerate(q.areas):
            for qi, question in enumerate(area.questions):
                yield ("areas", si, "questions", qi), question
        for si, module in enumerate(q.modules):
            for qi, question in enumerate(module.questions):
                yield ("modules", si, "questions", qi), question

    for si, area in enumerate(q.areas):
        unique("section", area.id, ("areas", si, "id"))
        if not area.indicators:
            problems.append((("areas", si, "indicators"), f"area {area.id!r} has no indicators"))
        if not area.questions:
            problems.append((("areas", si, "questions"), f"area {area.id!r} has no questions"))
        for ii, ind in enumerate(area.indicators):
            unique("indicator", ind.id, ("areas", si, "indicators", ii, "id"))
    for si, module in enumerate(q.modules):
        unique("section", module.id, ("modules", si, "id"))

    for path, question in question_paths():
        unique("question", question.id, (*path, "id"))
        problems.extend(_question_problems(q, path, question))

    for si, area in enumerate(q.areas):
        for ii, ind in enumerate(area.indicators):
            base = ("areas", si, "indicators", ii, "rule")
            problems.extend(_rule_problems(q, base, ind.rule))

    for ci, rule in enumerate(q.consistency):
        unique("consistency", rule.id, ("consistency", ci, "id"))
        for qid in rule.question_ids:
            compared = q.question_map.get(qid)
            if compared is None:
                problems.append((("consistency", ci), f"unknown question {qid!r}"))
            elif compared.type not in {"integer", "money", "percent"}:
                problems.append(
                    (("consistency", ci), f"question {qid!r} is {compared.type}, not a number")
                )

        allowed = set(rule.question_ids) | CONSISTENCY_PLACEHOLDERS
        for name in sorted(placeholders(rule.message) - allowed):
            problems.append((("consistency", ci, "message"), f"unknown placeholder {{{name}}}"))

    flag_ids = set()
    for fi, flag in enumerate(q.flags):
        unique("flag", flag.id, ("flags", fi, "id"))
        flag_ids.add(flag.id)
        flagged = q.question_map.get(flag.question)
        if flagged is None:
            problems.append((("flags", fi, "question"), f"unknown question {flag.question!r}"))
        elif flagged.type != "year":
            problems.append((("flags", fi, "question"), f"{flag.question!r} is not a year"))

    indicator_ids = {i.id for i in q.indicators}
    for gi, gate in enumerate(q.gates):
        unique("gate", gate.id, ("gates", gi, "id"))
        if gate.indicator is not None and gate.indicator not in indicator_ids:
            problems.append((("gates", gi, "indicator"), f"unknown indicator {gate.indicator!r}"))
        if gate.flag is not None and gate.flag not in flag_ids:
            problems.append((("gates", gi, "flag"), f"unknown flag {gate.flag!r}"))

    for li, level in enumerate(q.levels):
        unique("level", level.id, ("levels", li, "id"))
    if q.levels[0].min_ims != 0:
        problems.append((("levels", 0, "min_ims"), "the first level must start at 0"))
    if q.levels[0].requires_gates:
        problems.append((("levels", 0, "requires_gates"), "the lowest level cannot need gates"))
    for li in range(1, len(q.levels)):
        if q.levels[li].min_ims <= q.levels[li - 1].min_ims:
            problems.append((("levels", li, "min_ims"), "levels must be in increasing min_ims"))
    if q.area_bands[-1].upto is not None:
        problems.append((("area_bands", len(q.area_bands) - 1), "the last band has no upto"))
    return problems


def _question_problems(
    q: Questionnaire, path: tuple[str | int, ...], question: Question
) -> Iterator[Problem]:
    ids = [c.id for c in question.choices]
    for dup in {i for i in ids if ids.count(i) > 1}:
        yield (*path, "choices"), f"duplicated choice id {dup!r} in {question.id!r}"
    if question.type in CHOICE_TYPES and len(question.choices) < 2:
        yield (*path, "choices"), f"{question.type} question {question.id!r} needs 2+ choices"
    if question.type in {"yesno", "text"} and question.choices:
        yield (*path, "choices"), f"a {question.type} question has no choices"
    if question.type == "single" and any(c.exclusive for c in question.choices):
        yield (*path, "choices"), "exclusive only makes sense in a multi question"
    if question.type != "single" and any(c.score is not None for c in question.choices):
        yield (*path, "choices"), "choice scores only make sense in a single question"
    if ND in ids:
        yield (*path, "choices"), f"{ND!r} is reserved for 'No disponible'"
    for ci, choice in enumerate(question.choices):
        if len(f"{question.id}{choice.id}".encode()) > CALLBACK_BUDGET:
            yield (*path, "choices", ci), "question id + choice id too long for callback data"
    if question.type not in NUMERIC_TYPES and (
        question.min is not None or question.max is not None
    ):
        yield path, f"min/max only apply to numbers, not to {question.type}"
    if question.min is not None and question.max is not None and question.min > question.max:
        yield path, "min is greater than max"
    for ri, cond in enumerate(question.relevant):
        cpath = (*path, "relevant", ri)
        target = q.question_map.get(cond.question)
        if target is None:
            yield (*cpath, "question"), f"relevant names unknown question {cond.question!r}"
            continue
        if q.position[target.id] >= q.position[question.id]:
            yield (*cpath, "question"), f"relevant must name an earlier question, not {target.id!r}"
        named = [cond.includes] if cond.includes is not None else list(cond.not_in or [])
        if isinstance(cond.equals, str):
            named.append(cond.equals)
        for cid in named:
            if target.type in CHOICE_TYPES and cid not in target.choice_map:
                yield cpath, f"unknown choice {cid!r} of question {target.id!r}"
        if cond.includes is not None and target.type != "multi":
            yield cpath, f"includes needs a multi question; {target.id!r} is {target.type}"


def _rule_problems(q: Questionnaire, base: tuple[str | int, ...], rule: Any) -> Iterator[Problem]:
    for path, qid, cid in _rule_refs(rule):
        question = q.question_map.get(qid)
        if question is None:
            yield (*base, *path), f"unknown question {qid!r}"
            continue
        if cid is not None and cid not in question.choice_map:
            yield (*base, *path), f"unknown choice {cid!r} of question {qid!r}"
    if isinstance(rule, MeanRule):
        for i, item in enumerate(rule.items):
            yield from _rule_problems_types(q, (*base, "items", i), item)
    else:
        yield from _rule_problems_types(q, base, rule)


def _rule_problems_types(
    q: Questionnaire, base: tuple[str | int, ...], rule: Any
) -> Iterator[Problem]:
    if isinstance(rule, MeanRule):
        return
    wanted = _RULE_TYPES[type(rule)]
    for path, qid, cid in _rule_refs(rule):
        question = q.question_map.get(qid)
        if cid is not None or question is None or path[0] in ("chair_question", "when_question"):
            continue
        if question.type not in wanted:
            yield (
                (*base, *path),
                (
                    f"a {rule.kind} rule needs a {'/'.join(sorted(wanted))} question; "
                    f"{qid!r} is {question.type}"
                ),
            )
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule):
        question = q.question_map.get(rule.question)
        if question is not None and any(c.score is None for c in question.choices):
            yield (*base, "question"), f"every choice of {rule.question!r} needs a score"


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
