"""The aggregate executive summary of a campaign: its figures, its Spanish text and its charts.

Pure: plain data in (the registry, the campaign's submissions, optionally the previous
campaign's), a JSON-ready ``dict`` out, with exactly the field names of methodology §7 plus
``previous_campaign``. No database, no Telegram, no files.

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
  percentage or mean is then rounded once, half up (away from zero), to one decimal. ``level_change_pp`` is the difference of the
  two *published* (rounded) level percentages, so a reader can check it from the two summaries.
  Money and counts are ints when integral.
- **Null, never a wrong number**: a figure whose denominator is empty is ``None``; for a dict
  figure the *whole* dict is ``None`` (``level_pct`` with no respondents, ``sector_pct`` with no
  active cluster, ``firm_size_pct`` when nobody gave all four counts...), so a present dict always
  has every key with a number. ``top_impacts`` / ``top_regional_actions`` are ``None`` with no
  respondents and ``[]`` when nobody cited any option. ``"n/d"`` (and any non-numeric value) is left
  out of the sums, never read as zero.
- **Labels** of choices come from the questionnaire (its ``label``, not the short button text).
- **Text** (:func:`summary_text`): built only from the JSON summary, so it can be re-made from an
  export. It says "(k de |A|)" after the participation, with k recovered from the rounded
  percentage (exact while |A| < 1000), and names inactive respondents separately. "En su
  mayoría" only above 50%; ties between levels, or between best or worst areas, are named as ties
  or left out, never settled arbitrarily.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html import escape
from typing import Any, ParamSpec, TypeVar

from bot.questionnaire.model import ND, Questionnaire, Value
from bot.questionnaire.parsing import format_cop_words, format_number
from bot.texts import summary as T
from charts import Band, RadarSpec, Renderer, Series

P = ParamSpec("P")
R = TypeVar("R")

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
    "compute_summary",
    "department_chart",
    "level_chart",
    "render_chart",
    "render_with",
    "respondent_counts",
    "sector_chart",
    "summary_charts",
    "summary_text",
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
TOP_N = 5  # items listed under each bulleted heading of the text


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
    kind = type(value)  # not isinstance: a bool is an int, and it is not a number here
    if kind is float:
        return _float_decimal(value)  # type: ignore[arg-type]
    if kind is int:
        return Decimal(value)  # type: ignore[arg-type]
    if kind is Decimal:
        return value if value.is_finite() else None  # type: ignore[union-attr,return-value]
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


def _pct(part: Decimal | int, whole: Decimal | int) -> float | None:
    return None if whole == 0 else _round1(Fraction(part) * 100 / Fraction(whole))


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
    return {k: _pct(counts.get(k, 0), len(rs)) for k in keys}  # type: ignore[misc]


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


def _composition(rs: Sequence[Submission], questions: Mapping[str, str]) -> dict[str, float] | None:
    """Σ each / Σ all, over the clusters that gave every one of the counts."""
    sums = dict.fromkeys(questions, _ZERO)
    complete = False
    for s in rs:
        values = {k: _number(s.answers.get(qid)) for k, qid in questions.items()}
        if any(v is None for v in values.values()):
            continue
        complete = True
        for k, v in values.items():
            sums[k] += v  # type: ignore[operator]
    total = _sum(sums.values())
    if not complete or total == 0:
        return None
    return {k: _pct(v, total) for k, v in sums.items()}  # type: ignore[misc]


def _destination(rs: Sequence[Submission]) -> dict[str, float] | None:
    """Sales-weighted mean of the shares, over clusters that gave sales t and all three shares."""
    weighted = dict.fromkeys(DESTINATION_QUESTIONS, _ZERO)
    weight = _ZERO
    for s in rs:
        sales = _number(s.answers.get(SALES[0]))
        shares = {k: _number(s.answers.get(qid)) for k, qid in DESTINATION_QUESTIONS.items()}
        if sales is None or any(v is None for v in shares.values()):
            continue
        weight += sales
        for k, v in shares.items():
            weighted[k] += sales * v  # type: ignore[operator]
    if weight == 0:
        return None
    return {k: _round1(Fraction(v) / Fraction(weight)) for k, v in weighted.items()}


def _choice_pct(
    q: Questionnaire, rs: Sequence[Submission], question: str
) -> dict[str, float] | None:
    if not rs:
        return None
    counts = _choice_counts(rs, question)
    return {c.id: _pct(counts.get(c.id, 0), len(rs)) for c in q.question(question).choices}  # type: ignore[misc]


def _top(q: Questionnaire, rs: Sequence[Submission], question: str) -> list[dict[str, Any]] | None:
    """Options cited by someone, most cited first (ties: questionnaire order); no "none" option."""
    if not rs:
        return None
    counts = _choice_counts(rs, question)
    choices = [c for c in q.question(question).choices if not c.exclusive and counts[c.id] > 0]
    ranked = sorted(enumerate(choices), key=lambda ic: (-counts[ic[1].id], ic[0]))
    return [{"id": c.id, "label": c.label, "pct": _pct(counts[c.id], len(rs))} for _, c in ranked]


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
    sector_pct = {k: _pct(sectors.get(k, 0), len(active)) for k in SECTOR_KEYS} if active else None
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


# --------------------------------------------------------------------------------------------
# The text
# --------------------------------------------------------------------------------------------


def _num_text(value: float) -> str:
    """``74`` for 74.0, ``12,5`` for 12.5 (one decimal only when there is one)."""
    exact = Decimal(repr(float(value)))
    return format_number(exact, 0 if exact == exact.to_integral_value() else 1)


def _pct_text(value: float) -> str:
    return T.PCT.format(value=_num_text(value))


def _plural(forms: tuple[str, str], n: int) -> str:
    return (forms[0] if n == 1 else forms[1]).format(n=format_number(n))


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return T.LIST_SEPARATOR.join(items[:-1]) + T.LIST_LAST_SEPARATOR + items[-1]


def _ranked(shares: Mapping[str, float]) -> list[tuple[str, float]]:
    """Largest share first; ties keep the key order."""
    return sorted(shares.items(), key=lambda kv: -kv[1])


def _label_pct(label: str, pct: float) -> str:
    return T.LABEL_PCT.format(label=label, pct=_pct_text(pct))


def _previous_name(summary: Mapping[str, Any]) -> str:
    campaign = summary.get("previous_campaign")
    if campaign is None:
        return T.PREVIOUS_UNNAMED
    return T.PREVIOUS_NAMED.format(campaign=escape(str(campaign)))


def _signed_pp(value: float) -> str:
    if value == 0:
        return T.PP_NO_CHANGE
    template = T.PP_SIGNED_UP if value > 0 else T.PP_SIGNED_DOWN
    return template.format(value=_num_text(abs(value)))


def _active_respondents(participation: float, registered: int) -> int | None:
    """|R ∩ A|, recovered from the published participation: exact while |A| < 1000.

    ``participation_pct`` = 100·k/|A| rounded to 0.1, an error of at most 0.05 points, so
    k = participation·|A|/100 is off by at most 0.0005·|A| < 0.5 and rounds back to k.
    """
    if not 0 < registered < 1000:
        return None
    scaled = Decimal(repr(float(participation))) * registered / 100
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _registry_paragraph(summary: Mapping[str, Any]) -> list[str]:
    registered = summary["registered"]
    if not registered:
        return [T.NO_REGISTERED]
    text = T.REGISTRY.format(
        clusters=_plural(T.CLUSTERS, registered),
        departments=_plural(T.DEPARTMENTS, summary["departments"]),
    )
    sectors = summary.get("sector_pct")
    if sectors:
        parts = []
        for i, (key, pct) in enumerate(_ranked(sectors)):
            name = escape(T.SECTOR_NAMES.get(key, key))
            if i == 0:
                plural = "" if registered == 1 else "n"
                parts.append(T.SECTOR_FIRST.format(pct=_pct_text(pct), plural=plural, sector=name))
            else:
                parts.append(T.SECTOR_NEXT.format(pct=_pct_text(pct), sector=name))
        text += T.REGISTRY_SECTORS.format(sectors=_join(parts))
    else:
        text += T.REGISTRY_END
    return [text]


def _level_sentence(summary: Mapping[str, Any], q: Questionnaire) -> str | None:
    levels: Mapping[str, float] | None = summary.get("level_pct")
    if not levels:
        return None
    labels = {lv.id: escape(lv.label) for lv in q.levels}
    ranked = _ranked(levels)
    top_pct = ranked[0][1]
    top = [k for k, v in ranked if v == top_pct]
    rest = [(k, v) for k, v in ranked if v != top_pct and v > 0]
    changes: Mapping[str, float] | None = summary.get("level_change_pp")
    previous = _previous_name(summary)

    if len(top) == 1:
        key = top[0]
        template = T.LEVEL_MAJORITY if top_pct > 50 else T.LEVEL_LARGEST
        text = template.format(pct=_pct_text(top_pct), level=labels.get(key, key))
        if changes is not None and key in changes:
            change = changes[key]
            if change == 0:
                text += T.LEVEL_SAME.format(previous=previous)
            else:
                template = T.LEVEL_UP if change > 0 else T.LEVEL_DOWN
                pp = T.PP.format(value=_num_text(abs(change)))
                text += template.format(pp=pp, previous=previous)
    else:
        quoted = [T.LEVEL_QUOTED.format(level=labels.get(k, k)) for k in top]
        text = T.LEVEL_TIE.format(pct=_pct_text(top_pct), levels=_join(quoted))
    if rest:
        items = [_label_pct(T.LEVEL_QUOTED.format(level=labels.get(k, k)), v) for k, v in rest]
        text += T.LEVEL_REST[0 if len(items) == 1 else 1].format(rest=_join(items))
    text += T.LEVEL_END
    if changes is not None and len(top) > 1:
        items = [
            T.LEVEL_CHANGE_ITEM.format(level=labels.get(k, k), change=_signed_pp(changes[k]))
            for k in top
            if k in changes
        ]
        text += T.LEVEL_CHANGES.format(previous=previous, items=_join(items))
    elif changes is None:
        if summary.get("previous_campaign") is None:
            text += T.FIRST_MEASUREMENT
        else:
            text += T.NO_PREVIOUS_DATA.format(previous=previous)
    return text


def _ims_sentence(summary: Mapping[str, Any], q: Questionnaire) -> str | None:
    ims = summary.get("ims_mean")
    if ims is None:
        return None
    text = T.IMS.format(ims=_num_text(ims))
    means = {k: v for k, v in (summary.get("area_mean") or {}).items() if v is not None}
    if len(means) >= 2:
        labels = {a.id: escape(a.label) for a in q.areas}
        best_score, worst_score = max(means.values()), min(means.values())
        best = [k for k, v in means.items() if v == best_score]
        worst = [k for k, v in means.items() if v == worst_score]
        fields = {
            "best": labels.get(best[0], best[0]),
            "best_score": _num_text(best_score),
            "worst": labels.get(worst[0], worst[0]),
            "worst_score": _num_text(worst_score),
        }
        # An area is named only when it alone has the best (or the worst) mean.
        if best_score != worst_score and len(best) == 1 and len(worst) == 1:
            text += T.IMS_BEST_WORST.format(**fields)
        elif best_score != worst_score and len(best) == 1:
            text += T.IMS_BEST.format(**fields)
        elif best_score != worst_score and len(worst) == 1:
            text += T.IMS_WORST.format(**fields)
    return text


def _growth_sentence(
    total_text: str | None,
    growth: float | None,
    templates: tuple[str, str, str, str, str],
) -> str:
    up, down, flat, total_only, none = templates
    if total_text is None:
        return none
    if growth is None:
        return total_only.format(total=total_text)
    if growth == 0:
        return flat.format(total=total_text)
    template = up if growth > 0 else down
    return template.format(growth=_pct_text(abs(growth)), total=total_text)


def _composition_sentence(
    shares: Mapping[str, float] | None, names: Mapping[str, str], template: str, none: str
) -> str:
    if not shares:
        return none
    ranked = _ranked(shares)
    (first, first_pct), rest = ranked[0], ranked[1:]
    return template.format(
        adverb=T.MOSTLY if first_pct > 50 else T.MAINLY,
        first=_label_pct(names.get(first, first), first_pct),
        rest=_join([_label_pct(names.get(k, k), v) for k, v in rest]),
    )


def _destination_sentence(shares: Mapping[str, float] | None) -> str:
    if not shares:
        return T.DESTINATION_NONE
    ranked = _ranked(shares)
    fields: dict[str, str] = {}
    for slot, (key, pct) in zip(("first", "second", "third"), ranked, strict=False):
        fields[slot] = T.DESTINATION_NAMES.get(key, key)
        fields[f"{slot}_pct"] = _pct_text(pct)
    return T.DESTINATION.format(**fields)


def _choice_lines(
    shares: Mapping[str, float] | None, q: Questionnaire, question: str, n: int
) -> list[str]:
    """The most chosen non-exclusive options (chosen by someone) as sub-bullets."""
    if not shares:
        return []
    choices = q.question(question).choice_map
    kept = [
        (k, v) for k, v in _ranked(shares) if v > 0 and k in choices and not choices[k].exclusive
    ]
    return [T.SUB_BULLET.format(text=_label_pct(escape(choices[k].label), v)) for k, v in kept[:n]]


def _top_lines(items: Sequence[Mapping[str, Any]] | None, n: int) -> list[str]:
    return (
        [T.SUB_BULLET.format(text=_label_pct(escape(str(i["label"])), i["pct"])) for i in items[:n]]
        if items
        else []
    )


def _bulleted(heading: str, lines: list[str], none: str, shown: bool = True) -> list[str]:
    if not shown:
        return []
    return [T.BULLET.format(text=heading), *lines] if lines else [T.BULLET.format(text=none)]


def _strategy_years(q: Questionnaire) -> int | None:
    return next((f.max_age for f in q.flags if f.id == STRATEGY_FLAG), None)


def _build_text(summary: Mapping[str, Any], q: Questionnaire, n: int) -> str:
    campaign = escape(str(summary["campaign"]))
    blocks: list[list[str]] = [[T.TITLE.format(campaign=campaign)], _registry_paragraph(summary)]
    respondents = summary["respondents"]
    if not respondents:
        blocks.append([T.NO_RESPONDENTS.format(campaign=campaign)])
        return "\n\n".join("\n".join(b) for b in blocks)

    participation = summary.get("participation_pct")
    if participation is None:
        answered = _plural(T.RESPONDENTS, respondents)
        blocks.append([T.RESPONDENTS_ONLY.format(respondents=answered)])
    else:
        registered = summary["registered"]
        active = _active_respondents(participation, registered)
        if active is None:
            detail = _plural(T.RESPONDENTS, respondents)
        else:
            detail = T.ACTIVE_RESPONDENTS.format(
                k=format_number(active), registered=format_number(registered)
            )
        text = T.PARTICIPATION.format(pct=_pct_text(participation), detail=detail)
        if active is not None and respondents > active:
            text += _plural(T.INACTIVE_RESPONDENTS, respondents - active)
        blocks.append([text])
    blocks.append([T.RESULTS_INTRO])

    bullets: list[list[str]] = []

    def add(text: str | None) -> None:
        if text:
            bullets.append([T.BULLET.format(text=text)])

    add(_level_sentence(summary, q))
    add(_ims_sentence(summary, q))
    sales = summary.get("sales_total_cop")
    add(
        _growth_sentence(
            None if sales is None else format_cop_words(Decimal(repr(sales))),
            summary.get("sales_growth_pct"),
            (T.SALES_UP, T.SALES_DOWN, T.SALES_FLAT, T.SALES_TOTAL_ONLY, T.SALES_NONE),
        )
    )
    add(_destination_sentence(summary.get("sales_destination_pct")))
    jobs = summary.get("employment_total")
    add(
        _growth_sentence(
            None if jobs is None else _plural(T.JOBS, jobs),
            summary.get("employment_growth_pct"),
            (
                T.EMPLOYMENT_UP,
                T.EMPLOYMENT_DOWN,
                T.EMPLOYMENT_FLAT,
                T.EMPLOYMENT_TOTAL_ONLY,
                T.EMPLOYMENT_NONE,
            ),
        )
    )
    add(
        _composition_sentence(
            summary.get("firm_size_pct"), T.FIRM_SIZE_NAMES, T.FIRM_SIZE, T.FIRM_SIZE_NONE
        )
    )
    strategy = summary.get("strategy_updated_pct")
    if strategy is not None:
        years = _strategy_years(q)
        detail = "" if years is None else T.STRATEGY_DETAIL.format(years=years)
        add(T.STRATEGY.format(pct=_pct_text(strategy), detail=detail))
    add(_composition_sentence(summary.get("actor_pct"), T.ACTOR_NAMES, T.ACTORS, T.ACTORS_NONE))
    chamber = summary.get("chamber_managed_pct")
    if chamber is not None:
        add(T.CHAMBER.format(pct=_pct_text(chamber)))
    for heading, shares, question, none in (
        (T.GOVERNANCE, "governance_pct", GOVERNANCE_QUESTION, T.GOVERNANCE_NONE),
        (T.FUNDING, "funding_source_pct", FUNDING_QUESTION, T.FUNDING_NONE),
    ):
        shown = summary.get(shares) is not None and question in q.question_map
        lines = _choice_lines(summary.get(shares), q, question, n) if shown else []
        bullets.append(_bulleted(heading, lines, none, shown))
    for heading, key, none in (
        (T.IMPACTS, "top_impacts", T.IMPACTS_NONE),
        (T.REGIONAL, "top_regional_actions", T.REGIONAL_NONE),
    ):
        items = summary.get(key)
        bullets.append(_bulleted(heading, _top_lines(items, n), none, items is not None))

    blocks.append([line for b in bullets for line in b])
    blocks.append([T.NOTE])
    return "\n\n".join("\n".join(b) for b in blocks if b)


def summary_text(summary: Mapping[str, Any], q: Questionnaire) -> str:
    """The executive summary for Telegram (HTML parse mode, at most ``T.TEXT_LIMIT`` chars).

    In the tone of the seed document; figures the Colombian way; a missing figure is said to be
    missing, never shown as a number. The bulleted lists are shortened if the text is too long.
    """
    for n in range(TOP_N, 0, -1):
        text = _build_text(summary, q, n)
        if len(text) <= T.TEXT_LIMIT:
            return text
    return text[: T.TEXT_LIMIT - 1] + "…"  # unreachable with the shipped texts


# --------------------------------------------------------------------------------------------
# The charts: picklable specs, rendered by the caller (e.g. in a process pool)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarsChart:
    """The arguments of :func:`charts.render_bars` / ``Renderer.render_bars``."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = "%"
    decimals: int = 1


