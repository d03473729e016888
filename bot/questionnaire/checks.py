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
            problems.append(
                (
                    path,
                    f"id de {_KINDS.get(kind, kind)} repetido {ident!r} (la primera vez en {first})",
                )
            )
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
            problems.append(
                (
                    ("areas", si, "indicators"),
                    f"el área {area.id!r} no tiene indicadores",
                )
            )
        if not area.questions:
            problems.append((("areas", si, "questions"), f"el área {area.id!r} no tiene preguntas"))
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
                problems.append((("consistency", ci), f"pregunta desconocida {qid!r}"))
            elif compared.type not in {"integer", "money", "percent"}:
                problems.append(
                    (("consistency", ci), f"la pregunta {qid!r} es {compared.type}, no un número")
                )

        allowed = set(rule.question_ids) | CONSISTENCY_PLACEHOLDERS
        for name in sorted(placeholders(rule.message) - allowed):
            problems.append((("consistency", ci, "message"), f"marcador desconocido {{{name}}}"))

    flag_ids = set()
    for fi, flag in enumerate(q.flags):
        unique("flag", flag.id, ("flags", fi, "id"))
        flag_ids.add(flag.id)
        flagged = q.question_map.get(flag.question)
        if flagged is None:
            problems.append((("flags", fi, "question"), f"pregunta desconocida {flag.question!r}"))
        elif flagged.type != "year":
            problems.append((("flags", fi, "question"), f"{flag.question!r} no es de tipo año"))

    indicator_ids = {i.id for i in q.indicators}
    for gi, gate in enumerate(q.gates):
        unique("gate", gate.id, ("gates", gi, "id"))
        if gate.indicator is not None and gate.indicator not in indicator_ids:
            problems.append(
                (("gates", gi, "indicator"), f"indicador desconocido {gate.indicator!r}")
            )
        if gate.flag is not None and gate.flag not in flag_ids:
            problems.append((("gates", gi, "flag"), f"marca desconocida {gate.flag!r}"))

    for li, level in enumerate(q.levels):
        unique("level", level.id, ("levels", li, "id"))
    if q.levels[0].min_ims != 0:
        problems.append((("levels", 0, "min_ims"), "el primer nivel debe empezar en 0"))
    if q.levels[0].requires_gates:
        problems.append(
            (("levels", 0, "requires_gates"), "el nivel más bajo no puede exigir condiciones")
        )
    for li in range(1, len(q.levels)):
        if q.levels[li].min_ims <= q.levels[li - 1].min_ims:
            problems.append(
                (
                    ("levels", li, "min_ims"),
                    "los niveles deben ir en min_ims creciente",
                )
            )
    if q.area_bands[-1].upto is not None:
        problems.append((("area_bands", len(q.area_bands) - 1), "la última banda no lleva upto"))
    return problems


def _question_problems(
    q: Questionnaire, path: tuple[str | int, ...], question: Question
) -> Iterator[Problem]:
    ids = [c.id for c in question.choices]
    for dup in {i for i in ids if ids.count(i) > 1}:
        yield (
            (*path, "choices"),
            f"id de opción repetido {dup!r} en {question.id!r}",
        )
    if question.type in CHOICE_TYPES and len(question.choices) < 2:
        yield (
            (*path, "choices"),
            f"la pregunta {question.type} {question.id!r} necesita 2 o más opciones",
        )
    if question.type in {"yesno", "text"} and question.choices:
        yield (*path, "choices"), f"una pregunta {question.type} no lleva opciones"
    if question.type == "single" and any(c.exclusive for c in question.choices):
        yield (*path, "choices"), "exclusive solo aplica a una pregunta multi"
    if question.type != "single" and any(c.score is not None for c in question.choices):
        yield (*path, "choices"), "los puntajes de opción solo aplican a una pregunta single"
    if ND in ids:
        yield (*path, "choices"), f"{ND!r} está reservado para «No disponible»"
    for ci, choice in enumerate(question.choices):
        if len(f"{question.id}{choice.id}".encode()) > CALLBACK_BUDGET:
            yield (
                (*path, "choices", ci),
                "id de pregunta + id de opción demasiado largos para los datos del botón",
            )
    if question.type not in NUMERIC_TYPES and (
        question.min is not None or question.max is not None
    ):
        yield path, f"min/max solo aplican a números, no a {question.type}"
    if question.min is not None and question.max is not None and question.min > question.max:
        yield path, "min es mayor que max"
    for ri, cond in enumerate(question.relevant):
        cpath = (*path, "relevant", ri)
        target = q.question_map.get(cond.question)
        if target is None:
            yield (
                (*cpath, "question"),
                f"relevant nombra una pregunta desconocida {cond.question!r}",
            )
            continue
        if q.position[target.id] >= q.position[question.id]:
            yield (
                (*cpath, "question"),
                f"relevant debe nombrar una pregunta anterior, no {target.id!r}",
            )
        named = [cond.includes] if cond.includes is not None else list(cond.not_in or [])
        if isinstance(cond.equals, str):
            named.append(cond.equals)
        for cid in named:
            if target.type in CHOICE_TYPES and cid not in target.choice_map:
                yield cpath, f"opción desconocida {cid!r} de la pregunta {target.id!r}"
        if cond.includes is not None and target.type != "multi":
            yield cpath, f"includes necesita una pregunta multi; {target.id!r} es {target.type}"


def _rule_problems(q: Questionnaire, base: tuple[str | int, ...], rule: Any) -> Iterator[Problem]:
    for path, qid, cid in _rule_refs(rule):
        question = q.question_map.get(qid)
        if question is None:
            yield (*base, *path), f"pregunta desconocida {qid!r}"
            continue
        if cid is not None and cid not in question.choice_map:
            yield (*base, *path), f"opción desconocida {cid!r} de la pregunta {qid!r}"
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
                    f"una regla {rule.kind} necesita una pregunta {'/'.join(sorted(wanted))}; "
                    f"{qid!r} es {question.type}"
                ),
            )
    if isinstance(rule, ChoiceRule | ChoiceRaisedRule):
        question = q.question_map.get(rule.question)
        if question is not None and any(c.score is None for c in question.choices):
            yield (*base, "question"), f"cada opción de {rule.question!r} necesita un puntaje"


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


_KINDS = {
    "section": "sección",
    "indicator": "indicador",
    "question": "pregunta",
    "consistency": "regla de consistencia",
    "flag": "marca",
    "gate": "condición",
    "level": "nivel",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
