"""The figures of a campaign's executive summary (methodology §7).

Pure: the registry, the campaign's submissions and optionally the previous campaign's in; a
``dict`` out with exactly the field names of methodology §7 plus ``previous_campaign``. No
database, no Telegram, no files. Its Spanish text is :mod:`bot.reports.summary.text`, its charts
:mod:`bot.reports.summary.charts`; both read only this dict.

Decisions:

- **Who counts (R)**: a submission counts only when its ``cluster_id`` is in the registry.
  Submissions with unknown ids are *ignored* in every figure (they cannot be told apart from a
  typo, and sector, department and managing entity come from the registry);
  :func:`unknown_submissions` lists them so the caller can warn the admin. If a cluster appears
  more than once in one campaign, its last submission wins (the caller passes each cluster's latest
  result; this only guards against duplicates).
- **Inactive clusters**: a submission from a registry cluster whose ``estado`` is ``inactiva``
  *is* in R: its answers are real data about the campaign, and ``estado`` is today's status
  (it may have been active when it answered; for the previous campaign today's status says
  nothing at all). Only the participation figure is restricted to active clusters, as §2 says:
  ``participation_pct`` = |R ∩ A| / |A| × 100, so it never exceeds 100%, and ``respondents``
  = |R| may then be larger than ``participation_pct`` × ``registered``.
- **Previous campaign**: its submissions go through the same rules against the *current* registry.
- **Rounding**: arithmetic is exact (``Decimal`` sums in a context that refuses to round,
  ``Fraction`` ratios; a float is read as its shortest ``repr``, as the user saw it); a
  percentage or mean is then rounded once, half up (away from zero), to one decimal.
  ``level_change_pp`` is the difference of the two *published* (rounded) level percentages, so a
  reader can check it from the two summaries.
  Money and counts are ints when integral.
- **Null, never a wrong number**: a figure whose denominator is empty is ``None``; for a dict
  figure the *whole* dict is ``None`` (``level_pct`` with no respondents, ``sector_pct`` with no
  active cluster, ``firm_size_pct`` when nobody gave all four counts...), so a present dict always
  has every key with a number. ``top_impacts`` / ``top_regional_actions`` are ``None`` with no
  respondents and ``[]`` when nobody cited any option. ``"n/d"`` (and any non-numeric value) is left
  out of the sums, never read as zero.
- **Labels** of choices come from the questionnaire (its ``label``, not the short button text).
"""

from __future__ import annotations

import decimal
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, ParamSpec, TypeVar

from bot.questionnaire.model import ND, Questionnaire, Value

P = ParamSpec("P")
R = TypeVar("R")

__all__ = [
    "ACTOR_QUESTIONS",
    "ANSWERS_USED",
    "FIRM_SIZE_QUESTIONS",
    "FUNDING_QUESTION",
    "GOVERNANCE_QUESTION",
    "LEVEL_KEYS",
    "SECTOR_KEYS",
    "STRATEGY_FLAG",
    "SUMMARY_FIELDS",
    "ClusterInfo",
    "Submission",
    "breakdown",
    "compute_summary",
    "headline",
    "respondent_counts",
    "unknown_submissions",
]

# The JSON contract (methodology §7), in this order, plus ``previous_campaign`` after ``campaign``.
SUMMARY_FIELDS: tuple[str, ...] = (
    "campaign",
    "previous_campaign",
    "registered",
    "departments",
    "sector_pct",
    "respondents",
    "participation_pct",
    "level_pct",
    "level_change_pp",
    "area_mean",
    "ims_mean",
    "sales_total_cop",
    "sales_growth_pct",
    "sales_destination_pct",
    "employment_total",
    "employment_growth_pct",
    "firm_size_pct",
    "strategy_updated_pct",
    "actor_pct",
    "chamber_managed_pct",
    "governance_pct",
    "funding_source_pct",
    "top_impacts",
    "top_regional_actions",
)

