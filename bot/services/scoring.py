"""Scoring an answer set from a file (``ssme score``): the conversation's rules, then the scores.

A file cannot be asked again, so every problem is reported at once, and a file with any
rejected answer gets no score at all; soft rules (large changes) are only warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.conversation import results
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire
from scoring import ScoreResult, score_answers


@dataclass(frozen=True)
class Scored:
    errors: list[str]  # "question_id: message", one per rejected or missing answer
    warnings: list[str]
    result: ScoreResult | None  # None when there is any error


def score_file(q: Questionnaire, raw: Mapping[str, object], campaign_year: int) -> Scored:
    answers, errors, warnings = Engine(q, campaign_year).validate(raw)
    result = None if errors else score_answers(q, answers, campaign_year)
    return Scored(errors, warnings, result)


def radar_png(q: Questionnaire, result: ScoreResult, name: str, campaign: str) -> bytes:
    """The spider chart a manager receives, as PNG bytes."""
    from charts import render_radar  # matplotlib: only when a chart is drawn

    return render_radar(results.radar_spec(q, result, name, campaign))