ChartJob = BarsChart | RadarSpec


def level_chart(
    summary: Mapping[str, Any], q: Questionnaire, previous_summary: Mapping[str, Any] | None = None
) -> BarsChart | None:
    """Distribution by level, the campaign next to the previous one when there is one."""
    current = summary.get("level_pct")
    if not current:
        return None
    keys = [lv.id for lv in q.levels]
    series = [
        (
            T.CHART_CAMPAIGN.format(campaign=summary["campaign"]),
            tuple(float(current.get(k, 0.0)) for k in keys),
        )
    ]
    before = (previous_summary or {}).get("level_pct")
    if before:
        series.append(
            (
                T.CHART_CAMPAIGN.format(campaign=previous_summary["campaign"]),  # type: ignore[index]
                tuple(float(before.get(k, 0.0)) for k in keys),
            )
        )
    return BarsChart(
        title=T.CHART_LEVELS_TITLE,
        categories=tuple(lv.label for lv in q.levels),
        series=tuple(series),
    )


def _area_values(summary: Mapping[str, Any] | None, q: Questionnaire) -> tuple[float, ...] | None:
    means = (summary or {}).get("area_mean")
    if not means:
        return None
    values = [means.get(a.id) for a in q.areas]
    if any(v is None for v in values):
        return None
    return tuple(min(max(float(v), 0.0), 100.0) for v in values)  # type: ignore[arg-type]