ACTIVE = "activa"
CHAMBER = "camara_comercio"
SECTOR_KEYS: tuple[str, ...] = ("servicios", "agroindustria", "manufactura")
LEVEL_KEYS: tuple[str, ...] = ("exploracion", "intermedio", "consolidado")
FIRM_SIZE_QUESTIONS: dict[str, str] = {
    "micro": "empresas_micro",
    "pequena": "empresas_pequenas",
    "mediana": "empresas_medianas",
    "grande": "empresas_grandes",
}
ACTOR_QUESTIONS: dict[str, str] = {
    "empresas": "actores_empresas",
    "academia": "actores_academia",
    "publico": "actores_publico",
    "apoyo": "actores_apoyo",
}
DESTINATION_QUESTIONS: dict[str, str] = {
    "local": "ventas_pct_local",
    "nacional": "ventas_pct_nacional",
    "exportacion": "ventas_pct_exportacion",
}
SALES = ("ventas_anio_actual", "ventas_anio_anterior")
EMPLOYMENT = ("empleo_anio_actual", "empleo_anio_anterior")
GOVERNANCE_QUESTION = "gobernanza_instancias"
FUNDING_QUESTION = "financiacion_fuentes"
IMPACTS_QUESTION = "impactos_empresas"
REGIONAL_QUESTION = "acciones_regionales"
STRATEGY_FLAG = "estrategia_actualizada"
# Every question whose answers the figures read; the caller need not load any other.
ANSWERS_USED: tuple[str, ...] = (
    *SALES,
    *EMPLOYMENT,
    *DESTINATION_QUESTIONS.values(),
    *FIRM_SIZE_QUESTIONS.values(),
    *ACTOR_QUESTIONS.values(),
    GOVERNANCE_QUESTION,
    FUNDING_QUESTION,
    IMPACTS_QUESTION,
    REGIONAL_QUESTION,
)


@dataclass(frozen=True)
class ClusterInfo:
    """What the summary needs from one row of the cluster registry (methodology §2)."""

    cluster_id: str
    departamento: str
    sector: str
    entidad_gestora_tipo: str
    estado: str


@dataclass(frozen=True)
class Submission:
    """A cluster's submitted response in a campaign (its latest result)."""

    cluster_id: str
    answers: Mapping[str, Value]  # question id -> value; ND for not available; lists for multi
    ims: float
    level: str  # exploracion | intermedio | consolidado
    areas: Mapping[str, float]  # area id -> score
    estrategia_actualizada: bool


# --------------------------------------------------------------------------------------------
# Exact arithmetic and rounding
# --------------------------------------------------------------------------------------------

# Sums and products of answers are exact here: the precision is unbounded in practice, and an
# operation that would still have to round raises ``Inexact`` instead of doing so silently.
# Decimal (C) instead of Fraction (pure Python): a summary of 10,000 responses makes ~200,000
# additions, 0.6 s with Fraction.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
)
_ZERO = Decimal(0)


def _exact(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with :data:`_EXACT` as the decimal context (of this thread or task only)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with decimal.localcontext(_EXACT):
            return fn(*args, **kwargs)

    return wrapper


def _number(value: object) -> Decimal | None:
    """The exact value of a numeric answer; None for n/d, text, lists, booleans, NaN."""
    # type(), not isinstance: a bool is an int, and it is not a number here
    if type(value) is float:
        return _float_decimal(value)
    if type(value) is int:
        return Decimal(value)
    if type(value) is Decimal:
        return value if value.is_finite() else None
    return None


@functools.lru_cache(maxsize=8192)
def _float_decimal(value: float) -> Decimal | None:
    """Exact as printed (83.33333333333333); scores repeat a few values thousands of times."""
    return Decimal(repr(value)) if math.isfinite(value) else None


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, _ZERO)


def _round1(x: Fraction) -> float:
    """One decimal, half up (away from zero): 12.25 -> 12.3, -0.05 -> -0.1. Exact."""
    tenths = (20 * abs(x.numerator) + x.denominator) // (2 * x.denominator)
    if tenths == 0:
        return 0.0  # never -0.0
    return (tenths if x >= 0 else -tenths) / 10  # int / int is correctly rounded


