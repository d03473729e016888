"""What held a result's level back, and what the next level needs: one reading for the chart,
the chat and the report card."""

from __future__ import annotations

from dataclasses import dataclass

from bot.questionnaire.model import Level, Questionnaire
from bot.texts import charts as C
from scoring import GateResult, ScoreResult


@dataclass(frozen=True)
class NextLevel:
    level: Level  # the next level up
    points: float  # IMS points missing (0 when the IMS is enough)
    gates: tuple[GateResult, ...]  # its gates that fail (only for a level that requires them)


def next_level(q: Questionnaire, result: ScoreResult) -> NextLevel | None:
    """The level above the result's and what it still needs; None at the top."""
    ids = [lv.id for lv in q.levels]
    at = ids.index(result.level) if result.level in ids else 0
    if at + 1 >= len(q.levels):
        return None
    up = q.levels[at + 1]
    failed = tuple(g for g in result.gates if not g.passed) if up.requires_gates else ()
    return NextLevel(up, max(0.0, round(up.min_ims - result.ims, 1)), failed)


def held_back(q: Questionnaire, result: ScoreResult) -> str | None:
    """ "Nivel Intermedio: falta estrategia actualizada…" when the IMS reached the next level but
    a gate kept the result below it; None otherwise."""
    up = next_level(q, result)
    if up is None or up.points > 0 or not up.gates:
        return None
    labels = [g.label[:1].lower() + g.label[1:] for g in up.gates]
    missing = (
        C.MISSING_ONE.format(gate=labels[0])
        if len(labels) == 1
        else C.MISSING_MANY.format(gates=C.MISSING_SEPARATOR.join(labels))
    )
    return C.HELD_BACK.format(level=result.level_label, missing=missing)