def area_chart(
    summary: Mapping[str, Any], q: Questionnaire, previous_summary: Mapping[str, Any] | None = None
) -> RadarSpec | None:
    """Radar of the campaign's area means (and the previous campaign's, when there is one)."""
    values = _area_values(summary, q)
    if values is None:
        return None
    campaign = str(summary["campaign"])
    series = [Series(T.CHART_AREAS_MEAN.format(campaign=campaign), values, "national")]
    before = _area_values(previous_summary, q)
    if before is not None:
        label = T.CHART_AREAS_MEAN.format(campaign=previous_summary["campaign"])  # type: ignore[index]
        series.append(Series(label, before, "previous"))
    levels = q.levels
    bands = tuple(
        Band(lv.min_ims, levels[k + 1].min_ims if k + 1 < len(levels) else 100, lv.label)
        for k, lv in enumerate(levels)
    )
    ims = summary.get("ims_mean")
    return RadarSpec(
        title=T.CHART_AREAS_TITLE,
        subtitle=T.CHART_AREAS_SUBTITLE.format(
            campaign=campaign,
            ims="–" if ims is None else _num_text(ims),
            respondents=_plural(T.CHART_AREAS_RESPONDENTS, summary["respondents"]),
        ),
        axes=tuple(a.label for a in q.areas),
        series=tuple(series),
        bands=bands,
    )