def _share(part: Decimal | int, whole: Decimal | int) -> float:
    """``part`` as a percentage of a ``whole`` that is not zero."""
    return _round1(Fraction(part) * 100 / Fraction(whole))


def _pct(part: Decimal | int, whole: Decimal | int) -> float | None:
    return None if whole == 0 else _share(part, whole)


def _mean(values: Sequence[Decimal]) -> float | None:
    return _round1(Fraction(_sum(values)) / len(values)) if values else None


def _plain(x: Decimal) -> int | float:
    return int(x) if x == x.to_integral_value() else float(x)


def _growth(pairs: Sequence[tuple[Decimal, Decimal]]) -> float | None:
    """Balanced panel: (Σt − Σt−1) / Σt−1 × 100 over the clusters that gave both years."""
    now = _sum(t for t, _ in pairs)
    before = _sum(p for _, p in pairs)
    return _pct(now - before, before) if pairs else None


def _choice_counts(rs: Sequence[Submission], question: str) -> Counter[str]:
    """How many respondents chose each option (a repeated choice counts once)."""
    counts: Counter[str] = Counter()
    for s in rs:
        value = s.answers.get(question)
        if isinstance(value, list | tuple | set | frozenset):
            counts.update({v for v in value if isinstance(v, str)})
        elif isinstance(value, str) and value != ND:
            counts[value] += 1
    return counts


# --------------------------------------------------------------------------------------------
# The respondents
# --------------------------------------------------------------------------------------------


def _registry_map(registry: Iterable[ClusterInfo]) -> dict[str, ClusterInfo]:
    return {c.cluster_id: c for c in registry}


def _respondents(
    registry: Mapping[str, ClusterInfo], submissions: Iterable[Submission]
) -> list[Submission]:
    """R: one submission per registry cluster (the last one given), unknown ids dropped."""
    latest: dict[str, Submission] = {}
    for s in submissions:
        if s.cluster_id in registry:
            latest.pop(s.cluster_id, None)  # keep the order of the last occurrence
            latest[s.cluster_id] = s
    return list(latest.values())


def unknown_submissions(
    registry: Sequence[ClusterInfo], submissions: Sequence[Submission]
) -> list[str]:
    """Cluster ids of submissions that are not in the registry (ignored by the summary)."""
    known = _registry_map(registry)
    return sorted({s.cluster_id for s in submissions if s.cluster_id not in known})


@_exact
def headline(
    q: Questionnaire,
    campaign_id: str,
    registry: Sequence[ClusterInfo],
    submissions: Sequence[Submission],
) -> dict[str, Any]:
    """The part of a summary the charts compare against: level shares and area means."""
    rs = _respondents(_registry_map(registry), submissions)
    return {"campaign": campaign_id, "level_pct": _level_pct(q, rs), "area_mean": _area_mean(q, rs)}


def respondent_counts(
    registry: Sequence[ClusterInfo], current: Sequence[Submission]
) -> tuple[dict[str, int], dict[str, int]]:
    """Respondents (R, as in :func:`compute_summary`) by sector and by department.

    ``by_sector`` has the three sector keys in their fixed order (zeros included) and then any
    other sector found; ``by_department`` has only departments with respondents, most first
    (ties by name).
    """
    reg = _registry_map(registry)
    rows = [reg[s.cluster_id] for s in _respondents(reg, current)]
    sectors = Counter(c.sector for c in rows)
    by_sector = {k: sectors.get(k, 0) for k in SECTOR_KEYS}
    by_sector.update({k: n for k, n in sorted(sectors.items()) if k not in by_sector})
    departments = Counter(c.departamento for c in rows)
    by_department = dict(sorted(departments.items(), key=lambda kv: (-kv[1], kv[0])))
    return by_sector, by_department


# --------------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------------


def _level_pct(q: Questionnaire, rs: Sequence[Submission]) -> dict[str, float] | None:
    if not rs:
        return None
    counts = Counter(s.level for s in rs)
    keys = [lv.id for lv in q.levels] or list(LEVEL_KEYS)
    return {k: _share(counts.get(k, 0), len(rs)) for k in keys}


