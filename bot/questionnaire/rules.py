"""The consistency and plausibility rules over a set of answers: pure, one function per question.

Two kinds, both in the questionnaire data (``consistency:`` of ``ssme.yaml``):

- **hard** rules (sizes add up to the linked firms, shares sum to 100, active ≤ linked…): an
  answer that breaks one is not stored; the conversation keeps it *pending* while the manager
  corrects the other side (``bot/conversation/answering.py``).
- **soft** rules, the plausibility checks (a change t−1 → t above +``max_rise_pct`` % or below
  −``max_fall_pct`` %, sales or jobs per linked firm outside a band, firms in the strategy over the
  linked firms): asked once as «¿Está seguro?», never refused. A confirmation is kept per rule
  *and values* (:attr:`Finding.key`): the same figures are not asked about again, new ones are.

:func:`findings` is the whole check over an answer set; the conversation, the file importers and
an analyst's review queue read the same findings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.questionnaire.model import (
    AtMost,
    Consistency,
    MaxChange,
    PerUnit,
    Questionnaire,
    SumEquals,
    Value,
)
from bot.questionnaire.parsing import format_cop, format_number


@dataclass(frozen=True)
class Finding:
    """A rule that does not hold on the answers: its message with the numbers, in Spanish."""

    rule_id: str
    soft: bool  # a plausibility question (confirm once) rather than a refusal
    questions: tuple[str, ...]  # the rule's questions, the ones the manager may correct
    values: tuple[tuple[str, int | float], ...]  # each question's number, as checked
    message: str

    @property
    def key(self) -> str:
        """What a confirmation is kept under: the rule and the values it was asked about."""
        return self.rule_id + ":" + ",".join(f"{q}={v!r}" for q, v in sorted(self.values))


def _numbers(rule: Consistency, answers: Mapping[str, Value]) -> dict[str, int | float] | None:
    out: dict[str, int | float] = {}
    for qid in rule.question_ids:
        value = answers.get(qid)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None  # unanswered, n/d or skipped: nothing to compare yet
        out[qid] = value
    return out


def _shown(q: Questionnaire, qid: str, value: int | float) -> str:
    kind = q.question(qid).type
    if kind == "money":
        return format_cop(round(value))
    if kind == "percent":
        return f"{format_number(value, 0 if float(value).is_integer() else 1)}%"
    return format_number(value, 0 if float(value).is_integer() else 1)


def _decimals(number: float) -> int:
    return 0 if float(number).is_integer() else 1


def check(
    q: Questionnaire, rule: Consistency, answers: Mapping[str, Value], year: int
) -> Finding | None:
    """The rule on these answers: None when it holds (or cannot be compared yet)."""
    numbers = _numbers(rule, answers)
    if numbers is None:
        return None
    extra: dict[str, str] = {}
    if isinstance(rule, AtMost):
        ok = numbers[rule.question] <= numbers[rule.limit]
    elif isinstance(rule, SumEquals):
        total = sum(numbers[x] for x in rule.questions)
        target = numbers[rule.total_question] if rule.total_question else rule.total
        assert target is not None  # SumEquals._one_total
        ok = abs(total - target) <= rule.tolerance
        if not ok:
            extra["suma"] = format_number(Decimal(str(total)), _decimals(total))
    elif isinstance(rule, MaxChange):
        previous, current = numbers[rule.previous], numbers[rule.current]
        if previous == 0:
            return None
        change = (current - previous) / previous * 100
        ok = -rule.max_fall_pct <= change <= rule.max_rise_pct
        if not ok:
            extra["cambio"] = format_number(round(change))
    else:
        assert isinstance(rule, PerUnit)
        if numbers[rule.denominator] == 0:
            return None
        per = numbers[rule.numerator] / numbers[rule.denominator]
        ok = (rule.min is None or per >= rule.min) and (rule.max is None or per <= rule.max)
        if not ok:
            shown = format_number(per, 0 if per >= 10 or per.is_integer() else 1)
            money = q.question(rule.numerator).type == "money"
            extra["por_unidad"] = f"${shown}" if money else shown
    if ok:
        return None
    # The numbers are worded only for a rule that fails (Babel's formatting is the cost here).
    params = {k: _shown(q, k, v) for k, v in numbers.items()} | extra
    params |= {"anio": str(year), "anio_anterior": str(year - 1)}
    return Finding(
        rule.id,
        rule.soft,
        tuple(rule.question_ids),
        tuple(numbers.items()),
        rule.message.format(**params),
    )


def findings(
    q: Questionnaire,
    answers: Mapping[str, Value],
    year: int,
    *,
    touching: Iterable[str] | None = None,
    confirmed: Collection[str] = (),
) -> list[Finding]:
    """Every rule that does not hold on the relevant answers: hard ones first, then soft ones.

    ``touching``: only the rules that name one of these questions (the ones just answered).
    ``confirmed``: the :attr:`Finding.key` of confirmations already given; those are left out.
    """
    kept = q.relevant_answers(answers)
    wanted = None if touching is None else set(touching)
    out: list[Finding] = []
    for rule in sorted(q.consistency, key=lambda r: r.soft):
        if wanted is not None and not wanted & set(rule.question_ids):
            continue
        finding = check(q, rule, kept, year)
        if finding is not None and finding.key not in confirmed:
            out.append(finding)
    return out


def plausibility(
    q: Questionnaire, answers: Mapping[str, Value], year: int, confirmed: Collection[str] = ()
) -> list[Finding]:
    """The plausibility questions (soft rules) an answer set raises: for a review queue (the
    hard rules are not checked: a sent answer set holds them)."""
    kept = q.relevant_answers(answers)
    out = []
    for rule in q.consistency:
        if rule.soft:
            finding = check(q, rule, kept, year)
            if finding is not None and finding.key not in confirmed:
                out.append(finding)
    return out


__all__ = ["Finding", "check", "findings", "plausibility"]