def _count_chart(
    title: str, counts: Mapping[str, int], names: Mapping[str, str]
) -> BarsChart | None:
    if not counts or not any(counts.values()):
        return None
    return BarsChart(
        title=title,
        categories=tuple(names.get(k, k) for k in counts),
        series=((T.CHART_RESPONDENTS, tuple(float(v) for v in counts.values())),),
        unit="",
        decimals=0,
    )


def sector_chart(by_sector: Mapping[str, int]) -> BarsChart | None:
    """Respondents by sector (from :func:`respondent_counts`)."""
    return _count_chart(T.CHART_SECTORS_TITLE, by_sector, T.CHART_SECTOR_NAMES)


def department_chart(by_department: Mapping[str, int]) -> BarsChart | None:
    """Respondents by department (from :func:`respondent_counts`), most first."""
    return _count_chart(T.CHART_DEPARTMENTS_TITLE, by_department, {})


def summary_charts(
    summary: Mapping[str, Any],
    q: Questionnaire,
    previous_summary: Mapping[str, Any] | None = None,
    counts: tuple[Mapping[str, int], Mapping[str, int]] | None = None,
) -> list[tuple[str, ChartJob]]:
    """The summary's charts as ``(name, job)``: levels, areas, sectors, departments.

    ``counts`` is :func:`respondent_counts`'s result; without it there are no sector and
    department charts. A chart without data is left out. Jobs are frozen, picklable dataclasses:
    render them with :func:`render_chart` (e.g. ``pool.submit(render_chart, job)``) or
    :func:`render_with` and a :class:`charts.Renderer`.
    """
    jobs: list[tuple[str, ChartJob | None]] = [
        ("levels", level_chart(summary, q, previous_summary)),
        ("areas", area_chart(summary, q, previous_summary)),
    ]
    if counts is not None:
        by_sector, by_department = counts
        jobs += [
            ("sectors", sector_chart(by_sector)),
            ("departments", department_chart(by_department)),
        ]
    return [(name, job) for name, job in jobs if job is not None]


def render_chart(job: ChartJob) -> bytes:
    """PNG bytes of one job (a top-level function, so a process pool can run it)."""
    from charts.radar import render_bars, render_radar  # matplotlib only where charts are drawn

    if isinstance(job, RadarSpec):
        return render_radar(job)
    return render_bars(job.title, job.categories, job.series, unit=job.unit, decimals=job.decimals)


async def render_with(renderer: Renderer, job: ChartJob) -> bytes:
    """PNG bytes of one job through the bot's chart renderer (its process pool)."""
    if isinstance(job, RadarSpec):
        return await renderer.render_radar(job)
    return await renderer.render_bars(
        job.title, job.categories, job.series, unit=job.unit, decimals=job.decimals
    )