def _level_change(
    current: Mapping[str, float] | None, previous: Mapping[str, float] | None
) -> dict[str, float] | None:
    if current is None or previous is None:
        return None
    return {
        k: float(Decimal(repr(v)) - Decimal(repr(previous.get(k, 0.0)))) + 0.0
        for k, v in current.items()
    }


def _area_mean(q: Questionnaire, rs: Sequence[Submission]) -> dict[str, float | None] | None:
    if not rs:
        return None
    out: dict[str, float | None] = {}
    for area in q.areas:
        values = [v for s in rs if (v := _number(s.areas.get(area.id))) is not None]
        out[area.id] = _mean(values)
    return out


def _total(rs: Sequence[Submission], question: str) -> int | float | None:
    values = [v for s in rs if (v := _number(s.answers.get(question))) is not None]
    return _plain(_sum(values)) if values else None


def _panel(rs: Sequence[Submission], current: str, previous: str) -> list[tuple[Decimal, Decimal]]:
    pairs = []
    for s in rs:
        now, before = _number(s.answers.get(current)), _number(s.answers.get(previous))
        if now is not None and before is not None:
            pairs.append((now, before))
    return pairs


def _numbers(s: Submission, questions: Mapping[str, str]) -> dict[str, Decimal] | None:
    """The exact answers of ``s`` to every one of ``questions`` (by key); None if one is missing."""
    values: dict[str, Decimal] = {}
    for k, qid in questions.items():
        if (v := _number(s.answers.get(qid))) is None:
            return None
        values[k] = v
    return values


def _composition(rs: Sequence[Submission], questions: Mapping[str, str]) -> dict[str, float] | None:
    """Σ each / Σ all, over the clusters that gave every one of the counts."""
    sums = dict.fromkeys(questions, _ZERO)
    complete = False
    for s in rs:
        values = _numbers(s, questions)
        if values is None:
            continue
        complete = True
        for k, v in values.items():
            sums[k] += v
    total = _sum(sums.values())
    if not complete or total == 0:
        return None
    return {k: _share(v, total) for k, v in sums.items()}


def _destination(rs: Sequence[Submission]) -> dict[str, float] | None:
    """Sales-weighted mean of the shares, over clusters that gave sales t and all three shares."""
    weighted = dict.fromkeys(DESTINATION_QUESTIONS, _ZERO)
    weight = _ZERO
    for s in rs:
        sales = _number(s.answers.get(SALES[0]))
        shares = _numbers(s, DESTINATION_QUESTIONS)
        if sales is None or shares is None:
            continue
        weight += sales
        for k, v in shares.items():
            weighted[k] += sales * v
    if weight == 0:
        return None
    return {k: _round1(Fraction(v) / Fraction(weight)) for k, v in weighted.items()}


def _choice_pct(
    q: Questionnaire, rs: Sequence[Submission], question: str
) -> dict[str, float] | None:
    if not rs:
        return None
    counts = _choice_counts(rs, question)
    return {c.id: _share(counts.get(c.id, 0), len(rs)) for c in q.question(question).choices}


def _top(q: Questionnaire, rs: Sequence[Submission], question: str) -> list[dict[str, Any]] | None:
    """Options cited by someone, most cited first (ties: questionnaire order); no "none" option."""
    if not rs:
        return None
    counts = _choice_counts(rs, question)
    choices = [c for c in q.question(question).choices if not c.exclusive and counts[c.id] > 0]
    ranked = sorted(enumerate(choices), key=lambda ic: (-counts[ic[1].id], ic[0]))
    return [{"id": c.id, "label": c.label, "pct": _share(counts[c.id], len(rs))} for _, c in ranked]


