"""Scoring of SSME answer sets: pure functions over the questionnaire data."""

from scoring.scorer import AreaScore, GateResult, IndicatorScore, ScoreResult, score_answers

__all__ = ["AreaScore", "GateResult", "IndicatorScore", "ScoreResult", "score_answers"]
