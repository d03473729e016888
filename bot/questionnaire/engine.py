"""The questionnaire engine: walks the model, reads and checks answers. Knows nothing of the screen.

Where a manager stands is derived from the answers alone (the first relevant unanswered question),
so the engine needs no state of its own and a restart loses nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.questionnaire import rules
from bot.questionnaire.model import (
    ND,
    Answers,
    Area,
    Module,
    Question,
    Questionnaire,
    Value,
)
from bot.questionnaire.parsing import (
    Ambiguous,
    AnswerError,
    format_number,
    is_not_available,
    parse_number,
    parse_text,
    parse_yesno,
)
from bot.texts import YES_NO_LABELS

YEAR_MIN_DEFAULT = 1990
_LIST_SEPARATORS = re.compile(r"\s*(?:[,;/+]|\by\b|\be\b)\s*|\s+")


@dataclass(frozen=True)
class Progress:
    index: int  # 1-based position among the questions that apply
    total: int
    section_index: int  # 1-based; areas first, then modules
    section_count: int
    section: Area | Module
    is_area: bool


@dataclass(frozen=True)
class Accepted:
    question_id: str
    value: Value
    dropped: tuple[str, ...]  # earlier answers that no longer apply and must be deleted
    # Every value to store now: this one and those a rule held pending until it held.
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejected:
    message: str
    questions: tuple[str, ...]  # the questions the manager may correct (the rule's)
    rule_id: str = ""
    # The values typed and not stored (this one and any held before): kept pending.
    held: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class NeedsConfirmation:
    message: str
    rule_id: str
    value: Value
    key: str = ""  # what the confirmation is kept under (rules.Finding.key)


Outcome = Accepted | Rejected | NeedsConfirmation


def _plain(number: int | Decimal | float) -> int | float:
    """Answers are stored as JSON: integral numbers as int, others as float."""
    if isinstance(number, int):
        return number
    as_float = float(number)
    return int(as_float) if as_float.is_integer() else as_float


class Engine:
    def __init__(self, questionnaire: Questionnaire, reference_year: int) -> None:
        self.q = questionnaire
        self.year = reference_year

    # -- wording -----------------------------------------------------------------------------

    def text(self, question: Question) -> str:
        return self.q.format_text(question.text, self.year)

    def help(self, question: Question) -> str | None:
        return self.q.format_text(question.help, self.year) if question.help else None

    def short(self, question: Question) -> str:
        return self.q.format_text(question.short, self.year)

    def display(self, question: Question, value: Value | None, *, compact: bool = False) -> str:
        """A stored value as a manager reads it; compact uses the short button labels."""
        if value is None:
            return "—"
        if value == ND:
            return "No disponible"
        if isinstance(value, bool):
            return YES_NO_LABELS[value]
        if isinstance(value, list):
            chosen = [question.choice_map[c] for c in value if c in question.choice_map]
            return ", ".join(c.button_label if compact else c.label for c in chosen)
        if isinstance(value, str):
            choice = question.choice_map.get(value)
            if choice is None:
                return value
            return choice.button_label if compact else choice.label
        if question.type == "money":
            return f"${format_number(value)}"
        if question.type == "percent":
            return f"{format_number(value, 1 if not float(value).is_integer() else 0)}%"
        if question.type == "year":
            return str(value)
        return format_number(value)

    # -- navigation --------------------------------------------------------------------------

    def relevant_questions(self, answers: Answers) -> list[Question]:
        kept = self.q.relevant_answers(answers)
        out = []
        for question in self.q.questions:
            # Relevance only looks back, so answers kept so far decide it.
            if self.q.is_relevant(question, kept):
                out.append(question)
        return out

    def next_question(self, answers: Answers) -> Question | None:
        return next((q for q in self.relevant_questions(answers) if q.id not in answers), None)

    def previous_question(self, answers: Answers, question_id: str) -> Question | None:
        before = None
        for question in self.relevant_questions(answers):
            if question.id == question_id:
                return before
            before = question
        return before

    def is_complete(self, answers: Answers) -> bool:
        return not self.missing(answers)

    def missing(self, answers: Answers) -> list[Question]:
        return [q for q in self.relevant_questions(answers) if q.required and q.id not in answers]

    def expected_questions(self, answers: Answers) -> list[Question]:
        """The questions that apply, counting those whose condition is not decided yet.

        A manager told "pregunta 3 de 39" who then gets 41 questions would feel misled.
        """
        kept = self.q.relevant_answers(answers)
        return [
            q
            for q in self.q.questions
            if not q.relevant or all(c.holds(kept) or c.question not in kept for c in q.relevant)
        ]

    def progress(self, answers: Answers, question_id: str) -> Progress:
        relevant = [q.id for q in self.expected_questions(answers)]
        index = relevant.index(question_id) + 1 if question_id in relevant else len(relevant)
        section = self.q.section_of[question_id]
        sections = self.q.sections
        return Progress(
            index=index,
            total=len(relevant),
            section_index=sections.index(section) + 1,
            section_count=len(self.q.areas),
            section=section,
            is_area=isinstance(section, Area),
        )

    def remaining(self, answers: Answers) -> int:
        return sum(
            1 for q in self.expected_questions(answers) if q.required and q.id not in answers
        )

    # -- reading answers ---------------------------------------------------------------------

    def read(self, question: Question, text: str) -> Value | Ambiguous:
        """Text typed by a manager → a value, an ambiguity to confirm, or AnswerError."""
        if question.allow_nd and is_not_available(text):
            return ND
        if question.type == "multi":
            return self._typed_selection(question, text)
        if question.type == "single":
            return self._typed_choice(question, text)
        if question.type == "yesno":
            return parse_yesno(text)
        if question.type == "text":
            return parse_text(text, max_length=question.max_length)
        for choice in question.choices:  # e.g. "nunca" for a year
            if text.strip().lower() in (choice.id, choice.label.lower()):
                return choice.id
        lo, hi = self._bounds(question)
        parsed = parse_number(text, question.type, minimum=lo, maximum=hi)
        if isinstance(parsed, Ambiguous):
            return parsed
        return _plain(parsed)

    @staticmethod
    def _typed_choice(question: Question, text: str) -> str:
        """The option's number in the list, or its label, typed instead of pressed."""
        typed = _fold(text)
        # isdecimal, not isdigit: '²' or '፩' are digits that int() refuses.
        if typed.isdecimal():
            if 1 <= int(typed) <= len(question.choices):
                return question.choices[int(typed) - 1].id
            raise AnswerError("choice_range", n=len(question.choices))
        for choice in question.choices:
            if typed in (_fold(choice.label), _fold(choice.button_label), choice.id):
                return choice.id
        raise AnswerError("use_buttons")

    def _typed_selection(self, question: Question, text: str) -> list[str]:
        """A multi-choice typed as the options' numbers or names: '1, 5, 6', '2 y 3', 'ninguna'."""
        whole = _fold(text)
        for choice in question.choices:  # one option by name, commas and all
            if whole in (_fold(choice.label), _fold(choice.button_label), choice.id):
                return self.check_selection(question, [choice.id])
        parts = [p for p in _LIST_SEPARATORS.split(whole) if p]
        if not parts:
            raise AnswerError("use_buttons_multi")
        chosen: list[str] = []
        n = len(question.choices)
        for part in parts:
            if part.isdecimal():
                if not 1 <= int(part) <= n:
                    raise AnswerError("multi_range", value=part, n=n)
                choice_id = question.choices[int(part) - 1].id
            else:
                found = [
                    c.id
                    for c in question.choices
                    if part in (_fold(c.label), _fold(c.button_label), c.id)
                ]
                if not found:
                    raise AnswerError("use_buttons_multi")
                choice_id = found[0]
            if choice_id not in chosen:
                chosen.append(choice_id)
        return self.check_selection(question, chosen)

    def _bounds(self, question: Question) -> tuple[Decimal | None, Decimal | None]:
        lo, hi = question.min, question.max
        if question.type == "percent":
            lo = Decimal(0) if lo is None else lo
            hi = Decimal(100) if hi is None else hi
        if question.type == "year":
            lo = Decimal(YEAR_MIN_DEFAULT) if lo is None else lo
            hi = Decimal(self.year) if hi is None else min(hi, Decimal(self.year))
        if question.type in {"integer", "money"} and lo is None:
            lo = Decimal(0)
        return lo, hi

    def coerce(self, question: Question, raw: object) -> Value:
        """A value from a file, a button or the database → a checked value, or AnswerError."""
        if isinstance(raw, str) and raw.strip().lower() in {ND, "nd", "n.d."}:
            if not question.allow_nd:
                raise AnswerError("nd_not_allowed")
            return ND
        if question.type == "single":
            return self._choice(question, raw)
        if question.type == "multi":
            items = raw.split(";") if isinstance(raw, str) else raw
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise AnswerError("multi_format")
            return self.check_selection(question, [i.strip() for i in items if i.strip()])
        if question.type == "yesno":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str):
                return parse_yesno(raw)
            raise AnswerError("yesno")
        if question.type == "text":
            if not isinstance(raw, str):
                raise AnswerError("empty")
            return parse_text(raw, max_length=question.max_length)
        if isinstance(raw, str) and raw.strip() in question.choice_map:
            return raw.strip()
        if isinstance(raw, bool):
            raise AnswerError(f"{question.type}_format")
        if isinstance(raw, int | float):
            return self._check_number(question, Decimal(str(raw)))
        if not isinstance(raw, str):
            raise AnswerError(f"{question.type}_format")
        value = self.read(question, raw)
        if isinstance(value, Ambiguous):
            raise AnswerError("ambiguous_in_file", text=raw)
        return value

    def _check_number(self, question: Question, number: Decimal) -> Value:
        """A number that arrived as a number (file, stored value): type and bounds only."""
        if not number.is_finite():
            raise AnswerError(f"{question.type}_format")
        if question.type in {"integer", "money", "year"} and number != number.to_integral_value():
            raise AnswerError("not_integer" if question.type != "money" else "money_decimals")
        lo, hi = self._bounds(question)
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            if question.type == "percent":
                raise AnswerError("percent_range")
            shown = (lambda b: str(b)) if question.type == "year" else format_number
            raise AnswerError(
                "year_range" if question.type == "year" else "out_of_range",
                min=shown(lo) if lo is not None else "",
                max=shown(hi) if hi is not None else "",
            )
        return _plain(number)

    def _choice(self, question: Question, raw: object) -> str:
        if not isinstance(raw, str) or raw.strip() not in question.choice_map:
            options = ", ".join(question.choice_map)
            raise AnswerError("unknown_choice", value=str(raw), options=options)
        return raw.strip()

    def check_selection(self, question: Question, selected: list[str]) -> list[str]:
        for choice_id in selected:
            if choice_id not in question.choice_map:
                options = ", ".join(question.choice_map)
                raise AnswerError("unknown_choice", value=choice_id, options=options)
        if not selected:
            raise AnswerError("multi_empty")
        if len(set(selected)) != len(selected):
            raise AnswerError("multi_repeated")
        exclusive = [c for c in selected if c in question.exclusive_ids]
        if exclusive and len(selected) > 1:
            raise AnswerError("multi_exclusive", choice=question.choice_map[exclusive[0]].label)
        order = [c.id for c in question.choices]
        return sorted(selected, key=order.index)

    @staticmethod
    def toggle(question: Question, selected: Collection[str], choice_id: str) -> list[str]:
        """A multi keyboard press: an exclusive option clears the others, and vice versa."""
        current = [c for c in selected if c in question.choice_map]
        if choice_id in current:
            current.remove(choice_id)
        elif choice_id in question.exclusive_ids:
            current = [choice_id]
        else:
            current = [c for c in current if c not in question.exclusive_ids] + [choice_id]
        order = [c.id for c in question.choices]
        return sorted(current, key=order.index)

    # -- accepting answers -------------------------------------------------------------------

    def submit(
        self,
        answers: Answers,
        question_id: str,
        value: Value,
        *,
        held: Mapping[str, Value] | None = None,
        confirmed: Collection[str] = (),
    ) -> Outcome:
        """Check a value against skip logic and the consistency rules; says what to store.

        ``held``: values typed earlier that a hard rule kept pending (not stored yet); they are
        checked together with this one and stored with it once every rule holds.
        ``confirmed``: keys of plausibility questions already confirmed (not asked again).
        """
        question = self.q.question_map.get(question_id)
        if question is None or not self.q.is_relevant(question, self.q.relevant_answers(answers)):
            return Rejected(_message("not_relevant"), ())
        group = {k: v for k, v in (held or {}).items() if k != question_id}
        group[question_id] = value
        updated = {**answers, **group}
        kept = self.q.relevant_answers(updated)
        group = {k: v for k, v in group.items() if k in kept}
        for finding in rules.findings(self.q, kept, self.year, touching=group, confirmed=confirmed):
            if not finding.soft:
                return Rejected(finding.message, finding.questions, finding.rule_id, group)
            return NeedsConfirmation(finding.message, finding.rule_id, value, finding.key)
        dropped = tuple(k for k in answers if k not in kept and k not in group)
        return Accepted(question_id, value, dropped, {k: v for k, v in group.items()})

    # -- whole answer sets (files) -----------------------------------------------------------

    def validate(self, raw: Mapping[str, object]) -> tuple[dict[str, Value], list[str], list[str]]:
        """A whole answer set from a file → (answers, errors, warnings), each naming the question.

        The same rules as the conversation; soft rules (large changes) become warnings since a
        file cannot be asked "¿Está seguro?".
        """
        errors: list[str] = []
        warnings: list[str] = []
        answers: dict[str, Value] = {}
        for key in raw:
            if key not in self.q.question_map:
                errors.append(f"{key}: {_message('unknown_question')}")
        for question in self.q.questions:
            if question.id not in raw or raw[question.id] is None or raw[question.id] == "":
                continue
            try:
                answers[question.id] = self.coerce(question, raw[question.id])
            except AnswerError as exc:
                errors.append(f"{question.id}: {exc.message}")
        kept = self.q.relevant_answers(answers)
        for qid in answers:
            if qid not in kept:
                warnings.append(f"{qid}: {_message('ignored_not_relevant')}")
        for question in self.missing(kept):
            if question.id not in answers:
                errors.append(f"{question.id}: {_message('missing_answer')}")
        for finding in rules.findings(self.q, kept, self.year):
            (warnings if finding.soft else errors).append(
                f"{', '.join(finding.questions)}: {finding.message}"
            )
        return kept, errors, warnings


def _message(code: str, **params: str) -> str:
    return AnswerError(code, **params).message


__all__ = [
    "Accepted",
    "Ambiguous",
    "AnswerError",
    "Engine",
    "NeedsConfirmation",
    "Outcome",
    "Progress",
    "Rejected",
]


def _fold(text: str) -> str:
    """Lower case, no accents, no surrounding punctuation: how typed options are compared."""
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in plain if not unicodedata.combining(c)).strip(" .¡!¿?")
