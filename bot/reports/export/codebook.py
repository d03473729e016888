"""The ``diccionario`` sheet: one row per column of every other sheet, so the file explains
itself — the question's text, its type and unit, its options with their labels and scores, and
the rule that scores it (read from the questionnaire's data, as the bot applies it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.model import Indicator, Question, Questionnaire
from bot.texts import export as texts

CODEBOOK_COLUMNS = ("hoja", "variable", "etiqueta", "tipo", "unidad", "opciones", "regla")
NUMERIC_KINDS = frozenset({"integer", "money", "percent", "year", "score", "binary", "count"})


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its variable name, what it holds, and how it is worded."""

    name: str
    kind: str  # a key of texts.KINDS: integer, money, percent, year, score, binary, text, …
    label: str
    options: str = ""
    rule: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


def _referenced(rule: Any, ids: set[str]) -> Iterator[str]:
    """The question ids a rule (its ``model_dump``) names, in order."""
    if isinstance(rule, str):
        if rule in ids:
            yield rule
    elif isinstance(rule, dict):
        for value in rule.values():
            yield from _referenced(value, ids)
    elif isinstance(rule, list):
        for value in rule:
            yield from _referenced(value, ids)


def _bands(rule: dict[str, Any]) -> str:
    parts = []
    for band in rule.get("bands") or []:
        if band.get("upto") is not None:
            parts.append(
                texts.BAND_UPTO.format(bound=_num(band["upto"]), score=_num(band["score"]))
            )
        elif band.get("below") is not None:
            parts.append(
                texts.BAND_BELOW.format(bound=_num(band["below"]), score=_num(band["score"]))
            )
        else:
            parts.append(texts.BAND_REST.format(score=_num(band["score"])))
    return " · ".join(parts)


def _num(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def rule_text(indicator: Indicator) -> str:
    """«i06_masa_critica (Masa crítica): valor de la respuesta: ≤ 9 → 0 · …»."""
    dump = indicator.rule.model_dump()
    kind = texts.RULE_KINDS.get(dump.get("kind", ""), dump.get("kind", ""))
    if dump.get("kind") == "mean":
        kind += ": " + "; ".join(
            texts.RULE_KINDS.get(item.get("kind", ""), item.get("kind", "")) + _with(_bands(item))
            for item in dump.get("items", [])
        )
    return f"{indicator.id} ({indicator.label}): {kind}{_with(_bands(dump))}"


def _with(bands: str) -> str:
    return f" ({bands})" if bands else ""


def question_rules(q: Questionnaire) -> dict[str, str]:
    """Question id → the rules of the indicators that read it (empty: not scored)."""
    ids = set(q.question_map)
    out: dict[str, list[str]] = {}
    for indicator in q.indicators:
        for qid in dict.fromkeys(_referenced(indicator.rule.model_dump(), ids)):
            out.setdefault(qid, []).append(rule_text(indicator))
    return {qid: " | ".join(rules) for qid, rules in out.items()}


def options_text(question: Question) -> str:
    parts = []
    for choice in question.choices:
        score = "" if choice.score is None else texts.OPTION_SCORE.format(score=_num(choice.score))
        parts.append(f"{choice.id} = {choice.label}{score}")
    return "; ".join(parts)


def codebook(sheets: dict[str, list[Column]]) -> tuple[list[str], list[list[Any]]]:
    rows = [
        [
            sheet,
            column.name,
            column.label,
            texts.KINDS[column.kind],
            texts.UNITS.get(column.kind, ""),
            column.options,
            column.rule,
        ]
        for sheet, columns in sheets.items()
        for column in columns
    ]
    return list(CODEBOOK_COLUMNS), rows
