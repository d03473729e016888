"""The charts of the executive summary as picklable specs, rendered by the caller.

Pure: built from the JSON figures (and :func:`bot.reports.summary.figures.respondent_counts`);
a job is a frozen dataclass, drawn by :func:`render_chart` (e.g. in a process pool) or by
:func:`render_with` through the bot's :class:`charts.Renderer`. matplotlib is imported only when
a chart is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.model import Questionnaire
from bot.questionnaire.parsing import format_number
from bot.reports.summary.text import count_text, num_text
from bot.texts import charts as C
from bot.texts import summary as T
from charts import Band, RadarSpec, Renderer, Series

__all__ = [
    "BarsChart",
    "ChartJob",
    "area_chart",
    "department_chart",
    "level_chart",
    "render_chart",
    "render_with",
    "sector_chart",
    "summary_charts",
]


@dataclass(frozen=True)
class BarsChart:
    """The arguments of :func:`charts.render_bars` / ``Renderer.render_bars``."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = "%"
    decimals: int = 1
    subtitle: str | None = None
    totals: tuple[float, ...] | None = None  # e.g. registered, behind the respondents
    of_label: str = C.BARS_OF
    totals_label: str | None = None


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
    if previous_summary and (before := previous_summary.get("level_pct")):
        series.append(
            (
                T.CHART_CAMPAIGN.format(campaign=previous_summary["campaign"]),
                tuple(float(before.get(k, 0.0)) for k in keys),
            )
        )
    return BarsChart(
        title=T.CHART_LEVELS_TITLE,
        categories=tuple(lv.label for lv in q.levels),
        series=tuple(series),
        subtitle=_subtitle(summary["campaign"], summary["respondents"]),
    )


def _subtitle(campaign: object, clusters: int) -> str:
    return C.BARS_SUBTITLE.format(campaign=campaign, clusters=count_text(C.BARS_CLUSTERS, clusters))


def _area_values(summary: Mapping[str, Any] | None, q: Questionnaire) -> tuple[float, ...] | None:
    means = (summary or {}).get("area_mean")
    if not means:
        return None
    values = [means.get(a.id) for a in q.areas]
    if any(v is None for v in values):
        return None
    return tuple(min(max(float(v), 0.0), 100.0) for v in values)


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
    if previous_summary is not None and before is not None:
        label = T.CHART_AREAS_MEAN.format(campaign=previous_summary["campaign"])
        series.append(Series(label, before, "previous"))
    # Means of area scores are read against the per-area bands (Débil … Sólido), as the text
    # words them; the level bands would put the network "in Consolidado" beside a level chart
    # that says otherwise.
    bands = area_bands(q)
    ims = summary.get("ims_mean")
    return RadarSpec(
        title=T.CHART_AREAS_TITLE,
        subtitle=T.CHART_AREAS_SUBTITLE.format(
            campaign=campaign,
            ims="–" if ims is None else num_text(ims),
            respondents=count_text(T.CHART_AREAS_RESPONDENTS, summary["respondents"]),
        ),
        axes=tuple(a.label for a in q.areas),
        series=tuple(series),
        bands=bands,
        band_title=C.BAND_TITLE_AREAS,
    )


def area_bands(q: Questionnaire) -> tuple[Band, ...]:
    """The per-area bands of the questionnaire (≤25 Débil, ≤50 Básico, …) as chart bands."""
    bands, low = [], 0.0
    for band in q.area_bands:
        high = 100.0 if band.upto is None else float(band.upto)
        if high > low:
            bands.append(Band(low, high, band.label))
        low = high
    return tuple(bands)


def _count_chart(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    campaign: object,
) -> BarsChart | None:
    """Active respondents of the registered (active) clusters per group (rows of
    :func:`breakdown`); groups with no active cluster are left out."""
    rows = [r for r in rows if r["registered"]]
    if not rows:
        return None
    return BarsChart(
        title=title,
        categories=tuple(names.get(r["group"], r["group"]) for r in rows),
        series=((C.BARS_RESPONDED, tuple(float(r["active_respondents"]) for r in rows)),),
        unit="",
        decimals=0,
        subtitle=C.BARS_SUBTITLE_OF.format(
            campaign=campaign,
            k=format_number(sum(r["active_respondents"] for r in rows)),
            n=format_number(sum(r["registered"] for r in rows)),
        ),
        totals=tuple(float(r["registered"]) for r in rows),
        totals_label=C.BARS_REGISTERED,
    )


def sector_chart(by_sector: Sequence[Mapping[str, Any]], campaign: object) -> BarsChart | None:
    """Respondents of registered by sector (:func:`breakdown` by ``sector``), in the fixed
    sector order."""
    order = {k: i for i, k in enumerate(T.CHART_SECTOR_NAMES)}
    rows = sorted(by_sector, key=lambda r: (order.get(r["group"], len(order)), r["group"]))
    return _count_chart(T.CHART_SECTORS_TITLE, rows, T.CHART_SECTOR_NAMES, campaign)


def department_chart(
    by_department: Sequence[Mapping[str, Any]], campaign: object
) -> BarsChart | None:
    """Respondents of registered by department (:func:`breakdown` by ``departamento``), most
    respondents first."""
    rows = sorted(
        by_department, key=lambda r: (-r["active_respondents"], -r["registered"], r["group"])
    )
    return _count_chart(T.CHART_DEPARTMENTS_TITLE, rows, {}, campaign)


def summary_charts(
    summary: Mapping[str, Any],
    q: Questionnaire,
    previous_summary: Mapping[str, Any] | None = None,
    groups: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[tuple[str, ChartJob]]:
    """The summary's charts as ``(name, job)``: levels, areas, sectors, departments.

    ``groups`` holds :func:`breakdown`'s rows by ``sector`` and by ``departamento``; without it
    there are no sector and department charts. A chart without data is left out. Jobs are frozen, picklable dataclasses:
    render them with :func:`render_chart` (e.g. ``pool.submit(render_chart, job)``) or
    :func:`render_with` and a :class:`charts.Renderer`.
    """
    jobs: list[tuple[str, ChartJob | None]] = [
        ("levels", level_chart(summary, q, previous_summary)),
        ("areas", area_chart(summary, q, previous_summary)),
    ]
    if groups is not None:
        campaign = summary["campaign"]
        jobs += [
            ("sectors", sector_chart(groups["sector"], campaign)),
            ("departments", department_chart(groups["departamento"], campaign)),
        ]
    return [(name, job) for name, job in jobs if job is not None]


def render_chart(job: ChartJob) -> bytes:
    """PNG bytes of one job (a top-level function, so a process pool can run it)."""
    # matplotlib only where charts are drawn
    from charts.bars import render_bars
    from charts.radar import render_radar

    if isinstance(job, RadarSpec):
        return render_radar(job)
    return render_bars(
        job.title,
        job.categories,
        job.series,
        unit=job.unit,
        decimals=job.decimals,
        subtitle=job.subtitle,
        totals=job.totals,
        of_label=job.of_label,
        totals_label=job.totals_label,
    )


async def render_with(renderer: Renderer, job: ChartJob) -> bytes:
    """PNG bytes of one job through the bot's chart renderer (its process pool)."""
    return await renderer.run(render_chart, job)
