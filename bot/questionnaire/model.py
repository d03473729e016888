"""Typed model of the SSME questionnaire, built from its YAML definition.

The model is the single description of questions, skip logic, consistency rules, scoring rules,
gates and levels. Structural errors are caught by pydantic; references between elements (a rule
naming a question or a choice) are checked by :func:`cross_check`, which returns every problem
with the path of the element at fault.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ND = "n/d"  # "No disponible": stored as such, never as zero.
# Besides its questions' ids, a consistency message may show these.
CONSISTENCY_PLACEHOLDERS = frozenset({"suma", "cambio", "anio", "anio_anterior"})

Value = str | int | float | bool | list[str]
Answers = Mapping[str, Value]

QuestionType = Literal["single", "multi", "integer", "money", "percent", "year", "yesno", "text"]
NUMERIC_TYPES = frozenset({"integer", "money", "percent", "year"})
CHOICE_TYPES = frozenset({"single", "multi"})

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
# Callback data is at most 64 bytes and carries a question id and a choice id.
CALLBACK_BUDGET = 64 - len("x:") - len(":")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    id: Id
    label: str = Field(min_length=1)
    button: str | None = None  # short label for the inline button; the full label is in the text
    score: float | None = Field(default=None, ge=0, le=100)
    exclusive: bool = False

    @property
    def button_label(self) -> str:
        return self.button or self.label


class Condition(Strict):
    """One test on an earlier answer; exactly one operator is given."""

    question: Id
    equals: str | int | bool | None = None
    not_in: list[str] | None = None
    includes: str | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [k for k in ("equals", "not_in", "includes", "min") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a condition needs exactly one of equals, not_in, includes, min")
        return self

    def holds(self, answers: Answers) -> bool:
        value = answers.get(self.question)
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.not_in is not None:
            return value not in self.not_in
        if self.includes is not None:
            return isinstance(value, list) and self.includes in value
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and self.min is not None  # always: _one_operator leaves min the only one
            and value >= self.min
        )


class Question(Strict):
    id: Id
    type: QuestionType
    text: str = Field(min_length=1)
    short: str = Field(min_length=1)
    help: str | None = None
    choices: list[Choice] = []
    min: Decimal | None = None
    max: Decimal | None = None
    allow_nd: bool = False
    required: bool = True
    max_length: int = Field(default=500, ge=1, le=3500)
    relevant: list[Condition] = []

    @cached_property
    def choice_map(self) -> dict[str, Choice]:
        return {c.id: c for c in self.choices}

    @property
    def exclusive_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.exclusive)


class Band(Strict):
    """A score for values up to (inclusive) or below (exclusive) a bound; the last has no bound."""

    upto: float | None = None
    below: float | None = None
    score: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _at_most_one_bound(self) -> Band:
        if self.upto is not None and self.below is not None:
            raise ValueError("a band has either upto or below, not both")
        return self

    @property
    def bound(self) -> float | None:
        return self.upto if self.upto is not None else self.below

    def contains(self, x: float) -> bool:
        if self.upto is not None:
            return x <= self.upto
        if self.below is not None:
            return x < self.below
        return True


def _check_bands(bands: list[Band]) -> list[Band]:
    if not bands:
        raise ValueError("bands must not be empty")
    if bands[-1].bound is not None:
        raise ValueError("the last band must have no bound (it takes every larger value)")
    bounds = [b.bound for b in bands[:-1] if b.bound is not None]
    if len(bounds) < len(bands) - 1:
        raise ValueError("only the last band may have no bound")
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds)):
        raise ValueError("band bounds must increase")
    return bands


Bands = Annotated[list[Band], Field(min_length=1)]


def band_score(bands: Sequence[Band], x: float) -> float:
    return next(b.score for b in bands if b.contains(x))


class _BandedRule(Strict):
    bands: Bands

    @model_validator(mode="after")
    def _bands_ok(self) -> _BandedRule:
        _check_bands(self.bands)
        return self


class ChoiceRule(Strict):
    """The score of the chosen option."""

    kind: Literal["choice"]
    question: Id


class YesNoRule(Strict):
    kind: Literal["yesno"]
    question: Id
    yes: float = Field(default=100, ge=0, le=100)
    no: float = Field(default=0, ge=0, le=100)


class CountRule(_BandedRule):
    """Bands on how many non-exclusive options were chosen."""

    kind: Literal["count"]
    question: Id


class ValueRule(_BandedRule):
    """Bands on a number, or on the sum of several."""

    kind: Literal["value"]
    questions: Annotated[list[Id], Field(min_length=1)]


class GroupsRule(_BandedRule):
    """Bands on how many of the questions have a value of at least 1."""

    kind: Literal["groups"]
    questions: Annotated[list[Id], Field(min_length=1)]


class AgeRule(_BandedRule):
    """Bands on campaign year minus the answered year; any other answer scores 0."""

    kind: Literal["age"]
    question: Id


class RatioRule(_BandedRule):
    """Bands on numerator / max(denominator, 1), as a percentage."""

    kind: Literal["ratio"]
    numerator: Id
    denominator: Id


class GovernanceRule(Strict):
    """I08: governance bodies, a board, a written charter and a chair from business."""

    kind: Literal["governance_bodies"]
    question: Id
    bodies: Annotated[list[Id], Field(min_length=1)]
    board: Id
    charter: Id
    informal: Id
    none: Id
    chair_question: Id
    score_none: float = 0
    score_informal: float = 25
    score_charter_only: float = 25
    score_one_body: float = 50
    score_without_board: float = 50
    score_board: float = 75
    score_full: float = 100


class ChoiceRaisedRule(Strict):
    """I10: the chosen option's score, raised when another answer reaches a minimum."""

    kind: Literal["choice_raised"]
    question: Id
    raise_choice: Id
    when_question: Id
    when_min: float
    score: float = Field(ge=0, le=100)


