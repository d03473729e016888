"""The executive summary as a document: the §7 figures laid out in the seed's sections.

Pure. Every figure comes from the summary's dict (``ssme summary --json``) and its per-group
breakdown (:func:`bot.reports.summary.breakdown`); every sentence that states a §7 figure is
the chat's own (:func:`bot.reports.summary.sentences`), so the document and ``/resumen`` can
never disagree; the charts are the chat's chart jobs (:func:`bot.reports.summary.summary_charts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

from bot.documents.model import Block, Bullets, Document, Figure, Paragraph, Section, Table
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.parsing import format_cop_words, format_number
from bot.reports.summary import ChartJob, count_text, num_text, sentences
from bot.texts import documents as D
from bot.texts import summary as T

MIN_GROUP = 5  # a group's levels and means are shown from this many respondents on
WEAKEST_AREAS = 2


def date_text(day: date) -> str:
    return D.DATE.format(day=day.day, month=D.MONTHS[day.month - 1], year=day.year)


def pct(value: float | None) -> str:
    return D.DASH if value is None else T.PCT.format(value=num_text(value))


def one(value: float | None) -> str:
    """A score or mean in a table: always one decimal, so the column lines up."""
    return D.DASH if value is None else format_number(Decimal(repr(float(value))), 1)


def _plain(html: str) -> str:
    return unescape(html)


def _heading_lines(pair: tuple[str, list[str]] | None) -> list[Block]:
    if pair is None:
        return []
    heading, lines = pair
    items = tuple(_plain(line.strip().removeprefix("–").strip()) for line in lines)
    return [Bullets(items, _plain(heading))] if items else [Paragraph(_plain(heading))]


class _Figures:
    """Numbers the figures in the order they are placed; only charts that exist."""

    def __init__(self, jobs: Mapping[str, ChartJob]) -> None:
        self.jobs = jobs
        self.n = 0

    def __call__(self, name: str, caption: str, width: int = 78) -> list[Block]:
        if name not in self.jobs:
            return []
        self.n += 1
        return [Figure(name, caption.format(n=self.n), width)]


def _performance_table(s: Mapping[str, Any]) -> Table:
    rows: list[tuple[str, str]] = []
    sales = s.get("sales_total_cop")
    rows.append(
        (D.SALES_TOTAL, D.NO_DATA if sales is None else format_cop_words(Decimal(repr(sales))))
    )
    rows.append((D.SALES_GROWTH, _opt_pct(s.get("sales_growth_pct"))))
    for key, share in (s.get("sales_destination_pct") or {}).items():
        rows.append((D.DESTINATION_ROW.format(name=D.DESTINATION_NAMES.get(key, key)), pct(share)))
    jobs = s.get("employment_total")
    rows.append((D.EMPLOYMENT_TOTAL, D.NO_DATA if jobs is None else format_number(jobs)))
    rows.append((D.EMPLOYMENT_GROWTH, _opt_pct(s.get("employment_growth_pct"))))
    for key, share in (s.get("firm_size_pct") or {}).items():
        rows.append((D.FIRM_SIZE_ROW.format(name=D.FIRM_SIZE_NAMES.get(key, key)), pct(share)))
    return Table(D.PERFORMANCE_TABLE, tuple(rows), widths=(3.0, 2.0))


def _opt_pct(value: float | None) -> str:
    return D.NO_DATA if value is None else pct(value)


def _conclusions(
    s: Mapping[str, Any], q: Questionnaire, by_sector: Sequence[Mapping[str, Any]]
) -> list[Block]:
    means = {k: v for k, v in (s.get("area_mean") or {}).items() if v is not None}
    if not means:
        return [Paragraph(D.NO_CONCLUSIONS)]
    areas = {a.id: a for a in q.areas}
    weakest = sorted((k for k in means if k in areas), key=lambda k: means[k])[:WEAKEST_AREAS]
    named = [D.WEAKEST_AREA.format(area=areas[k].label, score=num_text(means[k])) for k in weakest]
    actions = tuple(
        D.ACTION_ITEM.format(action=i.action.rstrip("."), indicator=i.label)
        for k in weakest
        for i in areas[k].indicators
    )
    blocks: list[Block] = [
        Paragraph(D.CONCLUSIONS_INTRO),
        Bullets(actions, D.WEAKEST_NATIONAL.format(areas=_join(named))),
    ]
    shown, hidden = [], []
    for row in by_sector:
        name = T.SECTOR_NAMES.get(row["group"], row["group"])
        sector_means = {k: v for k, v in (row["area_mean"] or {}).items() if v is not None}
        if row["respondents"] < MIN_GROUP or not sector_means:
            if row["respondents"]:
                hidden.append(name)
            continue
        low = min((k for k in sector_means if k in areas), key=lambda k: sector_means[k])
        area = D.WEAKEST_AREA.format(area=areas[low].label, score=num_text(sector_means[low]))
        action = areas[low].indicators[0].action if areas[low].indicators else ""
        text = D.WEAKEST_SECTOR.format(sector=name, n=format_number(row["respondents"]), area=area)
        shown.append(f"{text} {action}".strip())
    if shown:
        blocks.append(Bullets(tuple(shown)))
    if hidden:
        blocks.append(Paragraph(D.SECTORS_HIDDEN.format(k=MIN_GROUP, sectors=_join(hidden))))
    return blocks


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return T.LIST_SEPARATOR.join(items[:-1]) + T.LIST_LAST_SEPARATOR + items[-1]


def _annex(
    rows: Sequence[Mapping[str, Any]], q: Questionnaire, group: str, names: Mapping[str, str]
) -> list[Block]:
    level_ids = [lv.id for lv in q.levels]
    main, areas = [], []
    for row in rows:
        shown = row["respondents"] >= MIN_GROUP
        levels = row["level_pct"] or {}
        name = names.get(row["group"], row["group"])
        main.append(
            (
                name,
                format_number(row["registered"]),
                format_number(row["respondents"]),
                pct(row["participation_pct"]),
                *(pct(levels.get(k)) if shown else D.DASH for k in level_ids),
                one(row["ims_mean"]) if shown else D.DASH,
            )
        )
        means = row["area_mean"] or {}
        areas.append(
            (
                name,
                *(one(means.get(a.id)) if shown else D.DASH for a in q.areas),
            )
        )
    header = tuple(h.format(group=group) for h in D.ANNEX_HEADER)
    if len(level_ids) != 3:  # the header names three levels
        header = (group, *D.ANNEX_HEADER[1:4], *(lv.label for lv in q.levels), D.ANNEX_HEADER[-1])
    short = [D.ANNEX_AREA_SHORT.get(a.id, a.label[:5]) for a in q.areas]
    key = "; ".join(f"{s} {a.label}" for s, a in zip(short, q.areas, strict=True))
    return [
        Table(header, tuple(main), widths=(3.2, 1.2, 1, 1.1, 1, 1.1, 1.1, 0.9)[: len(header)]),
        Paragraph(D.ANNEX_AREAS_TITLE, "heading"),
        Table(
            (group, *short),
            tuple(areas),
            widths=(3.2, *(1.0,) * len(short)),
            note=D.ANNEX_NOTE.format(k=MIN_GROUP, dash=D.DASH)
            + " "
            + D.ANNEX_AREAS_KEY.format(key=key),
        ),
    ]


def summary_document(
    s: Mapping[str, Any],
    q: Questionnaire,
    charts: Sequence[tuple[str, ChartJob]],
    groups: Mapping[str, Sequence[Mapping[str, Any]]],
    today: date,
    ext: str = "pdf",
) -> Document:
    """The executive summary of ``s`` (``compute_summary``'s dict) with its ``charts`` and the
    ``groups`` of :func:`bot.reports.summary.breakdown` (``departamento``, ``sector``)."""
    said = sentences(s, q)
    p = {k: _plain(v) for k, v in said.items() if isinstance(v, str)}
    fig = _Figures(dict(charts))
    campaign = str(s["campaign"])
    sections: list[Section] = [
        Section(
            "network",
            D.S_NETWORK,
            (
                Paragraph(D.INTRO, "lead"),
                Paragraph(p["registry"]),
                *fig("sectors", D.FIG_SECTORS, 70),
            ),
        )
    ]
    cover: tuple[str, ...] = (D.SUMMARY_COVER[0],)
    if "no_respondents" in said:
        sections.append(
            Section("participation", D.S_PARTICIPATION, (Paragraph(p["no_respondents"]),))
        )
    else:
        cover += (
            D.SUMMARY_COVER[1].format(
                respondents=count_text(D.RESPONDENTS, s["respondents"]),
                participation=pct(s.get("participation_pct")),
                registered=format_number(s["registered"]),
            ),
        )
        level_blocks: list[Block] = [Paragraph(p["levels"])] if p.get("levels") else []
        level_blocks += fig("levels", D.FIG_LEVELS, 72)
        if s.get("level_change_pp") is None and "levels" in dict(charts):
            level_blocks.append(Paragraph(D.FIG_LEVELS_FIRST, "note"))
        perf = [Paragraph(p[k]) for k in ("sales", "destination", "employment", "firm_size")]
        strategy = [Paragraph(p[k]) for k in ("strategy", "actors") if p.get(k)]
        management = [Paragraph(p["chamber"])] if p.get("chamber") else []
        sections += [
            Section(
                "participation",
                D.S_PARTICIPATION,
                (Paragraph(p["participation"]), *fig("departments", D.FIG_DEPARTMENTS, 80)),
            ),
            Section("levels", D.S_LEVELS, tuple(level_blocks)),
            Section(
                "areas",
                D.S_AREAS,
                (*([Paragraph(p["ims"])] if p.get("ims") else []), *fig("areas", D.FIG_AREAS, 72)),
            ),
            Section("performance", D.S_PERFORMANCE, (*perf, _performance_table(s))),
            Section(
                "strategy",
                D.S_STRATEGY,
                (*strategy, *_heading_lines(said["governance"])),
            ),
            Section(
                "management",
                D.S_MANAGEMENT,
                (*management, *_heading_lines(said["funding"])),
            ),
            Section(
                "impacts",
                D.S_IMPACTS,
                (*_heading_lines(said["impacts"]), *_heading_lines(said["regional"])),
            ),
            Section("conclusions", D.S_CONCLUSIONS, tuple(_conclusions(s, q, groups["sector"]))),
            Section(
                "annex_departments",
                D.S_ANNEX_DEPARTMENTS,
                tuple(_annex(groups["departamento"], q, D.ANNEX_DEPARTMENT, {})),
            ),
            Section(
                "annex_sectors",
                D.S_ANNEX_SECTORS,
                tuple(_annex(groups["sector"], q, D.ANNEX_SECTOR, T.CHART_SECTOR_NAMES)),
            ),
        ]
    sections.append(Section("method", D.S_METHOD, (Paragraph(D.METHOD, "note"),)))
    used = {b.chart for sec in sections for b in sec.blocks if isinstance(b, Figure)}
    return Document(
        kind="summary",
        title=D.SUMMARY_TITLE,
        subtitle=D.SUMMARY_SUBTITLE.format(campaign=campaign),
        date=D.GENERATED.format(date=date_text(today)),
        filename=D.SUMMARY_FILENAME.format(campaign=campaign, ext=ext),
        cover=cover,
        sections=tuple(sections),
        charts=tuple((n, j) for n, j in charts if n in used),
        page_label=D.PAGE,
    )


def headline_text(s: Mapping[str, Any], q: Questionnaire) -> str:
    """The short text sent with the PDF: participation, IMS and the level shares."""
    levels = s.get("level_pct") or {}
    shares = " · ".join(
        D.SUMMARY_CAPTION_LEVEL.format(level=lv.label, pct=pct(levels.get(lv.id)))
        for lv in q.levels
        if lv.id in levels
    )
    ims = s.get("ims_mean")
    return D.SUMMARY_CAPTION.format(
        campaign=s["campaign"],
        participation=pct(s.get("participation_pct")),
        ims=D.DASH if ims is None else num_text(ims),
        levels=shares,
    ).strip()
