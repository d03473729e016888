"""Why an analyst should look at a submission first: outliers against the campaign, jumps
against the previous one. Pure: codes and numbers; ``bot.texts.desk`` words them.

- ``sales_per_firm_high`` / ``sales_per_firm_low``, ``jobs_per_firm_high`` / ``jobs_per_firm_low``:
  the figure per linked firm beyond the campaign's 99th (or under its 1st) percentile, once
  at least ``MIN_FOR_PERCENTILES`` submissions give it (with fewer, a percentile is just the
  largest or smallest cluster), and ``FAR`` times away from the median: beyond a percentile
  alone, the largest and smallest of any campaign would always be flagged, however typical;
- ``level_jump``: the level moved two steps (Exploración ↔ Consolidado) since the cluster's
  previous campaign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.questionnaire.parsing import format_cop_words, format_number

MIN_FOR_PERCENTILES = 20
HIGH, LOW = 0.99, 0.01
FAR = 3.0  # an outlier is also this many times above (or below) the median
RATIOS = {
    "sales_per_firm": ("ventas_anio_actual", "empresas_vinculadas"),
    "jobs_per_firm": ("empleo_anio_actual", "empresas_vinculadas"),
}
# The answers the flags read (:func:`ratios`).
ANSWERS_USED = tuple(sorted({q for pair in RATIOS.values() for q in pair}))


@dataclass(frozen=True)
class Flag:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Flagged:
    """One submission as the flags see it: its level and its figures per linked firm
    (:func:`ratios`, kept with the submission: ``bot.storage.checks``)."""

    cluster_id: str
    level: str
    ratios: Mapping[str, float | None]


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p`` quantile by linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = p * (len(sorted_values) - 1)
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def _ratio(answers: Mapping[str, Any], numerator: str, denominator: str) -> float | None:
    top, bottom = answers.get(numerator), answers.get(denominator)
    if not isinstance(top, int | float) or not isinstance(bottom, int | float) or bottom <= 0:
        return None  # "No disponible", unanswered, or no firms to divide by
    return float(top) / float(bottom)


def ratios(answers: Mapping[str, Any]) -> dict[str, float | None]:
    """A submission's figures per linked firm (None where they cannot be computed)."""
    return {name: _ratio(answers, *pair) for name, pair in RATIOS.items()}


def flags(
    submissions: Sequence[Flagged],
    previous_levels: Mapping[str, str],
    level_order: Sequence[str],
) -> dict[str, list[Flag]]:
    """Cluster id → its flags (only clusters with at least one)."""
    ratios = {
        name: {s.cluster_id: r for s in submissions if (r := s.ratios.get(name)) is not None}
        for name in RATIOS
    }
    levels = {s.cluster_id: s.level for s in submissions}
    return flags_of(levels, ratios, previous_levels, level_order)


def flags_of(
    levels: Mapping[str, str],
    ratios: Mapping[str, Mapping[str, float]],
    previous_levels: Mapping[str, str],
    level_order: Sequence[str],
) -> dict[str, list[Flag]]:
    """:func:`flags` over columns (cluster id → level; ratio name → cluster id → figure, those
    computable only), as the review queue reads them for ten thousand submissions."""
    out: dict[str, list[Flag]] = {}
    for name in RATIOS:
        values = ratios.get(name, {})
        if len(values) < MIN_FOR_PERCENTILES:
            continue
        ordered = sorted(values.values())
        middle = percentile(ordered, 0.5)
        high, low = percentile(ordered, HIGH), percentile(ordered, LOW)
        for cluster_id, value in values.items():
            if value > high and value > FAR * middle:
                out.setdefault(cluster_id, []).append(
                    Flag(f"{name}_high", {"value": value, "bound": high})
                )
            elif value < low and value * FAR < middle:
                out.setdefault(cluster_id, []).append(
                    Flag(f"{name}_low", {"value": value, "bound": low})
                )
    rank = {level: k for k, level in enumerate(level_order)}
    for cluster_id, level in levels.items():
        before = previous_levels.get(cluster_id)
        if before in rank and level in rank and abs(rank[level] - rank[before]) >= 2:
            out.setdefault(cluster_id, []).append(
                Flag("level_jump", {"before": before, "now": level})
            )
    return out


def describe(flag: Flag, level_labels: Mapping[str, str]) -> dict[str, str]:
    """A flag's numbers formatted the Colombian way, for its text (``bot.texts.desk``)."""
    params = flag.params
    if flag.code.startswith("sales_per_firm"):
        return {
            "value": format_cop_words(Decimal(str(round(params["value"])))),
            "bound": format_cop_words(Decimal(str(round(params["bound"])))),
        }
    if flag.code.startswith("jobs_per_firm"):
        return {
            "value": format_number(params["value"], 1),
            "bound": format_number(params["bound"], 1),
        }
    if flag.code == "level_jump":
        return {
            "before": level_labels.get(params["before"], params["before"]),
            "now": level_labels.get(params["now"], params["now"]),
        }
    return {k: str(v) for k, v in params.items()}