class MeanRule(Strict):
    kind: Literal["mean"]
    items: Annotated[list[Rule], Field(min_length=1)]


Rule = Annotated[
    ChoiceRule
    | YesNoRule
    | CountRule
    | ValueRule
    | GroupsRule
    | AgeRule
    | RatioRule
    | GovernanceRule
    | ChoiceRaisedRule
    | MeanRule,
    Field(discriminator="kind"),
]
MeanRule.model_rebuild()


class Indicator(Strict):
    id: Id
    label: str = Field(min_length=1)
    action: str = Field(min_length=1)
    weight: float = Field(default=1, gt=0)
    rule: Rule


class Area(Strict):
    id: Id
    label: str = Field(min_length=1)
    weight: float = Field(default=1, gt=0)
    questions: list[Question] = []
    indicators: list[Indicator] = []


class Module(Strict):
    id: Id
    label: str = Field(min_length=1)
    questions: Annotated[list[Question], Field(min_length=1)]


class AtMost(Strict):
    kind: Literal["at_most"]
    id: Id
    question: Id
    limit: Id
    message: str

    @property
    def question_ids(self) -> list[str]:
        return [self.limit, self.question]


class SumEquals(Strict):
    kind: Literal["sum_equals"]
    id: Id
    questions: Annotated[list[Id], Field(min_length=2)]
    total_question: Id | None = None
    total: float | None = None
    tolerance: float = Field(default=0, ge=0)
    message: str

    @model_validator(mode="after")
    def _one_total(self) -> SumEquals:
        if (self.total_question is None) == (self.total is None):
            raise ValueError("give exactly one of total_question, total")
        return self

    @property
    def question_ids(self) -> list[str]:
        return ([self.total_question] if self.total_question else []) + list(self.questions)


class MaxChange(Strict):
    """A soft rule: a larger change than max_change_pct is kept only once confirmed."""

    kind: Literal["max_change"]
    id: Id
    current: Id
    previous: Id
    max_change_pct: float = Field(gt=0)
    message: str

    @property
    def question_ids(self) -> list[str]:
        return [self.current, self.previous]


Consistency = Annotated[AtMost | SumEquals | MaxChange, Field(discriminator="kind")]


class AgeFlag(Strict):
    kind: Literal["max_age"]
    id: Id
    question: Id
    max_age: int = Field(ge=0)


class Gate(Strict):
    id: Id
    indicator: Id | None = None
    min: float | None = Field(default=None, ge=0, le=100)
    flag: Id | None = None
    label: str = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Gate:
        if (self.indicator is None) == (self.flag is None):
            raise ValueError("a gate names exactly one of indicator, flag")
        if self.indicator is not None and self.min is None:
            raise ValueError("an indicator gate needs min")
        return self


class Level(Strict):
    id: Id
    label: str = Field(min_length=1)
    min_ims: float = Field(ge=0, le=100)
    requires_gates: bool = False


class AreaBand(Strict):
    upto: float | None = None
    label: str


class Questionnaire(Strict):
    version: str = Field(min_length=1)
    title: str
    seconds_per_question: int = Field(default=20, gt=0)
    areas: Annotated[list[Area], Field(min_length=1)]
    modules: list[Module] = []
    consistency: list[Consistency] = []
    flags: list[AgeFlag] = []
    gates: list[Gate] = []
    levels: Annotated[list[Level], Field(min_length=1)]
    area_bands: Annotated[list[AreaBand], Field(min_length=1)]

    @cached_property
    def sections(self) -> list[Area | Module]:
        return [*self.areas, *self.modules]

    @cached_property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    @cached_property
    def question_map(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def section_of(self) -> dict[str, Area | Module]:
        return {q.id: s for s in self.sections for q in s.questions}

    @cached_property
    def position(self) -> dict[str, int]:
        return {q.id: i for i, q in enumerate(self.questions)}

    @cached_property
    def indicators(self) -> list[Indicator]:
        return [i for a in self.areas for i in a.indicators]

    @cached_property
    def area_of_indicator(self) -> dict[str, Area]:
        return {i.id: a for a in self.areas for i in a.indicators}

    def question(self, question_id: str) -> Question:
        return self.question_map[question_id]

    def is_relevant(self, question: Question, answers: Answers) -> bool:
        # Most questions have no condition: skip building a generator for them (the engine asks
        # this ~40 times per walk, several walks per update).
        return not question.relevant or all(c.holds(answers) for c in question.relevant)

    def relevant_answers(self, answers: Answers) -> dict[str, Value]:
        """The answers that count: known questions, relevant given the answers before them.

        Walking in questionnaire order means an answer made irrelevant upstream cannot make a
        later question relevant.
        """
        kept: dict[str, Value] = {}
        for q in self.questions:
            if q.id in answers and self.is_relevant(q, kept):
                kept[q.id] = answers[q.id]
        return kept

    def area_band(self, score: float) -> str:
        return next(b.label for b in self.area_bands if b.upto is None or score <= b.upto)

    def format_text(self, text: str, reference_year: int) -> str:
        return text.replace("{anio_anterior}", str(reference_year - 1)).replace(
            "{anio}", str(reference_year)
        )


# ---------------------------------------------------------------------------------------------
# Cross-reference checks: every problem with the path of the element at fault.

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
