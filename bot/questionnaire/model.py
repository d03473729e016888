"""Typed model of the SSME questionnaire, built from its YAML definition.

The model is the single description of questions, skip logic, consistency rules, scoring rules,
gates and levels. Structural errors are caught by pydantic; references between elements (a rule
naming a question or a choice) are checked by :func:`bot.questionnaire.checks.cross_check`, which
returns every problem with the path of the element at fault.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ND = "n/d"  # "No disponible": stored as such, never as zero.

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
            raise ValueError("una condición lleva exactamente uno de equals, not_in, includes, min")
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
    # What a manager may attach as evidence of the answer ("el documento de la estrategia"):
    # the bot offers «Adjuntar evidencia» after it is answered (bot/conversation/evidence.py).
    evidence: str | None = Field(default=None, min_length=1)

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
            raise ValueError("una banda lleva upto o below, no ambos")
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
        raise ValueError("bands no puede estar vacío")
    if bands[-1].bound is not None:
        raise ValueError("la última banda no lleva límite (toma todos los valores mayores)")
    bounds = [b.bound for b in bands[:-1] if b.bound is not None]
    if len(bounds) < len(bands) - 1:
        raise ValueError("solo la última banda puede no tener límite")
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds)):
        raise ValueError("los límites de las bandas deben crecer")
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
    """``question`` ≤ ``limit``. Hard (refused until it holds), or ``soft``: asked once."""

    kind: Literal["at_most"]
    id: Id
    question: Id
    limit: Id
    soft: bool = False
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
    soft: Literal[False] = False

    @model_validator(mode="after")
    def _one_total(self) -> SumEquals:
        if (self.total_question is None) == (self.total is None):
            raise ValueError("indique exactamente uno de total_question, total")
        return self

    @property
    def question_ids(self) -> list[str]:
        return ([self.total_question] if self.total_question else []) + list(self.questions)


class MaxChange(Strict):
    """A soft rule: a rise above ``max_rise_pct`` or a fall below ``-max_fall_pct`` between
    ``previous`` and ``current`` is kept only once confirmed."""

    kind: Literal["max_change"]
    id: Id
    current: Id
    previous: Id
    max_rise_pct: float = Field(gt=0)
    max_fall_pct: float = Field(gt=0, lt=100)
    message: str
    soft: Literal[True] = True

    @property
    def question_ids(self) -> list[str]:
        return [self.current, self.previous]


class PerUnit(Strict):
    """A soft rule: ``numerator`` / ``denominator`` (e.g. sales per linked firm) outside
    ``min``..``max`` is kept only once confirmed. A denominator of 0 is not compared."""

    kind: Literal["per_unit"]
    id: Id
    numerator: Id
    denominator: Id
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, gt=0)
    message: str
    soft: Literal[True] = True

    @model_validator(mode="after")
    def _a_band(self) -> PerUnit:
        if self.min is None and self.max is None:
            raise ValueError("a per_unit rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max")
        return self

    @property
    def question_ids(self) -> list[str]:
        return [self.denominator, self.numerator]


Consistency = Annotated[AtMost | SumEquals | MaxChange | PerUnit, Field(discriminator="kind")]


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
            raise ValueError("una condición de nivel nombra exactamente uno de indicator, flag")
        if self.indicator is not None and self.min is None:
            raise ValueError("una condición sobre un indicador necesita min")
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