@_exact
def compute_summary(
    q: Questionnaire,
    campaign_id: str,
    registry: Sequence[ClusterInfo],
    current: Sequence[Submission],
    previous: Sequence[Submission] | None,
    previous_campaign_id: str | None = None,
) -> dict[str, Any]:
    """The §7 figures of ``campaign_id`` (see the module docstring for the rules)."""
    reg = _registry_map(registry)
    active = [c for c in reg.values() if c.estado == ACTIVE]
    rs = _respondents(reg, current)
    n = len(rs)
    active_ids = {c.cluster_id for c in active}

    sectors = Counter(c.sector for c in active)
    sector_pct = (
        {k: _share(sectors.get(k, 0), len(active)) for k in SECTOR_KEYS} if active else None
    )
    level_pct = _level_pct(q, rs)
    previous_level = None if previous is None else _level_pct(q, _respondents(reg, previous))
    sales_panel = _panel(rs, *SALES)
    jobs_panel = _panel(rs, *EMPLOYMENT)

    summary: dict[str, Any] = {
        "campaign": campaign_id,
        "previous_campaign": previous_campaign_id,
        "registered": len(active),
        "departments": len({c.departamento for c in active}),
        "sector_pct": sector_pct,
        "respondents": n,
        "participation_pct": _pct(sum(s.cluster_id in active_ids for s in rs), len(active)),
        "level_pct": level_pct,
        "level_change_pp": _level_change(level_pct, previous_level),
        "area_mean": _area_mean(q, rs),
        "ims_mean": _mean([v for s in rs if (v := _number(s.ims)) is not None]),
        "sales_total_cop": _total(rs, SALES[0]),
        "sales_growth_pct": _growth(sales_panel),
        "sales_destination_pct": _destination(rs),
        "employment_total": _total(rs, EMPLOYMENT[0]),
        "employment_growth_pct": _growth(jobs_panel),
        "firm_size_pct": _composition(rs, FIRM_SIZE_QUESTIONS),
        "strategy_updated_pct": _pct(sum(s.estrategia_actualizada is True for s in rs), n),
        "actor_pct": _composition(rs, ACTOR_QUESTIONS),
        "chamber_managed_pct": _pct(
            sum(reg[s.cluster_id].entidad_gestora_tipo == CHAMBER for s in rs), n
        ),
        "governance_pct": _choice_pct(q, rs, GOVERNANCE_QUESTION),
        "funding_source_pct": _choice_pct(q, rs, FUNDING_QUESTION),
        "top_impacts": _top(q, rs, IMPACTS_QUESTION),
        "top_regional_actions": _top(q, rs, REGIONAL_QUESTION),
    }
    assert tuple(summary) == SUMMARY_FIELDS
    return summary


GROUP_KEYS: tuple[str, ...] = ("departamento", "sector")


@_exact
def breakdown(
    q: Questionnaire,
    registry: Sequence[ClusterInfo],
    current: Sequence[Submission],
    by: str,
) -> list[dict[str, Any]]:
    """The annex's figures per department or sector (``by`` names the registry column):
    ``registered``, ``respondents`` (R), ``active_respondents`` (R ∩ A), ``participation_pct``,
    ``level_pct``, ``area_mean`` and ``ims_mean`` of each group, by the same rules (and helpers) as :func:`compute_summary`.

    A group is a value of ``by`` among the active clusters or the respondents; ordered by name.
    """
    if by not in GROUP_KEYS:
        raise ValueError(f"by must be one of {GROUP_KEYS}")
    reg = _registry_map(registry)
    rs = _respondents(reg, current)
    groups: dict[str, tuple[list[ClusterInfo], list[Submission]]] = {}
    for c in reg.values():
        if c.estado == ACTIVE:
            groups.setdefault(getattr(c, by), ([], []))[0].append(c)
    for s in rs:
        groups.setdefault(getattr(reg[s.cluster_id], by), ([], []))[1].append(s)
    rows = []
    for name in sorted(groups):
        active, answered = groups[name]
        active_ids = {c.cluster_id for c in active}
        responded = sum(s.cluster_id in active_ids for s in answered)
        rows.append(
            {
                "group": name,
                "registered": len(active),
                "respondents": len(answered),
                "active_respondents": responded,
                "participation_pct": _pct(responded, len(active)),
                "level_pct": _level_pct(q, answered),
                "area_mean": _area_mean(q, answered),
                "ims_mean": _mean([v for s in answered if (v := _number(s.ims)) is not None]),
            }
        )
    return rows
