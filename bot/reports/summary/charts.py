"""The charts of the executive summary as picklable specs, rendered by the caller.

Pure: built from the JSON figures (and :func:`bot.reports.summary.figures.respondent_counts`);
a job is a frozen dataclass, drawn by :func:`render_chart` (e.g. in a process pool) or by
:func:`render_with` through the bot's :class:`charts.Renderer`. matplotlib is imported only when
a chart is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.model import Questionnaire
from bot.reports.summary.text import count_text, num_text
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
    )


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
            ims="–" if ims is None else num_text(ims),
            respondents=count_text(T.CHART_AREAS_RESPONDENTS, summary["respondents"]),
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
    # matplotlib only where charts are drawn
    from charts.bars import render_bars
    from charts.radar import render_radar

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
