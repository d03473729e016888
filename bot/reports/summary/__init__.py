"""The aggregate executive summary of a campaign: its figures, its Spanish text and its charts.

Three pure parts, each reading only what the one before it produced:

- :mod:`.figures`: registry + submissions → the JSON-ready dict of methodology §7 (and the
  rules of who counts, rounding and nulls, in its docstring);
- :mod:`.text`: that dict → the Telegram HTML text (wording in :mod:`bot.texts.summary`);
- :mod:`.charts`: that dict → picklable chart specs, and the two ways of drawing them.

Callers use this package's names (``from bot.reports import summary``); no database, no
Telegram, no files anywhere in it.
"""

from __future__ import annotations

from bot.reports.summary.charts import (
    BarsChart,
    ChartJob,
    area_chart,
    department_chart,
    level_chart,
    render_chart,
    render_with,
    sector_chart,
    summary_charts,
)
from bot.reports.summary.figures import (
    ACTOR_QUESTIONS,
    ANSWERS_USED,
    FIRM_SIZE_QUESTIONS,
    LEVEL_KEYS,
    SECTOR_KEYS,
    SUMMARY_FIELDS,
    ClusterInfo,
    Submission,
    breakdown,
    compute_summary,
    headline,
    respondent_counts,
    unknown_submissions,
)
from bot.reports.summary.text import count_text, num_text, sentences, summary_text

__all__ = [
    "ACTOR_QUESTIONS",
    "ANSWERS_USED",
    "FIRM_SIZE_QUESTIONS",
    "LEVEL_KEYS",
    "SECTOR_KEYS",
    "SUMMARY_FIELDS",
    "BarsChart",
    "ChartJob",
    "ClusterInfo",
    "Submission",
    "area_chart",
    "breakdown",
    "compute_summary",
    "count_text",
    "department_chart",
    "headline",
    "level_chart",
    "num_text",
    "render_chart",
    "render_with",
    "respondent_counts",
    "sector_chart",
    "sentences",
    "summary_charts",
    "summary_text",
    "unknown_submissions",
]
